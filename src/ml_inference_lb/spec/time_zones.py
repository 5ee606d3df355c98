"""Time zones of autoscale schedules: Azure Monitor's Windows ids, IANA names converted to them.

Azure Monitor's ``recurrence.schedule.timeZone`` takes a Windows time zone id ("W. Europe Standard Time"), and it
does not reject one it does not know: "when an invalid timezone string is supplied, rather than throw an error, the
service simply nullifies the object with the invalid value" (Azure/azure-rest-api-specs#2530). So every value is
checked here, against the zones Azure documents, and an IANA name is converted with CLDR's Windows mapping as
``tzlocal`` ships it. The spec keeps both: the Windows id for Azure, the IANA name for the local target's clock.
Sources and choices: ``docs/autoscale.md``, "Time zones".
"""

from __future__ import annotations

import datetime
import difflib
import zoneinfo
from dataclasses import dataclass

from tzlocal.windows_tz import tz_win, win_tz

from .problems import Problems

DEFAULT = "UTC"

# The "examples of valid time zones" of RecurrentSchedule.timeZone in Azure's REST API definition
# (specification/monitor/resource-manager/Microsoft.Insights/stable/2022-10-01/autoscale_API.json; the same text in
# the 2021-05-01-preview definition that pulumi-azure-native's monitor.AutoscaleSetting uses).
REST_API_TIME_ZONES = (
    "Dateline Standard Time", "UTC-11", "Hawaiian Standard Time", "Alaskan Standard Time",
    "Pacific Standard Time (Mexico)", "Pacific Standard Time", "US Mountain Standard Time",
    "Mountain Standard Time (Mexico)", "Mountain Standard Time", "Central America Standard Time",
    "Central Standard Time", "Central Standard Time (Mexico)", "Canada Central Standard Time",
    "SA Pacific Standard Time", "Eastern Standard Time", "US Eastern Standard Time", "Venezuela Standard Time",
    "Paraguay Standard Time", "Atlantic Standard Time", "Central Brazilian Standard Time", "SA Western Standard Time",
    "Pacific SA Standard Time", "Newfoundland Standard Time", "E. South America Standard Time",
    "Argentina Standard Time", "SA Eastern Standard Time", "Greenland Standard Time", "Montevideo Standard Time",
    "Bahia Standard Time", "UTC-02", "Mid-Atlantic Standard Time", "Azores Standard Time", "Cape Verde Standard Time",
    "Morocco Standard Time", "UTC", "GMT Standard Time", "Greenwich Standard Time", "W. Europe Standard Time",
    "Central Europe Standard Time", "Romance Standard Time", "Central European Standard Time",
    "W. Central Africa Standard Time", "Namibia Standard Time", "Jordan Standard Time", "GTB Standard Time",
    "Middle East Standard Time", "Egypt Standard Time", "Syria Standard Time", "E. Europe Standard Time",
    "South Africa Standard Time", "FLE Standard Time", "Turkey Standard Time", "Israel Standard Time",
    "Kaliningrad Standard Time", "Libya Standard Time", "Arabic Standard Time", "Arab Standard Time",
    "Belarus Standard Time", "Russian Standard Time", "E. Africa Standard Time", "Iran Standard Time",
    "Arabian Standard Time", "Azerbaijan Standard Time", "Russia Time Zone 3", "Mauritius Standard Time",
    "Georgian Standard Time", "Caucasus Standard Time", "Afghanistan Standard Time", "West Asia Standard Time",
    "Ekaterinburg Standard Time", "Pakistan Standard Time", "India Standard Time", "Sri Lanka Standard Time",
    "Nepal Standard Time", "Central Asia Standard Time", "Bangladesh Standard Time", "N. Central Asia Standard Time",
    "Myanmar Standard Time", "SE Asia Standard Time", "North Asia Standard Time", "China Standard Time",
    "North Asia East Standard Time", "Singapore Standard Time", "W. Australia Standard Time", "Taipei Standard Time",
    "Ulaanbaatar Standard Time", "Tokyo Standard Time", "Korea Standard Time", "Yakutsk Standard Time",
    "Cen. Australia Standard Time", "AUS Central Standard Time", "E. Australia Standard Time",
    "AUS Eastern Standard Time", "West Pacific Standard Time", "Tasmania Standard Time", "Magadan Standard Time",
    "Vladivostok Standard Time", "Russia Time Zone 10", "Central Pacific Standard Time", "Russia Time Zone 11",
    "New Zealand Standard Time", "UTC+12", "Fiji Standard Time", "Kamchatka Standard Time", "Tonga Standard Time",
    "Samoa Standard Time", "Line Islands Standard Time",
)  # fmt: skip

