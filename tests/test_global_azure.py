"""GlobalInferenceService under Pulumi's mocks: every resource and option, parenting, outputs, secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from conftest import EXAMPLES, tiny_deployment

from ml_inference_lb import GlobalInferenceService, InferenceClusterArgsError
from ml_inference_lb.plan import PlanResult, RegisteredResource, run, run_directory

TOKEN = "ml-inference-lb:index:GlobalInferenceService"
CLUSTER = "ml-inference-lb:index:InferenceCluster"
ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
PROFILE = "azure-native:cdn:Profile"
AFD_ENDPOINT = "azure-native:cdn:AFDEndpoint"
ORIGIN_GROUP = "azure-native:cdn:AFDOriginGroup"
ORIGIN = "azure-native:cdn:AFDOrigin"
ROUTE = "azure-native:cdn:Route"
WAF = "azure-native:frontdoor:Policy"
SECURITY = "azure-native:cdn:SecurityPolicy"
TM_PROFILE = "azure-native:trafficmanager:Profile"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
TM_ENDPOINT = "azure-native:trafficmanager:Endpoint"
RANDOM = "random:index/randomString:RandomString"


def cluster(auth_mode: str) -> dict[str, Any]:
    return {
        "endpoint": {"auth_mode": auth_mode},
        "deployments": [tiny_deployment("blue", traffic_percent=100)],
    }


def args(load_balancer: dict[str, Any] | None = None, auth_mode: str = "aad_token", **overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "resource_group_name": "rg-global",
        "regions": [
            {"location": "westeurope", "priority": 1, "weight": 70, "cluster": cluster(auth_mode)},
            {"location": "North Europe", "priority": 2, "weight": 30, "cluster": cluster(auth_mode)},
        ],
        "tags": {"app": "iris"},
    }
    if load_balancer is not None:
        value["load_balancer"] = load_balancer
    value.update(overrides)
    return value


def plan(value: dict[str, Any], name: str = "svc") -> PlanResult:
    def program() -> None:
        import pulumi

        service = GlobalInferenceService(name, value)
        pulumi.export("global_hostname", service.global_hostname)
        pulumi.export("scoring_uri", service.scoring_uri)
        pulumi.export("regions", service.regions)
        pulumi.export("region_keys", service.region_keys)
        pulumi.export("load_balancer_id", service.load_balancer_id)

    return run(program)


def of_type(result: PlanResult, type_token: str) -> list[RegisteredResource]:
    return [r for r in result.resources if r.type == type_token]


def one(result: PlanResult, type_token: str) -> RegisteredResource:
    found = of_type(result, type_token)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def host_of(result: PlanResult, location: str) -> str:
    endpoint = next(r for r in of_type(result, ENDPOINT) if r.name == f"svc-{location}-endpoint")
    return f"{endpoint.inputs['endpointName']}.{location}.inference.ml.azure.com"


@pytest.fixture(scope="module")
def fd() -> PlanResult:
    return plan(args({"routing": "priority", "probe": {"interval_seconds": 30, "request_type": "HEAD"}}))


@pytest.fixture(scope="module")
def tm() -> PlanResult:
    lb = {
        "kind": "traffic_manager",
        "routing": "weighted",
        "probe": {"path": "/", "interval_seconds": 10, "timeout_seconds": 5, "tolerated_failures": 2},
    }
    return plan(args(lb, auth_mode="key"))


# --- the component and its regions


def test_one_cluster_per_region_under_the_component(fd: PlanResult) -> None:
    service = one(fd, TOKEN)
    clusters = of_type(fd, CLUSTER)
    assert sorted(c.name for c in clusters) == ["svc-northeurope", "svc-westeurope"]
    assert all(c.parent == service.urn for c in clusters)
    assert sorted(s.location for s in fd.specs) == ["northeurope", "westeurope"]
    endpoints = of_type(fd, ENDPOINT)
    assert sorted(e.inputs["location"] for e in endpoints) == ["northeurope", "westeurope"]
    assert all(e.inputs["tags"] == {"app": "iris"} for e in endpoints)


def test_every_resource_descends_from_the_component(fd: PlanResult) -> None:
    service = one(fd, TOKEN)
    by_urn = {r.urn: r for r in fd.resources}
    for resource in fd.resources:
        if resource is service:
            continue
        parent = resource.parent
        while parent is not None and parent != service.urn:
            parent = by_urn[parent].parent
        assert parent == service.urn, resource.name


def test_invalid_args_register_nothing() -> None:
    bad = args({"probe": {"interval_seconds": 0}})
    registered: list[str] = []

    def program() -> None:
        try:
            GlobalInferenceService("svc", bad)
        except InferenceClusterArgsError as error:
            registered.append(str(error))

    result = run(program)
    assert result.resources == ()
    assert "load_balancer.probe.interval_seconds" in registered[0]


# --- Front Door


def test_front_door_profile_and_endpoint(fd: PlanResult) -> None:
    profile = one(fd, PROFILE)
    assert profile.inputs["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert (profile.inputs["location"], profile.inputs["profileName"]) == ("Global", "svc-afd")
    assert profile.inputs["originResponseTimeoutSeconds"] == 16
    assert profile.inputs["tags"] == {"app": "iris"}
    endpoint = one(fd, AFD_ENDPOINT)
    assert endpoint.inputs["endpointName"] == "svc"
    assert endpoint.inputs["enabledState"] == "Enabled"
    assert endpoint.inputs["autoGeneratedDomainNameLabelScope"] == "TenantReuse"


def test_origin_group_probes_and_load_balancing(fd: PlanResult) -> None:
    group = one(fd, ORIGIN_GROUP).inputs
    assert group["healthProbeSettings"] == {
        "probePath": "/",
        "probeProtocol": "Https",
        "probeRequestType": "HEAD",
        "probeIntervalInSeconds": 30,
    }
    assert group["loadBalancingSettings"] == {
        "sampleSize": 4,
        "successfulSamplesRequired": 3,
        "additionalLatencyInMilliseconds": 50,
    }
    assert group["sessionAffinityState"] == "Disabled"


def test_one_origin_per_region_with_the_endpoints_host_header(fd: PlanResult) -> None:
    origins = {o.inputs["originName"]: o.inputs for o in of_type(fd, ORIGIN)}
    assert set(origins) == {"westeurope", "northeurope"}
    for location, priority, weight in (("westeurope", 1, 70), ("northeurope", 2, 30)):
        origin = origins[location]
        host = host_of(fd, location)
        assert origin["hostName"] == host
        assert origin["originHostHeader"] == host
        assert (origin["priority"], origin["weight"]) == (priority, weight)
        assert origin["enforceCertificateNameCheck"] is True
        assert (origin["httpsPort"], origin["httpPort"], origin["enabledState"]) == (443, 80, "Enabled")


def test_route_forwards_scoring_paths_over_https_only_after_the_origins(fd: PlanResult) -> None:
    route = one(fd, ROUTE)
    assert route.inputs["patternsToMatch"] == ["/score", "/swagger.json"]
    assert route.inputs["supportedProtocols"] == ["Https"]
    assert route.inputs["forwardingProtocol"] == "HttpsOnly"
    assert route.inputs["linkToDefaultDomain"] == "Enabled"
    assert route.inputs["originGroup"]["id"].endswith("/originGroups/regions")
    assert "cacheConfiguration" not in route.inputs
    origin_urns = {o.urn for o in of_type(fd, ORIGIN)}
    assert origin_urns <= set(route.dependencies)


def test_premium_by_default_with_managed_rules_bot_protection_in_prevention(fd: PlanResult) -> None:
    policy = one(fd, WAF).inputs
    assert policy["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert policy["policySettings"] == {"enabledState": "Enabled", "mode": "Prevention", "requestBodyCheck": "Enabled"}
    assert [s["ruleSetType"] for s in policy["managedRules"]["managedRuleSets"]] == [
        "Microsoft_DefaultRuleSet",
        "Microsoft_BotManagerRuleSet",
    ]
    assert policy["customRules"] == {"rules": []}
    assert one(fd, SECURITY).inputs["parameters"]["type"] == "WebApplicationFirewall"


def test_no_waf_on_standard_unless_asked() -> None:
    result = plan(args({"sku": "Standard_AzureFrontDoor"}))
    assert of_type(result, WAF) == [] and of_type(result, SECURITY) == []
    assert of_type(plan(args({"waf": {"enabled": False}})), WAF) == []


def test_rate_limit_custom_rule_on_standard() -> None:
    result = plan(
        args({"sku": "Standard_AzureFrontDoor", "waf": {"rate_limit": {"requests": 500, "window_minutes": 5}}})
    )
    policy = one(result, WAF).inputs
    assert policy["sku"] == {"name": "Standard_AzureFrontDoor"}
    assert policy["managedRules"] == {"managedRuleSets": []}
    (rule,) = policy["customRules"]["rules"]
    assert rule == {
        "name": "RateLimitPerClientIp",
        "priority": 100,
        "enabledState": "Enabled",
        "ruleType": "RateLimitRule",
        "rateLimitThreshold": 500,
        "rateLimitDurationInMinutes": 5,
        "matchConditions": [
            {
                "matchVariable": "RemoteAddr",
                "operator": "IPMatch",
                "negateCondition": True,
                "matchValue": ["192.0.2.0/24"],
            }
        ],
        "action": "Block",
    }
    assert one(result, SECURITY).inputs["parameters"]["associations"][0]["patternsToMatch"] == ["/*"]


def test_front_door_logs_go_to_the_first_regions_log_analytics(fd: PlanResult) -> None:
    setting = next(r for r in of_type(fd, DIAGNOSTICS) if r.name == "svc-afd-diagnostics")
    assert setting.inputs["resourceUri"].endswith("/providers/Microsoft.Cdn/profiles/svc-afd")
    assert setting.inputs["workspaceId"].endswith(f"/workspaces/{workspace_of(fd, 'westeurope')}-logs")
    assert [log["category"] for log in setting.inputs["logs"]] == [
        "FrontDoorAccessLog",
        "FrontDoorHealthProbeLog",
        "FrontDoorWebApplicationFirewallLog",
    ]
    assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    assert one(fd, PROFILE).urn in setting.dependencies


def test_traffic_manager_logs_and_a_given_workspace(tm: PlanResult) -> None:
    setting = next(r for r in of_type(tm, DIAGNOSTICS) if r.name == "svc-tm-diagnostics")
    assert setting.inputs["resourceUri"].endswith("/providers/Microsoft.Network/trafficmanagerprofiles/svc-tm")
    assert [log["category"] for log in setting.inputs["logs"]] == ["ProbeHealthStatusEvents"]
    given = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/central"
    result = plan(args({"diagnostics": {"log_analytics_workspace_id": given}}))
    assert (
        next(r for r in of_type(result, DIAGNOSTICS) if r.name == "svc-afd-diagnostics").inputs["workspaceId"] == given
    )
    off = plan(args({"diagnostics": {"enabled": False}}))
    assert not [r for r in of_type(off, DIAGNOSTICS) if r.name == "svc-afd-diagnostics"]


def workspace_of(result: PlanResult, location: str) -> str:
    workspace = next(r for r in result.resources if r.name == f"svc-{location}-workspace")
    return str(workspace.inputs["workspaceName"])


def test_premium_waf_policy_and_security_policy() -> None:
    result = plan(args({"sku": "Premium_AzureFrontDoor", "waf": {"mode": "detection"}}))
    assert one(result, PROFILE).inputs["sku"] == {"name": "Premium_AzureFrontDoor"}
    policy = one(result, WAF)
    assert policy.inputs["policyName"] == "svcwaf"
    assert policy.inputs["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert policy.inputs["policySettings"]["mode"] == "Detection"
    sets = policy.inputs["managedRules"]["managedRuleSets"]
    assert [(s["ruleSetType"], s["ruleSetVersion"]) for s in sets] == [
        ("Microsoft_DefaultRuleSet", "2.1"),
        ("Microsoft_BotManagerRuleSet", "1.1"),
    ]
    assert sets[0]["ruleSetAction"] == "Block"
    security_resource = one(result, SECURITY)
    assert policy.urn in security_resource.dependencies  # wafPolicy.id is the policy's id
    security = security_resource.inputs["parameters"]
    assert security["type"] == "WebApplicationFirewall"
    assert security["associations"][0]["patternsToMatch"] == ["/*"]
    assert security["associations"][0]["domains"][0]["id"].endswith("/afdEndpoints/svc")


def test_front_door_outputs(fd: PlanResult) -> None:
    hostname = fd.outputs["global_hostname"]
    assert hostname.endswith(".azurefd.net") and hostname.startswith("svc-")
    assert fd.outputs["scoring_uri"] == f"https://{hostname}/score"
    regions = fd.outputs["regions"]
    for location in ("westeurope", "northeurope"):
        host = host_of(fd, location)
        assert regions[location]["host"] == host
        assert regions[location]["scoring_uri"] == f"https://{host}/score"
        assert regions[location]["endpoint_name"] == host.split(".")[0]
    assert fd.outputs["load_balancer_id"].endswith("/Microsoft.Cdn/profiles/svc-afd")


def test_no_keys_with_entra_auth(fd: PlanResult) -> None:
    assert fd.outputs.get("region_keys") is None
    assert "regionKeys" not in str(one(fd, TOKEN).inputs)


# --- Traffic Manager


def test_traffic_manager_profile(tm: PlanResult) -> None:
    profile = one(tm, TM_PROFILE).inputs
    assert profile["trafficRoutingMethod"] == "Weighted"
    assert (profile["location"], profile["profileStatus"], profile["profileName"]) == ("global", "Enabled", "svc-tm")
    suffix = next(r for r in of_type(tm, RANDOM) if r.name == "svc-tm-dns-suffix")
    assert suffix.inputs["length"] == 5
    assert profile["dnsConfig"]["relativeName"].startswith("svc-") and profile["dnsConfig"]["ttl"] == 30
    assert profile["monitorConfig"] == {
        "protocol": "HTTPS",
        "port": 443,
        "path": "/",
        "intervalInSeconds": 10,
        "timeoutInSeconds": 5,
        "toleratedNumberOfFailures": 2,
        "expectedStatusCodeRanges": [{"min": 200, "max": 299}, {"min": 401, "max": 401}],
    }


def test_traffic_manager_endpoints_live_in_the_profile_and_probe_with_their_own_host(tm: PlanResult) -> None:
    assert of_type(tm, TM_ENDPOINT) == []  # inline: a profile PUT can never drop them
    endpoints = {e["name"]: e for e in one(tm, TM_PROFILE).inputs["endpoints"]}
    assert set(endpoints) == {"westeurope", "northeurope"}
    for location, priority, weight in (("westeurope", 1, 70), ("northeurope", 2, 30)):
        endpoint = endpoints[location]
        host = host_of(tm, location)
        assert endpoint["target"] == host
        assert endpoint["customHeaders"] == [{"name": "Host", "value": host}]
        assert endpoint["type"] == "Microsoft.Network/trafficManagerProfiles/externalEndpoints"
        assert (endpoint["priority"], endpoint["weight"], endpoint["endpointLocation"]) == (priority, weight, location)
        assert endpoint["endpointStatus"] == "Enabled"


def test_traffic_manager_outputs_and_region_keys_as_one_secret(tm: PlanResult) -> None:
    relative = one(tm, TM_PROFILE).inputs["dnsConfig"]["relativeName"]
    assert tm.outputs["global_hostname"] == f"{relative}.trafficmanager.net"
    assert tm.outputs["scoring_uri"] == f"https://{relative}.trafficmanager.net/score"
    assert tm.outputs["region_keys"] == "[secret]"
    assert of_type(tm, PROFILE) == []


def test_traffic_manager_given_dns_name_and_headers() -> None:
    lb = {"kind": "traffic_manager", "dns_name": "iris-global", "probe": {"custom_headers": {"X-Probe": "tm"}}}
    result = plan(args(lb))
    assert not any(r.name == "svc-tm-dns-suffix" for r in result.resources)
    profile = one(result, TM_PROFILE).inputs
    assert profile["dnsConfig"]["relativeName"] == "iris-global"
    assert profile["monitorConfig"]["customHeaders"] == [{"name": "X-Probe", "value": "tm"}]
    assert result.outputs["global_hostname"] == "iris-global.trafficmanager.net"


# --- the example


@pytest.mark.parametrize("kind", ["front_door", "traffic_manager"])
def test_multi_region_example_plans(kind: str) -> None:
    result = run_directory(os.path.join(EXAMPLES, "multi-region"), config={"loadBalancer": kind})
    assert len(of_type(result, CLUSTER)) == 2
    assert result.outputs["scoring_uri"].startswith("https://")
    if kind == "traffic_manager":
        assert result.outputs["region_keys"] == "[secret]"
    else:
        assert result.outputs.get("region_keys") is None


def test_cli_plans_the_example() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ml_inference_lb.cli", "plan", os.path.join(EXAMPLES, "multi-region")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "azure-native:cdn:AFDOrigin" in completed.stdout


def test_weighted_front_door_without_bot_rules_and_its_probe_options() -> None:
    lb = {
        "sku": "Premium_AzureFrontDoor",
        "routing": "weighted",
        "probe": {"path": "/swagger.json", "sample_size": 5, "successful_samples_required": 2},
        "waf": {"bot_protection": False, "rule_set_version": "2.0", "policy_name": "irisWaf"},
        "profile_name": "iris-global",
        "endpoint_name": "iris-edge",
    }
    result = plan(args(lb))
    group = one(result, ORIGIN_GROUP).inputs
    assert group["healthProbeSettings"]["probePath"] == "/swagger.json"
    assert group["loadBalancingSettings"] == {
        "sampleSize": 5,
        "successfulSamplesRequired": 2,
        "additionalLatencyInMilliseconds": 1000,
    }
    policy = one(result, WAF).inputs
    assert policy["policyName"] == "irisWaf"
    assert policy["managedRules"]["managedRuleSets"] == [
        {"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.0", "ruleSetAction": "Block"}
    ]
    assert one(result, PROFILE).inputs["profileName"] == "iris-global"
    assert one(result, AFD_ENDPOINT).inputs["endpointName"] == "iris-edge"
    assert all(o.inputs["profileName"] == "iris-global" for o in of_type(result, ORIGIN))


# --- Azure's definitions (the contract checker)


@pytest.mark.parametrize(
    ("load_balancer", "auth_mode"),
    [
        ({"sku": "Premium_AzureFrontDoor", "routing": "priority", "waf": {"mode": "detection"}}, "aad_token"),
        ({"kind": "traffic_manager", "routing": "priority"}, "key"),
        (
            {
                "kind": "traffic_manager",
                "routing": "weighted",
                "dns_name": "iris-global",
                "probe": {"interval_seconds": 10, "timeout_seconds": 5, "custom_headers": {"X-Probe": "tm"}},
            },
            "key",
        ),
        ({"kind": "traffic_manager", "routing": "performance", "probe": {"expected_status_codes": ["200"]}}, "key"),
        (
            {"sku": "Standard_AzureFrontDoor", "waf": {"rate_limit": {"requests": 100, "window_minutes": 5}}},
            "aad_token",
        ),
        (
            {"waf": {"rate_limit": {"requests": 2000}}, "diagnostics": {"log_analytics_workspace_id": "/s/la"}},
            "aad_token",
        ),
    ],
)
def test_global_resources_match_azures_definitions(load_balancer: dict[str, Any], auth_mode: str) -> None:
    from ml_inference_lb.contract import check_plan

    result = plan(args(load_balancer, auth_mode=auth_mode))
    global_types = {PROFILE, AFD_ENDPOINT, ORIGIN_GROUP, ORIGIN, ROUTE, WAF, SECURITY, TM_PROFILE}
    assert global_types & {r.type for r in result.resources}
    problems = [str(v) for v in check_plan(result)]
    assert problems == []


def test_the_contract_catches_a_broken_rate_limit_rule_and_diagnostic_setting() -> None:
    """Seeded faults in the new bodies: a match variable Azure does not have, and a log entry of the wrong type."""
    from ml_inference_lb.contract import check_resource

    result = plan(args({"waf": {"rate_limit": {"requests": 100}}}))
    policy = one(result, WAF)
    inputs = json.loads(json.dumps(policy.inputs))
    inputs["customRules"]["rules"][0]["matchConditions"][0]["matchVariable"] = "ClientIp"
    problems = [str(v) for v in check_resource(WAF, inputs, policy.name)]
    assert any("matchVariable" in p for p in problems), problems
    setting = next(r for r in of_type(result, DIAGNOSTICS) if r.name == "svc-afd-diagnostics")
    inputs = json.loads(json.dumps(setting.inputs))
    inputs["logs"][0]["enabled"] = "yes"
    problems = [str(v) for v in check_resource(DIAGNOSTICS, inputs, setting.name)]
    assert any("logs[0].enabled" in p for p in problems), problems
