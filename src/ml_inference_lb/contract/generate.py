"""Regenerate the vendored schemas in ``schemas/`` from the Azure SDK for Python packages.

This is a maintainer tool, not used at check time. The checker reads only the JSON files it writes.
Each file holds the models reachable from the request bodies we send for ONE Azure provider at ONE
API version, reduced to what the checker needs: wire names, types, enums, discriminators,
required / read-only flags and the constraints of msrest ``_validation`` (pattern, ranges, lengths).

Two model styles are read:

* msrest models (``azure-mgmt-*``): ``_attribute_map`` (wire key, with ``properties.x`` for properties
  the SDK flattens), ``_validation`` and ``_subtype_map``; enums from the ``__init__`` annotations.
* TypeSpec "hybrid" models (``azure-ai-ml``'s vendored ``arm_ml_service``): ``rest_field`` (wire name,
  visibility), class annotations, ``__mapping__`` discriminators, required from the ``__init__`` overload.

Usage (the exact SDK versions are pinned in ``SOURCES`` and in the ``contract-schemas`` extra)::

    pip install --no-deps --target /tmp/contract-sdks azure-mgmt-storage==22.1.1 ...
    python -m ml_inference_lb.contract.generate --sdk-path /tmp/contract-sdks
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import enum
import importlib
import inspect
import json
import os
import re
import sys
import typing
from dataclasses import dataclass
from types import ModuleType
from typing import Any

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")


@dataclass(frozen=True)
class Source:
    """One schema file: which package/module it comes from and which root models to start from."""

    file: str
    provider: str
    api_version: str
    package: str
    module: str
    style: str  # "msrest", "hybrid" or "swagger" (module is then a vendored swagger excerpt in schemas/)
    roots: tuple[str, ...]
    pulumi_module: str | None = None
    """The pulumi-azure-native module of these types. When given, a property whose SDK name and Pulumi input name
    differ only in case takes Pulumi's spelling: the wire name when it differs from the SDK's only in case and
    Pulumi has an input of that name (``storage_size_gb`` / ``storageSizeGB``), else Pulumi's own spelling of the
    SDK's name (the SDK's ``ip_address_or_range`` is Pulumi's ``iPAddressOrRange``). Pulumi derives its names
    from the REST spec's ``x-ms-client-name``, the SDK normalises them, so the SDK alone cannot tell."""


