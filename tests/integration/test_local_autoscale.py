"""Local autoscale: the spec's RequestsPerMinute rule scales a deployment out under load and back in
when idle, with its windows and cool-downs shortened by ``time_scale``."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from local_helpers import Answer, Client, echo_cluster, echo_deployment, run_load, wait_until

from ml_inference_lb.local import serve

pytestmark = pytest.mark.integration

TIME_SCALE = 0.01  # a 5-minute window lasts 3 s


def test_requests_per_minute_scale_out_then_in() -> None:
    autoscale = {
        "min_instances": 1,
        "max_instances": 2,
        "rules": [
            {
                "metric": "RequestsPerMinute",
                "scale_out_above": 600,  # 10 requests/s
                "scale_in_below": 60,
                "window_minutes": 5,
                "scale_out_cooldown_minutes": 5,
                "scale_in_cooldown_minutes": 5,
            }
        ],
    }
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, autoscale=autoscale), name="scale")
    events: list[str] = []
    with serve(spec, time_scale=TIME_SCALE, on_event=events.append) as local:
        assert local.status()["blue"].desired == 1
        client = Client(local.scoring_uri, local.key)
        started = time.monotonic()
        results = run_load(lambda: client.score(), threads=4, seconds=8.0, max_requests=4000)
        assert all(isinstance(r, Answer) and r.status == 200 for r in results)
        rate = len(results) / (time.monotonic() - started) * 60
        assert rate > 1200, f"the load generator managed only {rate:.0f} requests/min"
        wait_until(lambda: local.status()["blue"].ready == 2, 20, "a scale-out to 2 ready replicas")
        assert any("autoscale 1 -> 2 (RequestsPerMinute" in e for e in events), events
        # Idle: below 60 requests/min over the (scaled) window, after the cool-down.
        wait_until(lambda: local.status()["blue"].desired == 1, 20, "a scale-in back to 1")
        assert any("autoscale 2 -> 1" in e for e in events), events
        wait_until(lambda: len(local.replica_ports("blue", ready_only=False)) == 1, 10, "the extra replica to stop")
        local.wait_routed()
        assert client.score().status == 200


def test_a_schedule_in_force_sets_the_replica_bounds() -> None:
    now = datetime.now(timezone.utc)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    if start.date() != now.date() or end.date() != now.date():
        start, end = now.replace(hour=0, minute=0), now.replace(hour=23, minute=59)
    schedule = {
        "name": "busy-now",
        "days": [now.strftime("%A")],
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "time_zone": "UTC",
        "min_instances": 2,
        "max_instances": 3,
    }
    autoscale = {
        "min_instances": 1,
        "max_instances": 3,
        "rules": [{"metric": "RequestsPerMinute", "scale_out_above": 1e6, "scale_in_below": 0}],
        "schedules": [schedule],
    }
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, autoscale=autoscale), name="schedule")
    with serve(spec) as local:
        assert local.status()["blue"].desired == 2  # the schedule's minimum, not the default profile's 1
        assert local.status()["blue"].ready == 2
