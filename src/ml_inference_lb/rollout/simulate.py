"""Run the second ``pulumi up`` against the live-state model and check the serving invariants at every step.

Invariants (a broken one names the step that broke it):

- ``TRAFFIC``: an endpoint that had live traffic always has live traffic summing to 100.
- ``DRAIN``: no deployment is deleted or replaced while it takes live or mirrored traffic.
- ``CAPACITY``: no step lowers a deployment's live instance count, unless the user lowered it (a lower
  autoscale maximum, or a lower fixed instance count): that is reported as a note, not a violation.
- ``STATEFUL``: the workspace, endpoint and other stateful resources are never replaced.
- ``SECRET``: no value that was a secret before is sent or exported in clear after.
- ``REFUSED``: Azure, the provider or Pulumi refuses a step, so the update stops half way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..plan.engine import SECRET_TEXT, PlanResult, RegisteredResource
from .live import LiveState, Reaction
from .recipes import recipe_for
from .replacements import STATEFUL
from .steps import Step, get_path, plan_steps


@dataclass(frozen=True)
class Violation:
    step: int
    """1-based index of the step in ``RolloutReport.steps`` (0: the plans as a whole)."""
    invariant: str
    message: str
    recipe: str

    def __str__(self) -> str:
        where = f"step {self.step}" if self.step else "plan"
        return f"[{self.invariant}] {where}: {self.message}"


@dataclass(frozen=True)
class StepResult:
    step: Step
    traffic_after: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RolloutReport:
    steps: tuple[StepResult, ...]
    violations: tuple[Violation, ...] = field(default=())

    @property
    def safe(self) -> bool:
        return not self.violations

    def operations(self) -> list[str]:
        """``op Type 'name'`` for every step that calls the provider, in order."""
        return [r.step.label for r in self.steps if r.step.skipped is None]


def simulate(old: PlanResult, new: PlanResult) -> RolloutReport:
    """Derive the steps from ``old`` to ``new``, play them against the live state, check every invariant."""
    live = LiveState(old, desired=new)
    results: list[StepResult] = []
    violations: list[Violation] = list(_secret_violations(old, new))
    outages: set[str] = set()  # endpoints already reported without traffic: one violation per outage
    for index, step in enumerate(plan_steps(old, new), start=1):
        found, notes = _play(index, step, live)
        for violation in found:
            if violation.invariant == "TRAFFIC":
                endpoint = violation.message.split("endpoint '")[1].split("'")[0]
                if endpoint in outages:
                    continue
                outages.add(endpoint)
            violations.append(violation)
        healthy = {s.name for s in live.endpoints.values() if s.live_total == 100}
        for endpoint in outages & healthy:
            outages.discard(endpoint)
            notes.append(f"endpoint '{endpoint}' takes 100 % live traffic again")
        results.append(StepResult(step, live.traffic_text(), tuple(notes)))
        if any(v.invariant == "REFUSED" for v in found):
            break  # Pulumi stops the update at the first failed step
    return RolloutReport(tuple(results), tuple(violations))


def _play(index: int, step: Step, live: LiveState) -> tuple[list[Violation], list[str]]:
    found: list[Violation] = []
    notes: list[str] = []
    resource = step.resource
    if step.refused:
        return [Violation(index, "REFUSED", f"{step.label}: {step.refused}", recipe_for("protect"))], notes
    if step.op in ("create-replacement", "delete-before-replace") and resource.type in STATEFUL:
        found.append(
            Violation(
                index,
                "STATEFUL",
                f"{step.label} replaces {STATEFUL[resource.type]} ({step.reason})",
                recipe_for("stateful"),
            )
        )
    if step.skipped is not None:
        notes.append(f"provider delete skipped: {step.skipped}")
        return found, notes
    body = step.body if step.op in ("create", "update", "create-replacement") else resource.inputs
    reaction = live.apply(step.op, resource, body)
    found.extend(_reaction_violations(index, step, reaction, notes))
    for state in live.endpoints.values():
        if state.had_traffic and state.live_total != 100:
            found.append(
                Violation(
                    index,
                    "TRAFFIC",
                    f"after {step.label}, endpoint '{state.name}' has {state.live_total} % live traffic "
                    f"(it had 100 %): scoring answers 404 until a later step sets traffic again",
                    recipe_for("traffic"),
                )
            )
    return found, notes


def _reaction_violations(index: int, step: Step, reaction: Reaction, notes: list[str]) -> Iterable[Violation]:
    if reaction.deleted_with_traffic is not None:
        name, live, mirrored = reaction.deleted_with_traffic
        yield Violation(
            index,
            "DRAIN",
            f"{step.label} deletes deployment '{name}' while it takes {live} % live and {mirrored} % mirrored traffic",
            recipe_for("drain"),
        )
    if reaction.refused is not None:
        if "instance type" in reaction.refused or "instanceType" in step.reason:
            kind = "instance-type"
        elif "already existing" in reaction.refused:
            kind = "replacement"
        else:
            kind = "refused"
        yield Violation(index, "REFUSED", f"{step.label}: {reaction.refused}", recipe_for(kind))
    if reaction.lowered is not None:
        name, before, after = reaction.lowered
        if reaction.lowered_by_user:
            notes.append(f"'{name}' goes from {before} to {after} instances: the new program asks for at most {after}")
        else:
            yield Violation(
                index,
                "CAPACITY",
                f"{step.label} lowers deployment '{name}' from {before} live instances to {after}",
                recipe_for("capacity"),
            )


def _secret_violations(old: PlanResult, new: PlanResult) -> Iterable[Violation]:
    new_by_urn = {r.urn: r for r in new.resources}
    for before in old.resources:
        after = new_by_urn.get(before.urn)
        if after is None:
            continue
        for path in before.secret_paths:
            if path not in after.secret_paths and _has_path(after, path):
                yield Violation(
                    0,
                    "SECRET",
                    f"{after.type.split(':')[-1]} '{after.name}' input {path} was a secret and is now sent in clear",
                    recipe_for("secret"),
                )
    for key, value in old.outputs.items():
        if value == SECRET_TEXT and key in new.outputs and new.outputs[key] != SECRET_TEXT:
            yield Violation(
                0,
                "SECRET",
                f"stack output {key!r} was a secret and is now exported in clear",
                recipe_for("secret"),
            )


def _has_path(resource: RegisteredResource, path: str) -> bool:
    return get_path(resource.inputs, path)[0]
