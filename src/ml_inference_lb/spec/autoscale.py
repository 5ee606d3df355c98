"""Autoscale args → ``AutoscaleSpec``: bounds, metric rules and schedule profiles."""

from __future__ import annotations

from typing import Any

from . import rules, time_zones
from .model import AutoscaleSpec, ScaleRuleSpec, ScheduleSpec
from .problems import Problems, join

AUTOSCALE_FIELDS = ("min_instances", "max_instances", "default_instances", "rules", "schedules")


RULE_FIELDS = (
    "metric",
    "scale_out_above",
    "scale_in_below",
    "window_minutes",
    "aggregation",
    "change_count",
    "scale_out_cooldown_minutes",
    "scale_in_cooldown_minutes",
)


SCHEDULE_FIELDS = ("name", "days", "start", "end", "time_zone", "min_instances", "max_instances", "default_instances")


def build_autoscale(problems: Problems, path: str, raw_value: Any, instance_count: int) -> AutoscaleSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, AUTOSCALE_FIELDS)
    cap = rules.MAX_INSTANCES_PER_DEPLOYMENT
    low = problems.integer(join(path, "min_instances"), raw.get("min_instances"), 1, 1, cap)
    if raw.get("max_instances") is None:
        problems.add(join(path, "max_instances"), f"required: the highest instance count (at most {cap})")
    high = problems.integer(join(path, "max_instances"), raw.get("max_instances"), max(low, 1), 1, cap)
    default = problems.integer(
        join(path, "default_instances"), raw.get("default_instances"), min(max(instance_count, low), high), 1, cap
    )
    if low > high:
        problems.add(join(path, "min_instances"), f"min_instances ({low}) is greater than max_instances ({high})")
    elif not low <= default <= high:
        problems.add(
            join(path, "default_instances"), f"{default} is outside min_instances..max_instances ({low}..{high})"
        )

    raw_rules = raw.get("rules")
    rule_list = problems.each(
        join(path, "rules"),
        raw_rules if raw_rules is not None else rules.DEFAULT_SCALE_RULES,
        lambda p, r: _rules(problems, p, r),
    )
    flat = tuple(r for pair in rule_list for r in pair)
    if raw_rules is not None and not flat and not problems:
        problems.add(join(path, "rules"), "give at least one rule, or leave rules out for the CPU default")
    if len(flat) > rules.MAX_AUTOSCALE_RULES_PER_PROFILE:
        problems.add(
            join(path, "rules"), f"{len(flat)} Azure rules (one per threshold); Azure Monitor allows 10 per profile"
        )
    if flat and not any(r.direction == "Increase" for r in flat):
        problems.add(join(path, "rules"), "no rule scales out: give at least one scale_out_above")
    if flat and not any(r.direction == "Decrease" for r in flat):
        problems.add(
            join(path, "rules"), "no rule scales in: give at least one scale_in_below, or the deployment never shrinks"
        )
    schedules = tuple(
        problems.each(join(path, "schedules"), raw.get("schedules"), lambda p, s: _schedule(problems, p, s))
    )
    if len(schedules) + 1 > rules.MAX_AUTOSCALE_PROFILES:
        problems.add(join(path, "schedules"), "Azure Monitor allows 20 profiles per autoscale setting")
    names = [s.name for s in schedules]
    for i, n in enumerate(names):
        if n in names[:i] or n == "default":
            problems.add(f"{path}.schedules[{i}].name", f"{n!r} is used twice (or is the reserved 'default')")
    return AutoscaleSpec(
        min_instances=low, max_instances=high, default_instances=default, rules=flat, schedules=schedules
    )


