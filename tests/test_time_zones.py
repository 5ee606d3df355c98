"""Autoscale schedule time zones: Azure Monitor gets a Windows id it documents, never an unknown string."""

from __future__ import annotations

import zoneinfo
from typing import Any

import pytest
from conftest import cluster_args, plan_cluster
from hypothesis import given, settings
from hypothesis import strategies as st
from tzlocal.windows_tz import tz_win

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.spec.time_zones import DOCUMENTED, REST_API_TIME_ZONES, SUPPORTED

PATH = "pool.autoscale.schedules[0].time_zone"


def _args(time_zone: Any) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "name": "business-hours",
        "days": ["Monday"],
        "start": "08:00",
        "end": "18:00",
        "min_instances": 2,
        "max_instances": 4,
    }
    if time_zone is not None:
        schedule["time_zone"] = time_zone
    return cluster_args(pool={"autoscale": {"max_instances": 5, "schedules": [schedule]}})


def _zone(time_zone: Any) -> tuple[str, str]:
    schedule = build_spec("demo", _args(time_zone)).deployments[0].autoscale.schedules[0]  # type: ignore[union-attr]
    return schedule.time_zone, schedule.iana_time_zone


def _problem(time_zone: Any) -> str:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("demo", _args(time_zone))
    problems = {p.path: p.message for p in caught.value.problems}
    assert set(problems) == {PATH}, problems
    return problems[PATH]


def test_an_iana_name_reaches_azure_as_its_windows_id() -> None:
    result = plan_cluster(_args("Europe/Berlin"))
    (setting,) = [r for r in result.resources if r.type == "azure-native:monitor:AutoscaleSetting"]
    zones = {p["recurrence"]["schedule"]["timeZone"] for p in setting.inputs["profiles"] if "recurrence" in p}
    assert zones == {"W. Europe Standard Time"}


def test_the_spec_keeps_the_iana_name_for_the_local_target() -> None:
    assert _zone("Europe/Berlin") == ("W. Europe Standard Time", "Europe/Berlin")
    assert _zone("America/New_York") == ("Eastern Standard Time", "America/New_York")


def test_windows_ids_are_canonicalised_and_get_an_iana_twin() -> None:
    assert _zone("w. europe standard time") == ("W. Europe Standard Time", "Europe/Berlin")
    assert _zone(None) == ("UTC", "Etc/UTC")
    assert _zone("Tokyo Standard Time") == ("Tokyo Standard Time", "Asia/Tokyo")


def test_an_unknown_zone_is_rejected_with_a_hint() -> None:
    message = _problem("Europe/Berln")
    assert "not a time zone Azure Monitor documents" in message and "'Europe/Berlin'" in message
    assert "Did you mean" in _problem("europe/berlin")
    assert "docs/autoscale.md" in _problem("CET+1")


def test_a_zone_whose_windows_id_azure_does_not_document_names_documented_twins() -> None:
    windows = tz_win["America/Vancouver"]
    if windows in DOCUMENTED:
        pytest.skip(f"this tzlocal maps America/Vancouver to the documented {windows!r}")
    message = _problem("America/Vancouver")
    assert repr(windows) in message and "'Pacific Standard Time'" in message


def test_retired_windows_ids_are_rejected_with_what_to_write() -> None:
    assert "retired" in _problem("Mid-Atlantic Standard Time")


def test_non_strings_are_rejected() -> None:
    assert "must be a string" in _problem(1)


def test_every_rest_api_zone_but_the_retired_ones_is_supported() -> None:
    assert set(REST_API_TIME_ZONES) - SUPPORTED == {"Mid-Atlantic Standard Time", "Kamchatka Standard Time"}


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from(sorted(tz_win)), st.sampled_from(sorted(DOCUMENTED)), st.text(max_size=30)))
def test_azure_only_ever_gets_a_documented_windows_id_with_a_loadable_iana_twin(value: str) -> None:
    try:
        windows, iana = _zone(value)
    except InferenceClusterArgsError as error:
        assert [p.path for p in error.problems] == [PATH]
        return
    assert windows in DOCUMENTED
    zoneinfo.ZoneInfo(iana)