SOURCES: tuple[Source, ...] = (
    Source(
        "machinelearningservices-2025-12-01.json",
        "Microsoft.MachineLearningServices",
        "2025-12-01",
        "azure-ai-ml==1.35.2",
        "azure.ai.ml._restclient.arm_ml_service.models",
        "hybrid",
        (
            "OnlineEndpoint",
            "OnlineDeployment",
            "ModelVersion",
            "CodeVersion",
            "EnvironmentVersion",
            "Workspace",
            "ManagedNetworkProvisionOptions",
            "OutboundRuleBasicResource",
        ),
    ),
    Source(
        "machinelearningservices-2025-01-01-preview.json",
        "Microsoft.MachineLearningServices",
        "2025-01-01-preview",
        "Azure/azure-rest-api-specs preview/2025-01-01-preview/mfe.json (vendored excerpt)",
        "machinelearningservices-2025-01-01-preview.swagger.json",
        "swagger",
        ("InferencePoolTrackedResource", "InferenceGroupTrackedResource", "InferenceEndpointTrackedResource"),
    ),
    Source(
        "storage-2024-01-01.json",
        "Microsoft.Storage",
        "2024-01-01",
        "azure-mgmt-storage==22.1.1",
        "azure.mgmt.storage.v2024_01_01.models",
        "msrest",
        ("StorageAccountCreateParameters",),
        pulumi_module="storage",
    ),
    Source(
        "keyvault-2024-11-01.json",
        "Microsoft.KeyVault",
        "2024-11-01",
        "azure-mgmt-keyvault==11.0.0",
        "azure.mgmt.keyvault.v2024_11_01.models",
        "msrest",
        ("VaultCreateOrUpdateParameters",),
    ),
    Source(
        "operationalinsights-2022-10-01.json",
        "Microsoft.OperationalInsights",
        "2022-10-01",
        "azure-mgmt-loganalytics==13.0.0b7",
        "azure.mgmt.loganalytics.models",
        "msrest",
        ("Workspace",),
    ),
    Source(
        "applicationinsights-2020-02-02.json",
        "Microsoft.Insights",
        "2020-02-02",
        "azure-mgmt-applicationinsights==4.1.0",
        "azure.mgmt.applicationinsights.v2020_02_02.models",
        "msrest",
        ("ApplicationInsightsComponent",),
    ),
    Source(
        "containerregistry-2023-01-01-preview.json",
        "Microsoft.ContainerRegistry",
        "2023-01-01-preview",
        "azure-mgmt-containerregistry==10.3.0",
        "azure.mgmt.containerregistry.v2023_01_01_preview.models",
        "msrest",
        ("Registry",),
        pulumi_module="containerregistry",
    ),
    Source(
        "authorization-2022-04-01.json",
        "Microsoft.Authorization",
        "2022-04-01",
        "azure-mgmt-authorization==4.0.0",
        "azure.mgmt.authorization.v2022_04_01.models",
        "msrest",
        ("RoleAssignmentCreateParameters",),
    ),
    Source(
        "monitor-2021-05-01-preview.json",
        "Microsoft.Insights",
        "2021-05-01-preview",
        "azure-mgmt-monitor==6.0.2",
        "azure.mgmt.monitor.v2021_05_01_preview.models",
        "msrest",
        ("AutoscaleSettingResource", "DiagnosticSettingsResource"),
    ),
    Source(
        "cdn-2024-02-01.json",
        "Microsoft.Cdn",
        "2024-02-01",
        "azure-mgmt-cdn==13.1.1",
        "azure.mgmt.cdn.models",
        "msrest",
        ("Profile", "AFDEndpoint", "AFDOriginGroup", "AFDOrigin", "Route", "SecurityPolicy"),
    ),
    Source(
        "frontdoor-2025-10-01.json",
        "Microsoft.Network (Front Door WAF policies)",
        "2025-10-01",
        "azure-mgmt-frontdoor==2.0.0",
        "azure.mgmt.frontdoor.models",
        "hybrid",
        ("WebApplicationFirewallPolicy",),
    ),
    Source(
        "trafficmanager-2022-04-01.json",
        "Microsoft.Network (Traffic Manager)",
        "2022-04-01",
        "azure-mgmt-trafficmanager==1.1.0",
        "azure.mgmt.trafficmanager.models",
        "msrest",
        ("Profile",),
    ),
    Source(
        "authorization-2022-05-01-preview.json",
        "Microsoft.Authorization (role definitions)",
        "2022-05-01-preview",
        "azure-mgmt-authorization==4.0.0",
        "azure.mgmt.authorization.v2022_05_01_preview.models",
        "msrest",
        ("RoleDefinition",),
        pulumi_module="authorization",
    ),
    Source(
        "redisenterprise-2025-07-01.json",
        "Microsoft.Cache (Azure Managed Redis)",
        "2025-07-01",
        "azure-mgmt-redisenterprise==3.1.0",
        "azure.mgmt.redisenterprise.models",
        "msrest",
        ("Cluster", "Database", "AccessPolicyAssignment"),
        pulumi_module="redisenterprise",
    ),
    Source(
        "dbforpostgresql-2025-08-01.json",
        "Microsoft.DBforPostgreSQL (flexible servers)",
        "2025-08-01",
        "azure-mgmt-postgresqlflexibleservers==2.0.0",
        "azure.mgmt.postgresqlflexibleservers.models",
        "msrest",
        ("Server", "Database", "FirewallRule", "AdministratorMicrosoftEntraAdd"),
        pulumi_module="dbforpostgresql",
    ),
    Source(
        "network-2024-05-01.json",
        "Microsoft.Network (private endpoints)",
        "2024-05-01",
        "azure-mgmt-network==28.1.0",
        "azure.mgmt.network.models",
        "msrest",
        ("PrivateEndpoint", "PrivateDnsZoneGroup"),
        pulumi_module="network",
    ),
    Source(
        "privatedns-2024-06-01.json",
        "Microsoft.Network (private DNS zones)",
        "2024-06-01",
        "azure-mgmt-privatedns==1.2.0",
        "azure.mgmt.privatedns.models",
        "msrest",
        ("PrivateZone", "VirtualNetworkLink"),
        pulumi_module="privatedns",
    ),
    Source(
        "managedidentity-2023-01-31.json",
        "Microsoft.ManagedIdentity",
        "2023-01-31",
        "azure-mgmt-msi==7.0.0",
        "azure.mgmt.msi.v2023_01_31.models",
        "msrest",
        ("Identity",),
        pulumi_module="managedidentity",
    ),
    Source(
        "resources-2024-07-01.json",
        "Microsoft.Resources",
        "2024-07-01",
        "azure-mgmt-resource==23.4.0",
        "azure.mgmt.resource.resources.v2024_07_01.models",
        "msrest",
        ("Deployment",),
    ),
)

