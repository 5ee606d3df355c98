"""``Template``: what a Pulumi program registered, with queries and assertions for pytest.

Built from a program function (:meth:`Template.from_program`), a program folder
(:meth:`Template.from_directory`) or an existing plan (:meth:`Template.from_plan`); all run offline,
under ml_inference_lb's Pulumi mocks. Properties are the wire-format (camelCase) inputs each resource
registered, secrets shown as ``"[secret]"`` and values unknown before deployment as ``"[unknown]"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..contract import Violation, check_plan
from ..deployability import Measurements, Report, Waiver
from ..deployability import check_plan as check_deployability
from ..plan.engine import PlanResult, RegisteredResource, run, run_directory
from ..rollout import RolloutReport, simulate
from .match import as_matcher
from .names import NameRecord, name_snapshot


def type_matches(actual: str, wanted: str) -> bool:
    """``wanted`` is a full type token, or its trailing part (``"OnlineDeployment"``,
    ``"machinelearningservices:OnlineDeployment"``)."""
    return actual == wanted or actual.endswith(":" + wanted)


class Template:
    """The resources and outputs one run of a program registered."""

    def __init__(self, plan: PlanResult) -> None:
        self.plan = plan

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def from_plan(cls, plan: PlanResult) -> Template:
        return cls(plan)

    @classmethod
    def from_program(
        cls,
        program: Callable[[], Any],
        *,
        project: str = "project",
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
    ) -> Template:
        """Run ``program`` (a function declaring resources) under mocks."""
        return cls(run(program, project=project, stack=stack, config=config))

    @classmethod
    def from_directory(cls, directory: str, *, stack: str = "dev", config: Mapping[str, str] | None = None) -> Template:
        """Run the Pulumi program in ``directory`` (its ``__main__.py``, ``Pulumi.<stack>.yaml`` config)."""
        return cls(run_directory(directory, stack=stack, config=config))

    # -- queries ----------------------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, Any]:
        """The stack's exported outputs."""
        return self.plan.outputs

    @property
    def specs(self) -> tuple[Any, ...]:
        """The validated ``ClusterSpec`` of every ``InferenceCluster`` the program built."""
        return self.plan.specs

    def resources(
        self, type: str | None = None, name: str | None = None, props: Any = None
    ) -> list[RegisteredResource]:
        """Registered resources, filtered by type (full token or its tail), logical name and properties."""
        found = [r for r in self.plan.resources if type is None or type_matches(r.type, type)]
        if name is not None:
            found = [r for r in found if r.name == name]
        if props is not None:
            matcher = as_matcher(props)
            found = [r for r in found if matcher.matches(r.inputs)]
        return found

    def resource(self, type: str, name: str) -> RegisteredResource:
        """The one resource of this type and logical name (``AssertionError`` naming the candidates if none)."""
        found = self.resources(type, name)
        if len(found) != 1:
            names = sorted(r.name for r in self.resources(type))
            raise AssertionError(f"expected one {type} named {name!r}, found {len(found)}; {type} names: {names}")
        return found[0]

    def names(self) -> list[NameRecord]:
        """Type, logical name, URN and Azure name of every resource (see ``names.name_snapshot``)."""
        return name_snapshot(self.plan)

    # -- assertions -------------------------------------------------------------------------------
    def has_resource(self, type: str, props: Any = None, *, name: str | None = None) -> RegisteredResource:
        """Assert a resource of ``type`` exists whose properties match ``props``; returns it.

        On failure the message shows, for the closest candidate, every path that differs.
        """
        candidates = self.resources(type, name)
        if not candidates:
            present = sorted({r.type for r in self.plan.resources})
            raise AssertionError(f"no resource of type {type!r}{_named(name)}; registered types: {present}")
        if props is None:
            return candidates[0]
        matcher = as_matcher(props)
        scored = sorted(((matcher.mismatches(r.inputs, ""), r) for r in candidates), key=lambda x: len(x[0]))
        best_problems, best = scored[0]
        if not best_problems:
            return best
        detail = "\n  ".join(best_problems)
        raise AssertionError(
            f"no {type}{_named(name)} matches among {len(candidates)}; closest is {best.name!r}:\n  {detail}"
        )

    def resource_count_is(self, type: str, count: int, props: Any = None) -> None:
        """Assert exactly ``count`` resources of ``type`` (matching ``props``, if given) were registered."""
        found = self.resources(type, props=props)
        if len(found) != count:
            names = sorted(r.name for r in found)
            raise AssertionError(f"expected {count} {type} resource(s), found {len(found)}: {names}")

    def has_output(self, key: str, value: Any = None) -> Any:
        """Assert the stack exports ``key`` (matching ``value``, if given); returns the value."""
        if key not in self.outputs:
            raise AssertionError(f"no stack output {key!r}; outputs: {sorted(self.outputs)}")
        if value is not None:
            problems = as_matcher(value).mismatches(self.outputs[key], key)
            if problems:
                raise AssertionError("stack output differs:\n  " + "\n  ".join(problems))
        return self.outputs[key]

    def check_contract(self, *, allow_warnings: bool = True) -> list[Violation]:
        """Assert every Azure request body matches Azure's definitions (``ml_inference_lb.contract``).

        Raises ``AssertionError`` listing every error (and every warning unless ``allow_warnings``);
        returns the warnings otherwise.
        """
        violations = check_plan(self.plan)
        failing = [v for v in violations if v.severity == "error" or not allow_warnings]
        if failing:
            raise AssertionError(
                f"{len(failing)} request bodies disagree with Azure's definitions:\n  "
                + "\n  ".join(str(v) for v in failing)
            )
        return violations

    def findings(self, measurements: Measurements | None = None, *, waivers: tuple[Waiver, ...] = ()) -> Report:
        """The deployability rules' findings (``ml_inference_lb.deployability``), waived ones marked."""
        return check_deployability(self.plan, measurements, waivers=waivers)

    def check_rules(
        self,
        measurements: Measurements | None = None,
        *,
        allow_warnings: bool = True,
        waivers: tuple[Waiver, ...] = (),
    ) -> Report:
        """Assert no deployability rule fails (waived findings never fail); returns the full report.

        Raises ``AssertionError`` listing every unwaived error (and warning, unless ``allow_warnings``).
        """
        report = self.findings(measurements, waivers=waivers)
        failing = [f for f in report.findings if f.blocking or (not allow_warnings and f.waived is None)]
        if failing:
            raise AssertionError(
                f"{len(failing)} deployability finding(s):\n  "
                + "\n  ".join(f"{f}\n      fix: {f.fix}" for f in failing)
            )
        return report

    def rollout_from(self, old: Template) -> RolloutReport:
        """What the next ``pulumi up`` of this program does to a stack deployed from ``old`` (``ml_inference_lb.rollout``)."""
        return simulate(old.plan, self.plan)

    def assert_safe_rollout_from(self, old: Template) -> RolloutReport:
        """Assert the update from ``old`` keeps every serving invariant; the message names each broken step."""
        report = self.rollout_from(old)
        if not report.safe:
            raise AssertionError(
                "the next `pulumi up` breaks serving:\n  "
                + "\n  ".join(f"{v}\n      safe recipe: {v.recipe}" for v in report.violations)
            )
        return report


def _named(name: str | None) -> str:
    return f" named {name!r}" if name is not None else ""
