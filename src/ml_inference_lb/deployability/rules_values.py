"""Rules about values Azure accepts in the body but cannot use: ids, URIs, time zones, names, secrets, logs."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ..plan.engine import SECRET_TEXT, RegisteredResource
from ..plan.mocks import ARM_PATHS
from .graph import AUTOSCALE, DEPLOYMENT, ENDPOINT, ENVIRONMENT_VERSION, ML, PlanGraph, deployment_properties
from .model import Hit, Measurements, Rule

# Examples of Windows time zone ids Azure documents for autoscale recurrences (azure-mgmt-monitor 6.0.2,
# v2021_05_01_preview RecurrentSchedule.time_zone). "Some examples", not a closed list, so the rule only
# refuses what cannot be a Windows id: an IANA name, which always has a "/".
DOCUMENTED_TIME_ZONES = ("UTC", "W. Europe Standard Time", "GMT Standard Time", "Eastern Standard Time")

# Resource types whose Azure names are global DNS names (storage, key vault, registry) or unique per region
# (online endpoints: https://<endpoint>.<region>.inference.ml.azure.com), beside uniqueness of the ARM id.
GLOBAL_NAME_INPUTS = {
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:containerregistry:Registry": "registryName",
    "azure-native:trafficmanager:Profile": "profileName",
}

SECRET_NAME = re.compile(r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CONNECTION_?STRING|CREDENTIAL|SAS)", re.I)
# Azure ML secret injection resolves references at deployment time: these values are not secrets themselves
# (MicrosoftDocs/azure-ai-docs articles/machine-learning/concept-secret-injection.md).
SECRET_REFERENCE = re.compile(r"^\$\{\{\s*(azureml://|keyvault)", re.I)
RESPONSE_LOGGING = "APP_INSIGHTS_LOG_RESPONSE_ENABLED"


def build_context_without_trailing_slash(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for environment in graph.of_type(ENVIRONMENT_VERSION):
        build = (environment.inputs.get("properties") or {}).get("build")
        uri = build.get("contextUri") if isinstance(build, Mapping) else None
        if isinstance(uri, str) and uri and not uri.endswith("/"):
            yield Hit(
                environment.name,
                environment.type,
                f"has build.contextUri {uri!r} without a trailing '/': the environment service cannot read the "
                "build context (azure-ai-ml appends the '/' client-side; ARM does not)",
            )


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def short_asset_id(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for resource in graph.resources:
        if not resource.type.startswith(ML):
            continue
        for path, text in _strings(resource.inputs, ""):
            if text.lower().startswith("azureml:") and not text.lower().startswith("azureml://"):
                yield Hit(
                    resource.name,
                    resource.type,
                    f"sends {path} = {text!r}: ARM wants an ARM id or an azureml://registries/... id (the CLI "
                    "converts 'azureml:name:version' client-side; ARM does not)",
                )


def time_zone_not_windows(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for setting in graph.of_type(AUTOSCALE):
        for index, profile in enumerate(setting.inputs.get("profiles") or []):
            recurrence = profile.get("recurrence") if isinstance(profile, Mapping) else None
            schedule = recurrence.get("schedule") if isinstance(recurrence, Mapping) else None
            zone = schedule.get("timeZone") if isinstance(schedule, Mapping) else None
            if isinstance(zone, str) and ("/" in zone or not zone.strip()):
                yield Hit(
                    setting.name,
                    setting.type,
                    f"profiles[{index}].recurrence.schedule.timeZone is {zone!r}, an IANA name: Azure Monitor "
                    f"autoscale takes Windows time zone ids (e.g. {', '.join(repr(z) for z in DOCUMENTED_TIME_ZONES)})",
                )


def _arm_identity(resource: RegisteredResource) -> str | None:
    if resource.type not in ARM_PATHS:
        return None
    return PlanGraph.arm_id(resource).lower()


def azure_name_collision(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    groups: dict[str, list[RegisteredResource]] = defaultdict(list)
    for resource in graph.resources:
        if not resource.custom:
            continue
        identity = _arm_identity(resource)
        if identity is not None:
            groups[identity].append(resource)
        if resource.type in GLOBAL_NAME_INPUTS:
            name = str(resource.inputs.get(GLOBAL_NAME_INPUTS[resource.type], "")).lower()
            groups[f"global:{resource.type}:{name}"].append(resource)
        if resource.type == ENDPOINT:
            key = f"region:{str(resource.inputs.get('location')).lower()}:{str(resource.inputs.get('endpointName')).lower()}"
            groups[key].append(resource)
    reported: set[str] = set()
    for key, members in groups.items():
        if len(members) < 2:
            continue
        for resource in members[1:]:
            if resource.urn in reported:
                continue
            reported.add(resource.urn)
            where = "in its region" if key.startswith("region:") else "globally" if key.startswith("global:") else ""
            yield Hit(
                resource.name,
                resource.type,
                f"has the same Azure name as '{members[0].name}' {where}".rstrip()
                + ": both would be the same Azure resource, so the second PUT overwrites the first",
            )


def _env(deployment: RegisteredResource) -> Mapping[str, Any]:
    env = deployment_properties(deployment).get("environmentVariables")
    return env if isinstance(env, Mapping) else {}


def response_bodies_logged(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        if deployment_properties(deployment).get("appInsightsEnabled") is not True:
            continue
        value = str(_env(deployment).get(RESPONSE_LOGGING, "true")).strip().lower()
        if value not in ("false", "0", "no"):
            yield Hit(
                deployment.name,
                deployment.type,
                f"sends Application Insights every response body (the inference server's {RESPONSE_LOGGING} "
                "defaults to true): predictions may carry personal data",
            )


def secret_in_clear_environment_variable(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        for name, value in _env(deployment).items():
            if not SECRET_NAME.search(name) or not isinstance(value, str):
                continue
            if value == SECRET_TEXT or SECRET_REFERENCE.match(value):
                continue
            yield Hit(
                deployment.name,
                deployment.type,
                f"sets environment variable {name} in clear text: it is stored unencrypted in Pulumi's state and "
                "shown in the ARM request and the deployment's properties",
            )


RULES = (
    Rule(
        id="MLI006",
        name="build-context-without-trailing-slash",
        statement="An environment's build.contextUri must end with '/'.",
        source=(
            "Azure/azure-sdk-for-python sdk/ml/azure-ai-ml (the environment operations append '/' to the build "
            "context URI because the environment service requires it)"
        ),
        severity="error",
        fix="End properties.build.contextUri with '/'.",
        check=build_context_without_trailing_slash,
    ),
    Rule(
        id="MLI007",
        name="short-asset-id",
        statement="ARM takes asset references as ARM ids or azureml://registries/ ids, never 'azureml:name:version'.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/reference-yaml-deployment-managed-online.md "
            "(the azureml:<name>:<version> syntax is the CLI's); Azure/azure-sdk-for-python azure-ai-ml resolves "
            "it to an ARM id client-side before the PUT"
        ),
        severity="error",
        fix="Pass the asset's ARM id (/subscriptions/.../workspaces/<ws>/models/<name>/versions/<v>) or a "
        "registry id (azureml://registries/<registry>/models/<name>/versions/<v>).",
        check=short_asset_id,
    ),
    Rule(
        id="MLI008",
        name="time-zone-not-windows",
        statement="Autoscale recurrences take Windows time zone ids, not IANA names.",
        source="azure-mgmt-monitor 6.0.2 v2021_05_01_preview RecurrentSchedule.time_zone (Windows ids, e.g. 'W. Europe Standard Time')",
        severity="error",
        fix="Use the Windows id of the zone ('Europe/Berlin' is 'W. Europe Standard Time').",
        check=time_zone_not_windows,
    ),
    Rule(
        id="MLI011",
        name="azure-name-collision",
        statement="Every Azure resource a stack creates needs its own Azure name where Azure needs it unique.",
        source=(
            "ARM PUT semantics (a PUT to an existing id updates it); MicrosoftDocs/azure-ai-docs "
            "articles/machine-learning/how-to-manage-quotas.md (endpoint names are unique per region)"
        ),
        severity="error",
        fix="Give the resources distinct names (different cluster names, or shorter prefixes before truncation).",
        check=azure_name_collision,
    ),
    Rule(
        id="MLI012",
        name="response-bodies-logged",
        statement="With Application Insights on, response bodies are logged unless APP_INSIGHTS_LOG_RESPONSE_ENABLED is false.",
        source=(
            "azureml-inference-server-http 1.5.1 server/config.py (app_insights_log_response_enabled defaults "
            "to True) and server/appinsights_client.py"
        ),
        severity="warning",
        fix="Set the deployment's environment variable APP_INSIGHTS_LOG_RESPONSE_ENABLED=false, or turn "
        "app_insights_enabled off.",
        check=response_bodies_logged,
    ),
    Rule(
        id="MLI013",
        name="secret-in-clear-environment-variable",
        statement="A secret environment variable must be a Pulumi secret or a secret-injection reference.",
        source=(
            "Pulumi docs, secrets (https://www.pulumi.com/docs/iac/concepts/secrets/: only secret values are "
            "encrypted in state); MicrosoftDocs/azure-ai-docs articles/machine-learning/concept-secret-injection.md"
        ),
        severity="error",
        fix="Pass the value as pulumi.Output.secret(...) (or config.require_secret), or use a secret-injection "
        "reference such as ${{azureml://connections/<name>/credentials/key}}.",
        check=secret_in_clear_environment_variable,
    ),
)