_MSREST_SCALARS = {
    "str": {"kind": "string"},
    "int": {"kind": "integer"},
    "long": {"kind": "integer"},
    "float": {"kind": "number"},
    "bool": {"kind": "boolean"},
    "duration": {"kind": "duration"},
    "iso-8601": {"kind": "date-time"},
    "rfc-1123": {"kind": "date-time"},
    "date": {"kind": "string"},
    "object": {"kind": "any"},
    "bytearray": {"kind": "string"},
    "base64": {"kind": "string"},
    "unix-time": {"kind": "integer"},
}
_CONSTRAINT_KEYS = ("pattern", "maximum", "minimum", "max_length", "min_length", "max_items", "min_items")
_ENUM_REF = re.compile(r"_models\.(\w+)|models\.(?:_\w+\.)?(\w+)")


class _Builder:
    """Collects models and enums reachable from the roots of one source."""

    def __init__(self, module: ModuleType, style: str, pulumi_inputs: frozenset[str] = frozenset()) -> None:
        self.module = module
        self.style = style
        self.pulumi_inputs = pulumi_inputs
        self.pulumi_spelling = {name.lower(): name for name in pulumi_inputs}
        self.models: dict[str, dict[str, Any]] = {}
        self.enums: dict[str, list[str]] = {}

    # -- shared -------------------------------------------------------------------------------
    def enum_type(self, name: str) -> dict[str, Any] | None:
        cls = getattr(self.module, name, None)
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            return None
        self.enums[name] = sorted({str(member.value) for member in cls})
        return {"kind": "enum", "enum": name}

    def enum_in(self, annotation: Any) -> dict[str, Any] | None:
        for match in _ENUM_REF.finditer(str(annotation)):
            found = self.enum_type(match.group(1) or match.group(2))
            if found:
                return found
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return self.enum_type(annotation.__name__)
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, enum.Enum):
                return self.enum_type(arg.__name__)
        return None

    def add(self, name: str) -> None:
        if name in self.models:
            return
        self.models[name] = {}  # placeholder breaks cycles
        cls = getattr(self.module, name)
        self.models[name] = self.msrest_model(cls) if self.style == "msrest" else self.hybrid_model(cls)

    # -- msrest -------------------------------------------------------------------------------
    def msrest_type(self, text: str, annotation: Any) -> dict[str, Any]:
        if text.startswith("[") and text.endswith("]"):
            return {"kind": "array", "items": self.msrest_type(text[1:-1], annotation)}
        if text.startswith("{") and text.endswith("}"):
            return {"kind": "map", "values": self.msrest_type(text[1:-1], annotation)}
        if text == "str":
            found = self.enum_in(annotation)
            if found:
                return found
        if text in _MSREST_SCALARS:
            return dict(_MSREST_SCALARS[text])
        self.add(text)
        return {"kind": "model", "model": text}

    def msrest_model(self, cls: Any) -> dict[str, Any]:
        attribute_map: dict[str, dict[str, str]] = getattr(cls, "_attribute_map", {})
        validation: dict[str, dict[str, Any]] = getattr(cls, "_validation", {})
        try:
            init: Any = cls.__init__
            annotations = {k: p.annotation for k, p in inspect.signature(init).parameters.items()}
        except (TypeError, ValueError):
            annotations = {}
        root: dict[str, Any] = {"fields": {}}
        for attr, spec in attribute_map.items():
            rules = validation.get(attr, {})
            field: dict[str, Any] = {"type": self.msrest_type(spec["type"], annotations.get(attr, ""))}
            if rules.get("constant"):
                field["type"] = {"kind": "const", "value": getattr(cls, attr)}
            for flag in ("required", "readonly"):
                if rules.get(flag):
                    field[flag] = True
            for key in _CONSTRAINT_KEYS:
                if key in rules:
                    field[key] = rules[key]
            parts = [p.replace("\\.", ".") for p in re.split(r"(?<!\\)\.", spec["key"])]
            client_name = _camel(attr)
            if client_name.lower() == parts[-1].lower() and parts[-1] in self.pulumi_inputs:
                client_name = parts[-1]
            else:
                client_name = self.pulumi_spelling.get(client_name.lower(), client_name)
            if client_name != parts[-1]:
                field["client_name"] = client_name  # the name the SDK (and Pulumi) shows for it
            target = root
            for part in parts[:-1]:  # a flattened property: nest it under its wire parent
                holder = target["fields"].setdefault(part, {"type": {"kind": "inline", "fields": {}}, "flatten": True})
                target = holder["type"]
                if field.get("required"):
                    holder["required"] = True
            target["fields"][parts[-1]] = field
        subtypes: dict[str, dict[str, str]] = getattr(cls, "_subtype_map", {})
        for attr, mapping in subtypes.items():
            wire = attribute_map[attr]["key"]
            root["discriminator"] = {"property": wire, "mapping": dict(mapping)}
            for sub in mapping.values():
                self.add(sub)
        for base in cls.__mro__[1:]:
            for attr, mapping in getattr(base, "_subtype_map", {}).items():
                for value, sub in mapping.items():
                    if sub == cls.__name__:
                        root["discriminator_value"] = value
                        root["discriminator_property"] = base._attribute_map[attr]["key"]
        return root

    # -- hybrid (TypeSpec) ----------------------------------------------------------------------
    def hybrid_type(self, annotation: Any) -> dict[str, Any]:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Union:
            found = self.enum_in(annotation)
            if found:
                return found
            if len(args) == 1:
                return self.hybrid_type(args[0])
            return {"kind": "any"}
        if origin is typing.Literal:
            return {"kind": "const", "value": str(getattr(args[0], "value", args[0]))}
        if origin in (list, typing.List):  # noqa: UP006
            return {"kind": "array", "items": self.hybrid_type(args[0])}
        if origin in (dict, typing.Dict):  # noqa: UP006
            return {"kind": "map", "values": self.hybrid_type(args[1])}
        if annotation is str:
            return {"kind": "string"}
        if annotation is bool:
            return {"kind": "boolean"}
        if annotation is int:
            return {"kind": "integer"}
        if annotation is float:
            return {"kind": "number"}
        if annotation is datetime.timedelta:
            return {"kind": "duration"}
        if annotation in (datetime.datetime, datetime.date):
            return {"kind": "date-time"}
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return self.enum_type(annotation.__name__) or {"kind": "string"}
        if isinstance(annotation, type) and _is_hybrid_model(annotation):
            self.add(annotation.__name__)
            return {"kind": "model", "model": annotation.__name__}
        return {"kind": "any"}

    def hybrid_model(self, cls: Any) -> dict[str, Any]:
        namespace = dict(vars(sys.modules[cls.__module__]))
        namespace["_models"] = self.module
        hints = typing.get_type_hints(cls, globalns=namespace)
        with contextlib.suppress(Exception):  # building one computes _attr_to_rest_field; some then refuse
            cls()
        required: set[str] = set()
        for overload in typing.get_overloads(cls.__init__):
            params = inspect.signature(overload).parameters
            if "mapping" in params:
                continue
            required |= {n for n, p in params.items() if n != "self" and p.default is inspect.Parameter.empty}
        fields: dict[str, Any] = {}
        discriminator_property: str | None = None
        for attr, rest in cls._attr_to_rest_field.items():
            wire = rest._rest_name
            field: dict[str, Any] = {"type": self.hybrid_type(hints.get(attr, Any))}
            if rest._visibility == ["read"]:
                field["readonly"] = True
            if attr in required:
                field["required"] = True
            if rest._is_discriminator:
                discriminator_property = wire
            fields[wire] = field
        model: dict[str, Any] = {"fields": fields}
        mapping = cls.__dict__.get("__mapping__")
        if mapping and discriminator_property:
            model["discriminator"] = {
                "property": discriminator_property,
                "mapping": {str(k): v.__name__ for k, v in mapping.items()},
            }
            for sub in mapping.values():
                self.add(sub.__name__)
        const = fields.get(discriminator_property or "", {}).get("type", {})
        if not mapping and const.get("kind") == "const":
            model["discriminator_property"] = discriminator_property
            model["discriminator_value"] = const["value"]
        return model


