"""Existing model, code and environment ids: which forms ARM can resolve, parsed once with their args path.

ARM's online deployment takes an ARM id (``/subscriptions/.../workspaces/<ws>/models/<name>/versions/<v>``) or an
Azure ML registry id (``azureml://registries/<registry>/models/<name>/versions/<v>``). The ``azureml:<name>:<version>``
short form is the CLI's and SDK's: azure-ai-ml turns it into the workspace's ARM id on the client
(``operations/_operation_orchestrator.py``, ``OperationOrchestrator.get_asset_arm_id`` with
``VERSIONED_RESOURCE_ID_FORMAT``), and resolves ``<name>@<label>`` by looking the label up in the workspace first
(``_resolve_name_version_from_name_label``), which an offline spec cannot do. The Azure target builds the ARM id,
because it knows the workspace (``azure/assets.py``). See ``docs/assets.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .problems import Problems

AssetKind = Literal["model", "code", "environment"]
AssetForm = Literal["workspace", "registry", "arm", "curated"]

ARM_TYPE: dict[str, str] = {"model": "models", "code": "codes", "environment": "environments"}
"""The ARM / registry path segment of each kind."""

_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}"
_VERSION = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_SHORT = re.compile(rf"^azureml:(?P<name>{_NAME}):(?P<version>{_VERSION})$")
_SHORT_LABEL = re.compile(rf"^azureml:(?P<name>{_NAME})@(?P<label>[A-Za-z0-9._-]+)$")
_SHORT_NO_VERSION = re.compile(rf"^azureml:(?P<name>{_NAME})$")
_BARE = re.compile(rf"^(?P<name>{_NAME}):(?P<version>{_VERSION})$")
# azure-ai-ml passes "azureml:AzureML-<name>..." (curated environments) unchanged: "Short form of curated env will be
# expanded on the backend side" (_operation_orchestrator.py, get_asset_arm_id; CURATED_ENV_PREFIX = "AzureML-").
_CURATED = re.compile(rf"^azureml:AzureML-{_NAME}(:{_VERSION}|@[A-Za-z0-9._-]+)$")
_REGISTRY = re.compile(
    rf"^azureml://registries/(?P<registry>[^/]+)/(?P<type>[^/]+)/(?P<name>{_NAME})/(?P<by>versions|labels)/(?P<ref>[^/]+)$"
)
_ARM = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/"
    rf"(?P<scope>workspaces|registries)/[^/]+/(?P<type>[^/]+)/(?P<name>{_NAME})/(?P<by>versions|labels)/(?P<ref>[^/]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AssetRef:
    """An existing asset, in a form ARM resolves (or that the Azure target turns into one)."""

    kind: AssetKind
    form: AssetForm
    """``workspace``: ``azureml:<name>:<version>``, made an ARM id of the cluster's workspace by the Azure target;
    ``registry``/``arm``/``curated``: sent as given."""
    text: str
    """What the user wrote."""
    name: str
    version: str | None
    """Set for the ``workspace`` form."""


def parse(problems: Problems, path: str, value: str, kind: AssetKind) -> AssetRef | None:
    """The asset id ``value`` of a ``kind`` field at ``path``; None, with a problem, if ARM could not resolve it."""
    arm_type = ARM_TYPE[kind]
    example = (
        f"azureml:<name>:<version>, azureml://registries/<registry>/{arm_type}/<name>/versions/<version> or an ARM id"
    )
    if kind == "environment" and _CURATED.match(value):
        return AssetRef(kind, "curated", value, value.split(":")[1].split("@")[0], None)
    if match := _SHORT.match(value):
        return AssetRef(kind, "workspace", value, match["name"], match["version"])
    if match := _SHORT_LABEL.match(value):
        problems.add(
            path,
            f"{value!r} names a label; the Azure ML CLI resolves labels with a workspace lookup before it calls ARM, "
            f"and ARM itself takes a version: write 'azureml:{match['name']}:<version>'",
        )
        return None
    if match := _SHORT_NO_VERSION.match(value):
        problems.add(path, f"{value!r} has no version; write 'azureml:{match['name']}:<version>'")
        return None
    if match := _REGISTRY.match(value):
        if _type_problem(problems, path, value, match["type"], arm_type):
            return None
        return AssetRef(kind, "registry", value, match["name"], None)
    if match := _ARM.match(value):
        if _type_problem(problems, path, value, match["type"], arm_type):
            return None
        if match["by"].lower() == "labels":
            problems.add(
                path,
                f"{value!r} names a label, which ARM does not resolve for a deployment; give .../versions/<version>",
            )
            return None
        return AssetRef(kind, "arm", value, match["name"], None)
    if match := _BARE.match(value):
        problems.add(path, f"{value!r} lacks the 'azureml:' prefix of a workspace asset: write 'azureml:{value}'")
        return None
    problems.add(path, f"{value!r} is not an asset id ARM can resolve; give {example}")
    return None


def _type_problem(problems: Problems, path: str, value: str, given: str, wanted: str) -> bool:
    if given.lower() == wanted:
        return False
    problems.add(path, f"{value!r} points at {given}, but this field needs {wanted}")
    return True
