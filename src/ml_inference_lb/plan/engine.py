"""The offline engine: run a Pulumi program under Pulumi's own mocks and record what it registers.

No cloud and no Pulumi CLI: the program's ``__main__.py`` runs in this process the way the Python
language host runs it for ``pulumi up``, against a mock resource monitor that records every
registration (type, name, parent, inputs, options) and the stack's outputs.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import register_stack_transformation, run_in_stack
from pulumi.runtime.sync_await import _sync_await

from .. import registry
from .mocks import AzureMocks

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_TEXT = "[secret]"


@dataclass(frozen=True)
class RegisteredResource:
    """One resource the program registered, as the engine would see it."""

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    """Wire-format inputs (camelCase), secrets replaced by ``"[secret]"``."""
    dependencies: tuple[str, ...] = ()
    """URNs this resource waits for: explicit ``depends_on`` and every resource its inputs come from
    (Pulumi's ``dependencies``, which already holds the property dependencies below)."""
    deleted_with: str | None = None
    ignore_changes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    secret_paths: tuple[str, ...] = field(default=())
    property_dependencies: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per input (wire name): the URNs its value comes from."""
    protect: bool = False
    replace_on_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    provider: str | None = None
    """Explicit provider reference (``urn::id``), None for the default provider."""

    @property
    def parent_name(self) -> str | None:
        return self.parent.split("::")[-1] if self.parent else None


@dataclass(frozen=True)
class PlanResult:
    project: str
    stack: str
    resources: tuple[RegisteredResource, ...]
    outputs: dict[str, Any]
    specs: tuple[Any, ...]
    """The validated spec of every ``InferenceCluster`` the program built, in order."""
    services: tuple[Any, ...] = ()
    """The validated spec of every ``GlobalInferenceService`` (its regions' clusters are in ``specs`` too)."""
    waivers: tuple[Any, ...] = ()
    """Every ``ml_inference_lb.deployability.Waiver`` the program declared with ``waive()``."""

    def by_urn(self, urn: str) -> RegisteredResource:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)


def mask(value: Any, path: str = "", secret_paths: list[str] | None = None) -> Any:
    """Turn a decoded Pulumi property value into plain JSON, secrets replaced by ``"[secret]"``."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            if secret_paths is not None:
                secret_paths.append(path)
            return SECRET_TEXT
        if sig == OUTPUT_SIG:
            if value.get("secret"):
                if secret_paths is not None:
                    secret_paths.append(path)
                return SECRET_TEXT
            return mask(value.get("value", UNKNOWN), path, secret_paths)
        if sig == RESOURCE_SIG:
            return {"$resource": value.get("urn")}
        if sig == ASSET_SIG:
            return {"$asset": value.get("path") or value.get("uri") or "(text)"}
        if sig == ARCHIVE_SIG:
            return {"$archive": value.get("path") or value.get("uri") or "(assets)"}
        return {k: mask(v, f"{path}.{k}" if path else k, secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, f"{path}[{i}]", secret_paths) for i, v in enumerate(value)]
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Pulumi's mock monitor, keeping what each registration asked for."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[RegisteredResource] = []
        self.outputs_by_urn: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            secret_paths: list[str] = []
            raw = json_format.MessageToDict(request.object)
            self.registered.append(
                RegisteredResource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent or None,
                    custom=bool(request.custom),
                    inputs=mask(raw, "", secret_paths),
                    dependencies=tuple(request.dependencies),
                    deleted_with=request.deletedWith or None,
                    ignore_changes=tuple(request.ignoreChanges),
                    aliases=tuple(_alias_text(a) for a in request.aliases),
                    secret_paths=tuple(secret_paths),
                    property_dependencies=tuple(
                        (key, tuple(deps.urns)) for key, deps in sorted(request.propertyDependencies.items())
                    ),
                    protect=bool(request.protect),
                    replace_on_changes=tuple(request.replaceOnChanges),
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    retain_on_delete=bool(request.retainOnDelete),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    provider=request.provider or None,
                )
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.outputs_by_urn[request.urn] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


def _alias_text(alias: Any) -> str:
    """An alias as ``urn`` or ``type::name`` (either part may be inherited from the resource)."""
    if alias.urn:
        return str(alias.urn)
    return f"{alias.spec.type or '*'}::{alias.spec.name or '*'}"


def _record_creation(created: list[pulumi.Resource]) -> pulumi.ResourceTransformation:
    """A stack transformation that only notes each resource, in the order its constructor runs."""

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        created.append(args.resource)

    return record


def in_creation_order(
    registered: list[RegisteredResource], created: list[pulumi.Resource]
) -> tuple[RegisteredResource, ...]:
    """The registrations in the order the program created the resources.

    Pulumi sends a registration once the resource's inputs resolve, so the monitor sees them in an
    order that changes from run to run. Constructors run in program order: that is the plan's order.
    A resource no transformation saw (none is known) would follow, sorted by URN.
    """
    position: dict[str, int] = {}
    for index, resource in enumerate(created):
        urn = _sync_await(resource.urn.future())
        if isinstance(urn, str):
            position.setdefault(urn, index)
    return tuple(sorted(registered, key=lambda r: (position.get(r.urn, len(created)), r.urn)))


def read_project_name(directory: str) -> str:
    for file_name in ("Pulumi.yaml", "Pulumi.yml"):
        path = os.path.join(directory, file_name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
            return str(data.get("name", os.path.basename(os.path.abspath(directory))))
    return os.path.basename(os.path.abspath(directory))


def read_stack_config(directory: str, project: str, stack: str) -> dict[str, str]:
    """Plain values of ``Pulumi.<stack>.yaml`` (secure values cannot be decrypted offline and are skipped)."""
    path = os.path.join(directory, f"Pulumi.{stack}.yaml")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    values: dict[str, str] = {}
    for key, value in (data.get("config") or {}).items():
        if isinstance(value, dict):
            continue
        full = key if ":" in key else f"{project}:{key}"
        values[full] = value if isinstance(value, str) else yaml.safe_dump(value).strip()
    return values


@contextlib.contextmanager
def _program_context(directory: str) -> Iterator[None]:
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    old_modules = set(sys.modules)
    os.chdir(directory)
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        # Modules the program brought from its own folder must not leak into the next run.
        for module_name in set(sys.modules) - old_modules:
            module = sys.modules.get(module_name)
            module_file = getattr(module, "__file__", None) or ""
            if module_file.startswith(os.path.abspath(directory)):
                del sys.modules[module_name]


def run(
    program: Callable[[], Any],
    *,
    project: str = "project",
    stack: str = "dev",
    config: Mapping[str, str] | None = None,
    mocks: pulumi.runtime.Mocks | None = None,
) -> PlanResult:
    """Run ``program`` (a function that declares resources) under mocks and return what it registered."""
    monitor = RecordingMonitor(mocks or AzureMocks())
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi_settings.ROOT.set(None)  # run_in_stack makes the stack whose outputs we read
    full_config = {(k if ":" in k else f"{project}:{k}"): v for k, v in (config or {}).items()}
    pulumi.runtime.set_all_config(full_config)
    specs, services = registry.start()
    waivers = registry.start_waivers()
    created: list[pulumi.Resource] = []

    def recorded_program() -> Any:
        register_stack_transformation(_record_creation(created))
        return program()

    _sync_await(run_in_stack(recorded_program))
    stack_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    outputs = mask(monitor.outputs_by_urn.get(stack_urn, {}))
    return PlanResult(
        project=project,
        stack=stack,
        resources=in_creation_order(monitor.registered, created),
        outputs=outputs,
        specs=tuple(specs),
        services=tuple(services),
        waivers=tuple(waivers),
    )


def run_directory(directory: str, *, stack: str = "dev", config: Mapping[str, str] | None = None) -> PlanResult:
    """Run the Pulumi program in ``directory`` (its ``__main__.py``) as ``pulumi up`` would, offline."""
    directory = os.path.abspath(directory)
    if os.path.isfile(directory):
        raise NotADirectoryError(
            f"{directory} is a file: a Pulumi program is a folder (Pulumi.yaml and __main__.py); "
            f"give its folder: {os.path.dirname(directory)}"
        )
    if not os.path.exists(directory):
        raise FileNotFoundError(f"{directory} does not exist: give the folder of a Pulumi Python program")
    main = os.path.join(directory, "__main__.py")
    if not os.path.isfile(main):
        raise FileNotFoundError(f"{directory} has no __main__.py: give the folder of a Pulumi Python program")
    project = read_project_name(directory)
    merged = {**read_stack_config(directory, project, stack), **(config or {})}
    with _program_context(directory):
        return run(lambda: runpy.run_path(main, run_name="__main__"), project=project, stack=stack, config=merged)
