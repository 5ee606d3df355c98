"""Global load balancing: one inference service in several regions behind Front Door or Traffic Manager.

Args (``args.py``) → one validated :class:`GlobalSpec` (``build.py`` for the service and regions,
``build_lb.py`` for the load balancer, ``rules.py`` for Azure's limits, ``model.py``) → targets: Azure
(``component.py``, ``front_door.py``, ``traffic_manager.py``) and the local router (``local.py``,
``local_config.py``). Each region is an :class:`~ml_inference_lb.InferenceCluster` built as a child
of the service.
"""

from .args import GlobalInferenceServiceArgs, LoadBalancerArgs, ProbeArgs, RegionArgs, WafArgs
from .build import build_global_spec, normalise_location
from .component import GlobalInferenceService
from .model import FrontDoorSpec, GlobalSpec, RegionSpec, StatusRange, TrafficManagerSpec, WafSpec

__all__ = [
    "FrontDoorSpec",
    "GlobalInferenceService",
    "GlobalInferenceServiceArgs",
    "GlobalSpec",
    "LoadBalancerArgs",
    "ProbeArgs",
    "RegionArgs",
    "RegionSpec",
    "StatusRange",
    "TrafficManagerSpec",
    "WafArgs",
    "WafSpec",
    "build_global_spec",
    "normalise_location",
]
