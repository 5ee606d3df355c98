"""The report as text (one line per check, then a summary table) or JSON (docs/check.md, "JSON")."""

from __future__ import annotations

import json

from .model import CheckLine, CheckReport

MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def render_line(line: CheckLine) -> str:
    text = [f"[{MARK[line.status]}] {line.check:<8} {line.subject}: {line.message}"]
    if line.hint and line.status != "ok":
        text.append(f"         fix: {line.hint}")
    text.extend(f"         | {detail}" for detail in line.details)
    return "\n".join(text)


def render_summary(report: CheckReport, strict: bool = False) -> str:
    out = ["", "Summary"]
    checks = sorted({line.check for line in report.lines}, key=[line.check for line in report.lines].index)
    out.append(f"  {'check':<10} {'ok':>4} {'warn':>5} {'fail':>5} {'skip':>5}")
    for check in checks:
        counts = [
            sum(1 for line in report.lines if line.check == check and line.status == s)
            for s in ("ok", "warn", "fail", "skip")
        ]
        out.append(f"  {check:<10} {counts[0]:>4} {counts[1]:>5} {counts[2]:>5} {counts[3]:>5}")
    if report.deployments:
        out += ["", f"  {'deployment':<28} {'ready s':>8} {'worker MiB':>11} {'workers':>8} {'samples':>8}"]
        for d in report.deployments:
            ready = "-" if d["ready_seconds"] is None else f"{d['ready_seconds']:.2f}"
            mem = "-" if d["worker_rss_mib"] is None else f"{d['worker_rss_mib']:.0f}"
            ok = sum(1 for s in d["samples"] if s["status"] is not None and 200 <= s["status"] < 300 and s["json"])
            scored = f"{ok}/{len(d['samples'])}"
            out.append(
                f"  {d['cluster'] + '/' + d['deployment']:<28} {ready:>8} {mem:>11} {d['workers']:>8} {scored:>8}"
            )
    if report.capacity:
        out += ["", f"  {'region/family (vCPUs)':<44} {'steady':>6} {'max':>6} {'+20%':>6} {'rollout':>7} {'quota':>6}"]
        for row in report.capacity:
            v = row["vcpus"]
            quota = "?" if row.get("quota") is None else str(row["quota"])
            out.append(
                f"  {row['region'] + '/' + row['family']:<44} {v['steady']:>6} {v['max']:>6} {v['reserve']:>6} {v['rollout']:>7} {quota:>6}"
            )
            if row["gpus"]["max"]:
                g = row["gpus"]
                out.append(f"  {'  GPUs':<44} {g['steady']:>6} {g['max']:>6} {g['reserve']:>6} {g['rollout']:>7}")
    verdict = "FAIL" if report.exit_code(strict) else "PASS"
    out += [
        "",
        f"{verdict}: {report.count('ok')} ok, {report.count('warn')} warn, {report.count('fail')} fail, {report.count('skip')} skipped"
        + (" (--strict: warnings fail)" if strict and report.count("warn") else ""),
    ]
    return "\n".join(out)


def render_json(report: CheckReport, strict: bool = False) -> str:
    return json.dumps(report.as_json(strict), indent=2)