class _SwaggerBuilder:
    """Models and enums reachable from the roots of a vendored swagger excerpt."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.models: dict[str, dict[str, Any]] = {}
        self.enums: dict[str, list[str]] = {}

    @staticmethod
    def _ref(node: dict[str, Any]) -> str:
        return str(node["$ref"]).rsplit("/", 1)[-1]

    def type_of(self, node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            name = self._ref(node)
            target = self.definitions[name]
            if "enum" in target:
                self.enums[name] = sorted(str(v) for v in target["enum"])
                return {"kind": "enum", "enum": name}
            if target.get("type") == "string":
                return {"kind": "string"}
            self.add(name)
            return {"kind": "model", "model": name}
        kind = node.get("type")
        if kind == "array":
            return {"kind": "array", "items": self.type_of(node["items"])}
        if kind == "object" and isinstance(node.get("additionalProperties"), dict):
            return {"kind": "map", "values": self.type_of(node["additionalProperties"])}
        if kind == "string":
            fmt = node.get("format")
            return {"kind": "duration" if fmt == "duration" else "date-time" if fmt == "date-time" else "string"}
        if kind in ("integer", "number", "boolean"):
            return {"kind": kind}
        return {"kind": "any"}

    def _collect(self, name: str) -> tuple[dict[str, Any], set[str]]:
        node = self.definitions[name]
        props: dict[str, Any] = {}
        required: set[str] = set(node.get("required", []))
        for base in node.get("allOf", []):
            base_props, base_required = self._collect(self._ref(base))
            props.update(base_props)
            required |= base_required
        props.update(node.get("properties", {}))
        return props, required

    def add(self, name: str) -> None:
        if name in self.models:
            return
        self.models[name] = {}
        props, required = self._collect(name)
        fields: dict[str, Any] = {}
        for wire, node in props.items():
            field: dict[str, Any] = {"type": self.type_of(node)}
            if node.get("readOnly"):
                field["readonly"] = True
            if wire in required:
                field["required"] = True
            if node.get("x-ms-client-flatten"):
                field["flatten"] = True
            for swagger_key, key in _SWAGGER_RULES.items():
                if swagger_key in node:
                    field[key] = node[swagger_key]
            fields[wire] = field
        self.models[name] = {"fields": fields}


_SWAGGER_RULES = {
    "pattern": "pattern",
    "minimum": "minimum",
    "maximum": "maximum",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
}


def _is_hybrid_model(cls: type) -> bool:
    return any(base.__name__ == "Model" and base.__module__.endswith("model_base") for base in cls.__mro__)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _pulumi_inputs(module: str | None) -> frozenset[str]:
    """Every input name of a pulumi-azure-native module (its ``@pulumi.getter(name=...)`` declarations)."""
    if module is None:
        return frozenset()
    package = importlib.import_module(f"pulumi_azure_native.{module}")
    names: set[str] = set()
    for path in getattr(package, "__path__", []):
        for file_name in os.listdir(path):
            if file_name.endswith(".py"):
                with open(os.path.join(path, file_name), encoding="utf-8") as handle:
                    names.update(re.findall(r'@pulumi\.getter\(name="([^"]+)"\)', handle.read()))
    return frozenset(names)


def build(source: Source) -> dict[str, Any]:
    builder: _Builder | _SwaggerBuilder
    if source.style == "swagger":
        with open(os.path.join(SCHEMA_DIR, source.module), encoding="utf-8") as handle:
            builder = _SwaggerBuilder(json.load(handle)["definitions"])
        licence = "MIT, Copyright (c) Microsoft Corporation; see LICENSE-azure-rest-api-specs.txt"
    else:
        builder = _Builder(importlib.import_module(source.module), source.style, _pulumi_inputs(source.pulumi_module))
        licence = "MIT, Copyright (c) Microsoft Corporation; see LICENSE-azure-sdk-for-python.txt"
    for root in source.roots:
        builder.add(root)
    return {
        "provider": source.provider,
        "api_version": source.api_version,
        "generated_from": f"{source.package} ({source.module})",
        "licence": licence,
        "roots": list(source.roots),
        "models": dict(sorted(builder.models.items())),
        "enums": dict(sorted(builder.enums.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk-path", help="a --target directory holding the pinned azure-mgmt-* packages")
    parser.add_argument("--only", help="regenerate only the file with this name")
    args = parser.parse_args(argv)
    if args.sdk_path:
        sys.path.insert(0, args.sdk_path)
    for source in SOURCES:
        if args.only and source.file != args.only:
            continue
        data = build(source)
        with open(os.path.join(SCHEMA_DIR, source.file), "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=False)
            handle.write("\n")
        print(f"{source.file}: {len(data['models'])} models, {len(data['enums'])} enums")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
