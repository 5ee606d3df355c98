"""Local autoscale decisions and metric arithmetic, on synthetic samples (no processes)."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import given
from hypothesis import strategies as st

from ml_inference_lb.local.autoscale import Autoscaler, measure
from ml_inference_lb.local.metrics import LoadSample, parse_service_metrics, quantile_from_buckets
from ml_inference_lb.spec.model import AutoscaleSpec, ScaleRuleSpec


def _rule(metric: str, direction: str, threshold: float, cooldown: int = 5) -> ScaleRuleSpec:
    return ScaleRuleSpec(metric, "deployment", direction, threshold, "Average", 5, 1, cooldown)  # type: ignore[arg-type]


class FakeReader:
    """Serves fixed windows per deployment, like MetricsReader.window."""

    def __init__(self, samples: list[LoadSample]):
        self.samples = samples

    def window(self, deployment: str, now: float, window_s: float) -> list[LoadSample]:
        return self.samples

    def deployments(self) -> list[str]:
        return ["blue"]


def _scaler(*rules: ScaleRuleSpec, low: int = 1, high: int = 4) -> Autoscaler:
    spec = (
        plan_cluster(
            cluster_args(
                tiny_deployment("blue", traffic_percent=100, autoscale={"min_instances": 1, "max_instances": 4})
            )
        )
        .specs[0]
        .deployments[0]
    )
    from dataclasses import replace

    spec = replace(spec, autoscale=AutoscaleSpec(low, high, low, tuple(rules), ()))
    return Autoscaler(spec, time_scale=1.0)


def _load(rpm: float, cpu: float) -> list[LoadSample]:
    return [LoadSample(at=0.0, requests=0.0, cpu_percent=cpu), LoadSample(at=60.0, requests=rpm, cpu_percent=cpu)]


def test_requests_per_minute_and_in_flight_requests() -> None:
    samples = [
        LoadSample(at=10.0, requests=100, busy_seconds=5.0),
        LoadSample(at=40.0, requests=400, busy_seconds=65.0),
    ]
    assert measure("RequestsPerMinute", "Average", samples) == 600.0
    assert measure("ConnectionsActive", "Average", samples) == 2.0  # 60 busy seconds over 30 s
    assert measure("RequestLatency", "Average", samples) == 200.0  # ms per request
    assert measure("GpuUtilizationPercentage", "Average", samples) is None
    assert measure("RequestsPerMinute", "Average", samples[:1]) is None


def test_any_increase_rule_scales_out_all_decrease_rules_must_hold_to_scale_in() -> None:
    scaler = _scaler(
        _rule("RequestsPerMinute", "Increase", 600),
        _rule("RequestsPerMinute", "Decrease", 60),
        _rule("CpuUtilizationPercentage", "Increase", 70),
        _rule("CpuUtilizationPercentage", "Decrease", 25),
    )
    busy_cpu = FakeReader(_load(rpm=10, cpu=90))
    decision = scaler.decide(0.0, busy_cpu, current=2)  # type: ignore[arg-type]
    assert decision is not None and decision.count == 3 and "CpuUtilizationPercentage" in decision.reason
    assert scaler.decide(1.0, busy_cpu, current=3) is None  # cool-down: 5 minutes
    # Low requests but CPU in the middle: not every Decrease rule holds, so no scale-in.
    assert scaler.decide(400.0, FakeReader(_load(rpm=10, cpu=50)), current=3) is None  # type: ignore[arg-type]
    idle = scaler.decide(400.0, FakeReader(_load(rpm=10, cpu=5)), current=3)  # type: ignore[arg-type]
    assert idle is not None and idle.count == 2


def test_bounds_are_kept() -> None:
    scaler = _scaler(_rule("RequestsPerMinute", "Increase", 1), _rule("RequestsPerMinute", "Decrease", 1e9), high=2)
    assert scaler.decide(0.0, FakeReader(_load(rpm=100, cpu=0)), current=2) is None  # type: ignore[arg-type]
    clamped = scaler.decide(0.0, FakeReader(_load(rpm=100, cpu=0)), current=7)  # type: ignore[arg-type]
    assert clamped is not None and clamped.count == 2


def test_parse_service_metrics_sums_per_deployment() -> None:
    text = "\n".join(
        [
            "# HELP traefik_service_requests_total How many HTTP requests processed on a service.",
            'traefik_service_requests_total{code="200",method="POST",protocol="http",service="deployment-blue@file"} 7',
            'traefik_service_requests_total{code="502",method="POST",protocol="http",service="deployment-blue@file"} 3',
            'traefik_service_requests_total{code="200",method="POST",protocol="http",service="status@file"} 99',
            'traefik_service_request_duration_seconds_sum{code="200",method="POST",protocol="http",service="deployment-blue@file"} 1.5',
            'traefik_service_request_duration_seconds_bucket{code="200",method="POST",protocol="http",service="deployment-blue@file",le="0.1"} 6',
            'traefik_service_request_duration_seconds_bucket{code="200",method="POST",protocol="http",service="deployment-blue@file",le="+Inf"} 7',
        ]
    )
    parsed = parse_service_metrics(text, {"deployment-blue@file": "blue"})
    assert parsed["blue"].requests == 10
    assert parsed["blue"].busy_seconds == 1.5
    assert parsed["blue"].buckets == {0.1: 6.0, math.inf: 7.0}


@given(st.lists(st.floats(min_value=0.001, max_value=9.0), min_size=1, max_size=200))
def test_histogram_quantile_lies_within_the_bucket_holding_it(durations: list[float]) -> None:
    bounds = [0.1, 0.3, 1.2, 5.0, math.inf]
    buckets = {b: float(sum(1 for d in durations if d <= b)) for b in bounds}
    p50 = quantile_from_buckets({}, buckets, 0.5)
    assert p50 is not None
    true = sorted(durations)[math.ceil(0.5 * len(durations)) - 1]
    holding = next(b for b in bounds if true <= b)
    lower = max([0.0, *[b for b in bounds if b < holding]])
    if math.isinf(holding):
        assert p50 == lower  # past the last finite bound the histogram cannot say more
    else:
        assert lower <= p50 <= holding


# --- schedules (recurring profiles), applied on the wall clock


def _scheduled(time_zone: str, *, days: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")):
    from dataclasses import replace

    from ml_inference_lb.spec.model import ScheduleSpec
    from ml_inference_lb.spec.problems import Problems
    from ml_inference_lb.spec.time_zones import resolve

    problems = Problems()
    zone = resolve(problems, "autoscale.schedules[0].time_zone", time_zone)  # as the spec converts it
    assert not problems, problems
    schedule = ScheduleSpec("business-hours", days, (9, 0), (17, 0), zone.windows, zone.iana, 3, 5, 3)
    scaler = _scaler(_rule("RequestsPerMinute", "Increase", 600), _rule("RequestsPerMinute", "Decrease", 60))
    scaler.autoscale = replace(scaler.autoscale, schedules=(schedule,))
    return scaler


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_a_schedule_profile_applies_between_its_start_and_end_on_its_days() -> None:
    from ml_inference_lb.local.schedules import active_profile

    scaler = _scheduled("UTC")
    wednesday = "2026-11-25"  # a Wednesday
    assert active_profile(scaler.autoscale, _at(f"{wednesday}T10:00:00")).name == "business-hours"
    assert active_profile(scaler.autoscale, _at(f"{wednesday}T08:59:00")).name == "default"
    assert active_profile(scaler.autoscale, _at(f"{wednesday}T17:00:00")).name == "default"
    assert active_profile(scaler.autoscale, _at("2026-11-28T10:00:00")).name == "default"  # Saturday
    profile = active_profile(scaler.autoscale, _at(f"{wednesday}T12:00:00"))
    assert (profile.min_instances, profile.max_instances, profile.default_instances) == (3, 5, 3)


@pytest.mark.parametrize(
    ("time_zone", "inside_utc", "outside_utc"),
    [
        ("W. Europe Standard Time", "2026-11-25T08:30:00", "2026-11-25T16:30:00"),  # Windows id: UTC+1 in November
        ("Europe/Berlin", "2026-11-25T08:30:00", "2026-11-25T16:30:00"),  # IANA name
        ("UTC-11", "2026-11-25T20:30:00", "2026-11-26T04:30:00"),  # Windows id of a fixed offset
        ("Pacific Standard Time", "2026-07-01T16:30:00", "2026-07-02T00:30:00"),  # daylight saving: UTC-7
    ],
)
def test_schedule_times_are_read_in_the_schedules_time_zone(time_zone: str, inside_utc: str, outside_utc: str) -> None:
    from ml_inference_lb.local.schedules import active_profile

    scaler = _scheduled(time_zone)
    assert active_profile(scaler.autoscale, _at(inside_utc)).name == "business-hours"
    assert active_profile(scaler.autoscale, _at(outside_utc)).name == "default"


def test_an_unknown_time_zone_is_reported() -> None:
    from ml_inference_lb.local.errors import LocalTargetError
    from ml_inference_lb.local.schedules import zone_of

    with pytest.raises(LocalTargetError, match="Mars/Olympus_Mons"):
        zone_of("Mars/Olympus_Mons")


def test_the_autoscaler_moves_the_count_into_the_active_profiles_bounds() -> None:
    scaler = _scheduled("UTC")
    reader = FakeReader(_load(rpm=300, cpu=10))  # within both rules: no metric action
    scaler.clock = lambda: _at("2026-11-25T10:00:00")
    decision = scaler.decide(0.0, reader, current=1)  # type: ignore[arg-type]
    assert decision is not None and decision.count == 3 and "business-hours" in decision.reason
    scaler.clock = lambda: _at("2026-11-25T18:00:00")
    assert scaler.decide(0.0, reader, current=3) is None  # within the default profile's 1..4: stays
    scaler.clock = lambda: _at("2026-11-25T10:00:00")
    assert scaler.decide(0.0, reader, current=4) is None
    assert scaler.initial_count() == 3
