"""What each cluster uploads, for the plan: the files that go up and the ones the ignore rules leave out.

The blobs are resources of the plan already (one per file); this adds the reviewer's view per model and code
folder, with what stayed home and why (``docs/assets.md``, "Uploads").
"""

from __future__ import annotations

from typing import Any

from .engine import PlanResult

SHOWN = 10
"""Names printed per list in the tree; ``--json`` has them all."""


def uploads(result: PlanResult) -> list[dict[str, Any]]:
    """One entry per uploaded model or code folder (once per asset, at the first deployment that names it)."""
    entries: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for spec in result.specs:
        for i, deployment in enumerate(spec.deployments):
            for kind, source in (("model", deployment.model), ("code", deployment.code)):
                upload = getattr(source, "upload", None)
                if upload is None or (spec.name, kind, source.name) in seen:
                    continue
                seen.add((spec.name, kind, source.name))
                entries.append(
                    {
                        "cluster": spec.name,
                        "field": f"deployments[{i}].{kind}",
                        "asset": source.name,
                        "path": upload.root,
                        "files": [f.relative for f in upload.files],
                        "bytes": upload.size,
                        "ignore_file": upload.ignore_file,
                        "left_out": list(upload.left_out),
                    }
                )
    return entries


def upload_lines(result: PlanResult) -> list[str]:
    entries = uploads(result)
    if not entries:
        return []
    lines = ["Uploads:"]
    for e in entries:
        count = len(e["files"])
        lines.append(
            f"    {e['cluster']} {e['field']} ({e['asset']}): {count} file{'s' if count != 1 else ''}, "
            f"{e['bytes']} bytes from {e['path']}: {_names(e['files'])}"
        )
        if e["left_out"]:
            rules = f"defaults and {e['ignore_file']}" if e["ignore_file"] else "defaults"
            lines.append(f"        left out ({rules}): {_names(e['left_out'])}")
    return lines


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" ... and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