# The Windows ids among the zones that Microsoft's Azure CLI validates autoscale profiles against and that the REST
# text above leaves out (Azure/azure-cli, src/azure-cli/azure/cli/command_modules/monitor/_autoscale_util.py,
# AUTOSCALE_TIMEZONES, "Workaround for REST API issue" #2530; `az monitor autoscale profile list-timezones`). That
# list's other names ("Coordinated Universal Time", "Jerusalem Standard Time", "Russia TZ 1 Standard Time", ...) are
# Windows display names, not ids, and CLDR maps none of them: they are left out.
AZURE_CLI_TIME_ZONES = (
    "Aleutian Standard Time", "Marquesas Standard Time", "UTC-09", "UTC-08", "Easter Island Standard Time",
    "Eastern Standard Time (Mexico)", "Haiti Standard Time", "Cuba Standard Time", "Tocantins Standard Time",
    "Magallanes Standard Time", "Saint Pierre Standard Time", "Sudan Standard Time", "Astrakhan Standard Time",
    "Saratov Standard Time", "Omsk Standard Time", "Altai Standard Time", "W. Mongolia Standard Time",
    "Tomsk Standard Time", "North Korea Standard Time", "Aus Central W. Standard Time", "Transbaikal Standard Time",
    "Lord Howe Standard Time", "Bougainville Standard Time", "Norfolk Standard Time", "Sakhalin Standard Time",
    "Chatham Islands Standard Time", "UTC+13",
)  # fmt: skip

DOCUMENTED = frozenset(REST_API_TIME_ZONES) | frozenset(AZURE_CLI_TIME_ZONES)
"""Every Windows id Azure documents for autoscale schedules."""
SUPPORTED = frozenset(z for z in DOCUMENTED if z in win_tz)
"""The documented ids that CLDR maps to an IANA zone (all but the retired "Mid-Atlantic Standard Time" and
"Kamchatka Standard Time"), so the local target can follow the same clock."""
_BY_LOWER = {z.lower(): z for z in SUPPORTED}
_IANA_TO_WINDOWS = {iana: windows for iana, windows in tz_win.items() if iana}  # tzlocal 5.x has a "" key too


@dataclass(frozen=True)
class ScheduleZone:
    windows: str
    """The Windows id Azure Monitor receives."""
    iana: str
    """An IANA name with the same rules, for clocks outside Azure (the local target)."""


def resolve(problems: Problems, path: str, value: object) -> ScheduleZone:
    """``value`` (a Windows id Azure documents, or an IANA name) as both ids; a problem at ``path`` otherwise."""
    if value is None:
        return ScheduleZone(DEFAULT, win_tz[DEFAULT])
    if not isinstance(value, str):
        problems.add(path, f"must be a string, got {type(value).__name__}")
        return ScheduleZone(DEFAULT, win_tz[DEFAULT])
    windows = _BY_LOWER.get(value.strip().lower())
    if windows is not None:
        return ScheduleZone(windows, win_tz[windows])
    if value in _IANA_TO_WINDOWS:
        windows = _IANA_TO_WINDOWS[value]
        if windows in SUPPORTED:
            return ScheduleZone(windows, value)
        problems.add(
            path,
            f"{value!r} is the Windows zone {windows!r} (CLDR), which Azure Monitor does not document for autoscale "
            f"schedules (it ignores a zone it does not know){_same_rules_hint(value)}",
        )
        return ScheduleZone(DEFAULT, win_tz[DEFAULT])
    problems.add(path, _unknown(value))
    return ScheduleZone(DEFAULT, win_tz[DEFAULT])


def _unknown(value: str) -> str:
    if value in DOCUMENTED:  # documented but retired: CLDR has no IANA zone for it
        return (
            f"{value!r} is a retired Windows zone with no IANA equivalent in CLDR; give the IANA name of the "
            "place (e.g. 'Europe/Berlin') and the library picks the Windows id Azure documents for it"
        )
    candidates = sorted(SUPPORTED) + sorted(_IANA_TO_WINDOWS)
    close = difflib.get_close_matches(value, candidates, n=3, cutoff=0.75)
    close += [c for c in candidates if c.lower() == value.lower() and c not in close]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return (
        f"{value!r} is not a time zone Azure Monitor documents: give an IANA name (e.g. 'Europe/Berlin') or a "
        f"Windows id such as 'W. Europe Standard Time' or 'UTC' (the list: docs/autoscale.md).{hint}"
    )


def _same_rules_hint(iana: str) -> str:
    """Documented zones whose clock matched ``iana``'s on every day of last year (a hint only)."""
    try:
        zone = zoneinfo.ZoneInfo(iana)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    year = datetime.date.today().year - 1
    instants = [
        datetime.datetime(year, 1, 1, 12, tzinfo=datetime.timezone.utc) + datetime.timedelta(days=d)
        for d in range(0, 365)
    ]
    wanted = [i.astimezone(zone).utcoffset() for i in instants]
    same = []
    for windows in sorted(SUPPORTED):
        try:
            other = zoneinfo.ZoneInfo(win_tz[windows])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        if [i.astimezone(other).utcoffset() for i in instants] == wanted:
            same.append(windows)
    if not same:
        return "; no documented zone kept the same clock last year"
    return f"; documented zones with the same clock last year: {', '.join(repr(z) for z in same[:3])}"
