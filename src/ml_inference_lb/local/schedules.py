"""Which autoscale profile is active now: the default one, or a schedule's recurring profile.

The Azure target writes each schedule as two Azure Monitor recurring profiles (see
:mod:`ml_inference_lb.azure.autoscale`): the schedule's bounds from ``start`` on its ``days``, and the
default bounds again from ``end`` on the same days. "Autoscale transitions between profiles based on
their start times. The end time for a given profile is determined by the start time of the following
profile" (MicrosoftDocs/azure-docs, ``articles/azure-monitor/autoscale/autoscale-multiprofile.md``), so
the active profile is the one whose start came last in the weekly cycle, read on the wall clock in the
schedule's time zone; when it starts, a count outside its bounds moves to the nearest bound (same
page: "If the instance count is less than 3, autoscale scales to the new minimum of three"). Local
autoscale applies the same rules.

Time zones: the spec keeps each schedule's zone twice, the Windows id Azure Monitor takes
(``time_zone``) and the same clock as an IANA name (``iana_time_zone``, converted with the CLDR table
``tzlocal`` ships when the spec is built); the local target reads the IANA one, so daylight saving
time follows the zone's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..spec.model import AutoscaleSpec
from ..spec.rules import WEEKDAYS
from .errors import LocalTargetError

DEFAULT = "default"


@dataclass(frozen=True)
class Profile:
    """The bounds an autoscale profile sets."""

    name: str
    min_instances: int
    max_instances: int
    default_instances: int


@lru_cache(maxsize=64)
def zone_of(iana_name: str) -> ZoneInfo:
    """The zone of an IANA name (the spec's ``iana_time_zone``)."""
    try:
        return ZoneInfo(iana_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise LocalTargetError(
            f"autoscale schedule time zone {iana_name!r} is not in this machine's time zone database "
            "(install the tzdata package)"
        ) from error


def active_profile(autoscale: AutoscaleSpec, now: datetime) -> Profile:
    """The profile in force at ``now`` (an aware datetime): the recurring profile that started last."""
    default = Profile(DEFAULT, autoscale.min_instances, autoscale.max_instances, autoscale.default_instances)
    latest: tuple[timedelta, Profile] | None = None
    for schedule in autoscale.schedules:
        local = now.astimezone(zone_of(schedule.iana_time_zone))
        profile = Profile(schedule.name, schedule.min_instances, schedule.max_instances, schedule.default_instances)
        for day in schedule.days:
            for (hour, minute), starts in ((schedule.start, profile), (schedule.end, default)):
                since = _since_last(local, WEEKDAYS.index(day), hour, minute)
                if latest is None or since < latest[0]:
                    latest = (since, starts)
    return latest[1] if latest is not None else default


def _since_last(local: datetime, weekday: int, hour: int, minute: int) -> timedelta:
    """How long ago the weekly moment (weekday, hour:minute) last came, in ``local``'s own clock."""
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0) - timedelta(
        days=(local.weekday() - weekday) % 7
    )
    if moment > local:
        moment -= timedelta(days=7)
    return local.replace(tzinfo=None) - moment.replace(tzinfo=None)
