"""Azure names of managed online deployments: the user's name plus a short hash of the create-only inputs.

Azure's 2025-12-01 definitions mark three inputs of an online deployment create-only (``x-ms-mutability``
``[create, read]``; Azure/azure-rest-api-specs ``specification/machinelearningservices/resource-manager/
Microsoft.MachineLearningServices/stable/2025-12-01/mfe.json``, definitions ``OnlineDeployment.instanceType`` and
``CodeConfiguration.codeId``/``scoringScript``; azure-ai-ml 1.35.2 ``_restclient/arm_ml_service/models/_models.py``:
``visibility=["read", "create"]``). pulumi-azure-native 3.x replaces a resource when one of them changes, also
inside a nested type (pulumi/pulumi-azure-native PR #2970, default since 3.0: issue #3006; pulumi/registry
``content/registry/packages/azure-native/from-v2-to-v3``). A replacement is create-before-delete (Pulumi docs,
"Resource option: deleteBeforeReplace"), and under the *same* Azure name the create fails ("cannot create already
existing resource": pulumi/pulumi-azure-native PR #303, issue #808).

So by default a deployment's Azure name is ``<name>-<6 hex digits>`` over exactly those inputs: a change of
instance type, code asset or scoring script is a replacement under a **new** Azure name, created beside the old
one, given its traffic by the traffic step, and the old one deleted last (docs/blue-green.md). Every other input
(model, environment, variables, probes, request settings, instance count) stays an in-place update, which Azure
rolls out on the same deployment. ``azure_name`` in the args keeps an exact name instead.

Every target reads ``DeploymentSpec.azure_name``; nothing else computes it.
"""

from __future__ import annotations

import hashlib
import json
import re

from .model import ClusterSpec, CodeSpec
from .rules import ENDPOINT_NAME_MAX

CREATE_ONLY_PATHS = (
    "properties.instanceType",
    "properties.codeConfiguration.codeId",
    "properties.codeConfiguration.scoringScript",
)
"""The online deployment inputs Azure accepts only at creation (sources above); the hash covers exactly these."""

SUFFIX_LENGTH = 6
"""Hex digits of the create-only hash: a create-only change keeps its old name by chance once in 16.7 million."""
MAX_VERSIONED_NAME = ENDPOINT_NAME_MAX - 1 - SUFFIX_LENGTH
"""Longest deployment name that leaves room for ``-`` and the hash in Azure's 32 characters (25)."""

_VERSIONED = re.compile(rf"^(?P<name>.+)-[0-9a-f]{{{SUFFIX_LENGTH}}}$")


def code_identity(code: CodeSpec | None) -> str | None:
    """What decides ``codeConfiguration.codeId`` for a fixed workspace.

    An uploaded folder becomes ``<workspace>/codes/<name>/versions/<content hash>`` (``azure/assets.py``), and so
    does ``azureml:<name>:<version>`` in the cluster's workspace: both are ``code:<name>:<version>``, so switching
    between the two forms of the same version is no replacement. Other forms (registry, ARM id) are sent as given.
    """
    if code is None:
        return None
    if code.upload is not None:
        return f"code:{code.name}:{code.upload.content_hash()}"
    if code.asset is not None and code.asset.form == "workspace":
        return f"code:{code.asset.name}:{code.asset.version}"
    return code.asset_id


def create_only_hash(instance_type: str, code: CodeSpec | None) -> str:
    """``SUFFIX_LENGTH`` hex digits of SHA-256 over the create-only inputs, as Azure receives them."""
    inputs = {
        "instanceType": instance_type,
        "codeId": code_identity(code),
        "scoringScript": code.scoring_script if code is not None else None,
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SUFFIX_LENGTH]


def versioned_name(name: str, instance_type: str, code: CodeSpec | None) -> str:
    """``<name>-<create-only hash>``: the default Azure name of a managed online deployment."""
    return f"{name}-{create_only_hash(instance_type, code)}"


def unversioned(azure_name: str) -> str | None:
    """The name a versioned Azure name was made from (``blue`` for ``blue-3f2a9c``), None if it has no such
    suffix. For lookups keyed by the user's name (e.g. ``Measurements.model_load_seconds``)."""
    match = _VERSIONED.match(azure_name)
    return match["name"] if match else None


def fixed_name_warnings(spec: ClusterSpec) -> list[str]:
    """One warning per managed online deployment whose Azure name is fixed by ``azure_name``, with its args path
    and the consequence. ``InferenceCluster`` logs them (``pulumi preview`` shows them); not an error, since a
    fixed name is a legitimate choice (e.g. to keep the names an earlier release gave)."""
    if spec.backend != "managed_online":
        return []
    return [
        f"deployments[{i}].azure_name: {d.azure_name!r} is a fixed Azure name, so a change of instance_type, code "
        "or scoring_script cannot be made in place: pulumi-azure-native would replace the deployment under the "
        "same name and the create fails on the live one (`ml-inference-lb diff` refuses it). Give a new "
        "azure_name in the same change, or remove azure_name to let the name follow those inputs "
        "(docs/blue-green.md)"
        for i, d in enumerate(spec.deployments)
        if d.azure_name != versioned_name(d.name, d.instance_type, d.code)
    ]
