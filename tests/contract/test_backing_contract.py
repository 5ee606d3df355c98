"""Contract coverage of the backing services' resource types: the checker catches faults seeded into them,
and the two schema facts the checker needed for them (Pulumi's own input names, Disabled HA) hold."""

from __future__ import annotations

import copy
import dataclasses
import sys
from typing import Any

import pytest
from conftest import cluster_args, plan_cluster

from ml_inference_lb.contract import check_resource, errors
from ml_inference_lb.contract import contracts as contract_table
from ml_inference_lb.contract.generate import _Builder, _pulumi_inputs
from ml_inference_lb.plan import PlanResult

SERVER = "azure-native:dbforpostgresql:Server"
REDIS_DB = "azure-native:redisenterprise:Database"
RULE = "azure-native:machinelearningservices:ManagedNetworkSettingsRule"
ROLE = "azure-native:authorization:RoleDefinition"
ADMIN = "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"


@pytest.fixture(scope="module")
def plan() -> PlanResult:
    admin = {"object_id": "00000000-0000-0000-0000-0000000000aa", "principal_name": "dba", "principal_type": "user"}
    return plan_cluster(cluster_args(backing_services={"cache": {}, "database": {"administrator": admin}}))


def inputs_of(plan: PlanResult, pulumi_type: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in plan.resources if r.type == pulumi_type).inputs)


def messages(pulumi_type: str, inputs: dict[str, Any]) -> list[str]:
    return [f"{v.path}: {v.message}" for v in errors(check_resource(pulumi_type, inputs, "x"))]


def test_every_backing_type_is_contracted_and_clean(plan: PlanResult) -> None:
    backing = {r.type for r in plan.resources if "redisenterprise" in r.type or "dbforpostgresql" in r.type}
    backing |= {RULE, ROLE}
    assert backing <= set(contract_table.BY_PULUMI_TYPE)
    for resource in plan.resources:
        assert messages(resource.type, resource.inputs) == [], resource.name


def test_catches_a_misspelt_redis_database_property(plan: PlanResult) -> None:
    inputs = inputs_of(plan, REDIS_DB)
    inputs["clusterPolicy"] = inputs.pop("clusteringPolicy")
    assert any("unknown property 'clusterPolicy'" in m for m in messages(REDIS_DB, inputs))


def test_catches_a_wrong_outbound_rule_type(plan: PlanResult) -> None:
    inputs = inputs_of(plan, RULE)
    inputs["properties"]["type"] = "Private"
    assert any("properties.type" in m for m in messages(RULE, inputs))


def test_catches_a_wrong_entra_admin_principal_type(plan: PlanResult) -> None:
    inputs = inputs_of(plan, ADMIN)
    inputs["principalType"] = "ManagedIdentity"
    assert any("principalType" in m and "PrincipalType" in m for m in messages(ADMIN, inputs))


def test_postgres_ha_mode_disabled_is_accepted_and_other_values_are_not(plan: PlanResult) -> None:
    inputs = inputs_of(plan, SERVER)
    assert inputs["highAvailability"] == {"mode": "Disabled"}
    assert messages(SERVER, inputs) == []
    inputs["highAvailability"]["mode"] = "Off"
    assert any("'Off' is not a known HighAvailabilityMode" in m for m in messages(SERVER, inputs))


def test_without_the_enum_addition_the_sdk_enum_would_reject_disabled(
    plan: PlanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seeded fault: the contract's addition is what admits Disabled (the SDK enum lacks it)."""
    contract = contract_table.BY_PULUMI_TYPE[SERVER]
    monkeypatch.setitem(contract_table.BY_PULUMI_TYPE, SERVER, dataclasses.replace(contract, enum_additions={}))
    assert any("'Disabled' is not a known HighAvailabilityMode" in m for m in messages(SERVER, inputs_of(plan, SERVER)))


def test_storage_size_uses_pulumis_input_name(plan: PlanResult) -> None:
    inputs = inputs_of(plan, SERVER)
    assert inputs["storage"]["storageSizeGB"] == 32
    inputs["storage"]["storageSizeGb"] = inputs["storage"].pop("storageSizeGB")
    assert any("storageSizeGb" in m for m in messages(SERVER, inputs))


class _Flat:
    """An msrest-style model whose Python name differs from its wire name only in case."""

    _attribute_map = {"storage_size_gb": {"key": "storageSizeGB", "type": "int"}}
    _validation: dict[str, Any] = {}

    def __init__(self, storage_size_gb: int = 0) -> None:
        pass


def test_generator_takes_the_wire_name_when_pulumi_has_an_input_of_that_name() -> None:
    module = type(sys)("fake_models")
    module._Flat = _Flat  # type: ignore[attr-defined]
    old_style = _Builder(module, "msrest").msrest_model(_Flat)
    assert old_style["fields"]["storageSizeGB"]["client_name"] == "storageSizeGb"  # what the checker used to expect
    fixed = _Builder(module, "msrest", frozenset({"storageSizeGB"})).msrest_model(_Flat)
    assert "client_name" not in fixed["fields"]["storageSizeGB"]
    assert "storageSizeGB" in _pulumi_inputs("dbforpostgresql")