def _rules(problems: Problems, path: str, raw_value: Any) -> tuple[ScaleRuleSpec, ...]:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, RULE_FIELDS)
    metrics = sorted(rules.DEPLOYMENT_METRICS | rules.ENDPOINT_METRICS)
    metric = problems.choice(join(path, "metric"), raw.get("metric"), metrics, "CpuUtilizationPercentage")
    if raw.get("metric") is None:
        problems.add(join(path, "metric"), f"required: one of {', '.join(metrics)}")
    is_percent = metric.endswith("Percentage")
    bound = 100.0 if is_percent else None
    out = problems.number(join(path, "scale_out_above"), raw.get("scale_out_above"), 0, bound)
    inn = problems.number(join(path, "scale_in_below"), raw.get("scale_in_below"), 0, bound)
    if out is None and inn is None:
        problems.add(path, "give scale_out_above, scale_in_below or both")
    if out is not None and inn is not None and inn >= out:
        problems.add(
            join(path, "scale_in_below"),
            f"{inn} is not below scale_out_above ({out}): the two rules would fight (flapping)",
        )
    common = {
        "metric": metric,
        "scope": "deployment" if metric in rules.DEPLOYMENT_METRICS else "endpoint",
        "aggregation": problems.choice(
            join(path, "aggregation"), raw.get("aggregation"), rules.AGGREGATIONS, "Average"
        ),
        "window_minutes": problems.integer(join(path, "window_minutes"), raw.get("window_minutes"), 5, 5, 720),
        "change_count": problems.integer(
            join(path, "change_count"), raw.get("change_count"), 1, 1, rules.MAX_INSTANCES_PER_DEPLOYMENT
        ),
    }
    result = []
    if out is not None:
        cooldown = problems.integer(
            join(path, "scale_out_cooldown_minutes"), raw.get("scale_out_cooldown_minutes"), 5, 1, 10080
        )
        result.append(ScaleRuleSpec(direction="Increase", threshold=out, cooldown_minutes=cooldown, **common))  # type: ignore[arg-type]
    if inn is not None:
        cooldown = problems.integer(
            join(path, "scale_in_cooldown_minutes"), raw.get("scale_in_cooldown_minutes"), 10, 1, 10080
        )
        result.append(ScaleRuleSpec(direction="Decrease", threshold=inn, cooldown_minutes=cooldown, **common))  # type: ignore[arg-type]
    return tuple(result)


def _schedule(problems: Problems, path: str, raw_value: Any) -> ScheduleSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, SCHEDULE_FIELDS)
    name = problems.string(join(path, "name"), raw.get("name")) or ""
    if not name:
        problems.add(join(path, "name"), "required: a name for the profile, e.g. 'business-hours'")
    days = tuple(
        problems.each(join(path, "days"), raw.get("days"), lambda p, d: problems.choice(p, d, rules.WEEKDAYS, "Monday"))
    )
    if not days:
        problems.add(join(path, "days"), f"required: one or more of {', '.join(rules.WEEKDAYS)}")
    start = _hhmm(problems, join(path, "start"), raw.get("start"))
    end = _hhmm(problems, join(path, "end"), raw.get("end"))
    if start == end:
        problems.add(join(path, "end"), "must differ from start")
    cap = rules.MAX_INSTANCES_PER_DEPLOYMENT
    low = problems.integer(join(path, "min_instances"), raw.get("min_instances"), 1, 1, cap)
    high = problems.integer(join(path, "max_instances"), raw.get("max_instances"), low, 1, cap)
    if raw.get("min_instances") is None or raw.get("max_instances") is None:
        problems.add(path, "min_instances and max_instances are required for a schedule")
    default = problems.integer(join(path, "default_instances"), raw.get("default_instances"), low, 1, cap)
    if low > high:
        problems.add(join(path, "min_instances"), f"min_instances ({low}) is greater than max_instances ({high})")
    elif not low <= default <= high:
        problems.add(join(path, "default_instances"), f"{default} is outside {low}..{high}")
    zone = time_zones.resolve(problems, join(path, "time_zone"), raw.get("time_zone"))
    return ScheduleSpec(
        name=name,
        days=days,
        start=start,
        end=end,
        time_zone=zone.windows,
        iana_time_zone=zone.iana,
        min_instances=low,
        max_instances=high,
        default_instances=default,
    )


def _hhmm(problems: Problems, path: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, str) or not rules.HHMM_RE.match(value):
        problems.add(path, f"must be a time of day as 'HH:MM' (24-hour), got {value!r}")
        return (0, 0)
    hours, minutes = value.split(":")
    return (int(hours), int(minutes))
