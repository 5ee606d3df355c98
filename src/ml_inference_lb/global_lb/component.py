"""``GlobalInferenceService``: one inference service in several regions behind one global entry point."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import pulumi

from .. import registry
from ..azure import InferenceCluster
from .args import GlobalInferenceServiceArgs
from .build import build_global_spec
from .front_door import build_front_door
from .model import GlobalSpec
from .traffic_manager import build_traffic_manager

TYPE_TOKEN = "ml-inference-lb:index:GlobalInferenceService"


def endpoint_host(scoring_uri: str, endpoint_name: str, location: str) -> str:
    """The endpoint's host from its scoring URI; before Azure reports one, the documented form
    ``<endpoint>.<region>.inference.ml.azure.com``."""
    host = urlparse(scoring_uri).hostname if scoring_uri else None
    return host or f"{endpoint_name}.{location}.inference.ml.azure.com"


class GlobalInferenceService(pulumi.ComponentResource):
    """An inference service in several Azure regions behind Azure Front Door or Traffic Manager.

    Builds one :class:`~ml_inference_lb.InferenceCluster` per region as a child (named
    ``<name>-<location>``, each with its own workspace, endpoint and deployments), then the global
    load balancer with one origin or endpoint per region, weighted and prioritised as the args say.
    Invalid args raise :class:`~ml_inference_lb.InferenceClusterArgsError` listing every problem of
    the service and of each region's cluster (``regions[1].cluster.deployments[0].name: ...``),
    before any resource is registered.
    """

    spec: GlobalSpec
    """The validated spec the component was built from."""
    clusters: dict[str, InferenceCluster]
    """Each region's cluster, by normalised location."""
    global_hostname: pulumi.Output[str]
    """Front Door: ``<endpoint>-<hash>.<zone>.azurefd.net``; Traffic Manager: ``<dns name>.trafficmanager.net``."""
    scoring_uri: pulumi.Output[str]
    """``https://<global hostname>/score``."""
    load_balancer_id: pulumi.Output[str]
    """ARM id of the Front Door or Traffic Manager profile."""
    regions: pulumi.Output[dict[str, dict[str, str]]]
    """Per location: ``endpoint_name``, ``host`` and ``scoring_uri`` of the region's own endpoint."""
    region_keys: pulumi.Output[dict[str, str]] | None
    """Primary key of each region's endpoint, by location, as one Pulumi secret (key auth only).
    Keys differ per region: see ``docs/global-load-balancing.md``."""

    def __init__(
        self,
        name: str,
        args: GlobalInferenceServiceArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        spec = build_global_spec(name, args)  # raises before anything is registered
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.spec = spec
        registry.record_service(spec)

        self.clusters = {}
        hosts: dict[str, pulumi.Output[str]] = {}
        for region in spec.regions:
            cluster = InferenceCluster(region.cluster_name, region.cluster_args, pulumi.ResourceOptions(parent=self))
            self.clusters[region.location] = cluster
            location = region.location
            hosts[location] = pulumi.Output.all(cluster.scoring_uri, cluster.endpoint_name).apply(
                lambda pair, loc=location: endpoint_host(pair[0], pair[1], loc)  # type: ignore[misc]
            )

        lb = spec.load_balancer
        logs = lb.diagnostics.log_analytics_workspace_id
        if logs is None and lb.diagnostics.from_region is not None:
            logs = self.clusters[lb.diagnostics.from_region].log_analytics_workspace_id
        if lb.kind == "front_door":
            refs = build_front_door(spec, lb, hosts, self, logs)
            hostname, profile_id = refs.hostname, refs.profile_id
        else:
            tm_refs = build_traffic_manager(spec, lb, hosts, self, logs)
            hostname, profile_id = tm_refs.hostname, tm_refs.profile_id

        self.global_hostname = hostname
        self.scoring_uri = hostname.apply(lambda h: f"https://{h}/score")
        self.load_balancer_id = profile_id
        self.regions = pulumi.Output.all(
            **{
                loc: pulumi.Output.all(endpoint_name=c.endpoint_name, host=hosts[loc], scoring_uri=c.scoring_uri)
                for loc, c in self.clusters.items()
            }
        )
        keyed = {loc: c.primary_key for loc, c in self.clusters.items() if c.primary_key is not None}
        self.region_keys = pulumi.Output.secret(pulumi.Output.all(**keyed)) if keyed else None

        outputs: dict[str, Any] = {
            "global_hostname": self.global_hostname,
            "scoring_uri": self.scoring_uri,
            "load_balancer_id": self.load_balancer_id,
            "regions": self.regions,
        }
        if self.region_keys is not None:
            outputs["region_keys"] = self.region_keys
        self.register_outputs(outputs)
