"""The local target: serve an InferenceCluster on loopback with the Azure ML inference server and Traefik.

``serve(spec_or_directory)`` is a context manager yielding a :class:`LocalCluster` (its
``scoring_uri``, ``key``, ``status()``, ``kill_replica()``...); ``ml-inference-lb local up DIR`` does
the same from the command line.
"""

from .cluster import DeploymentStatus, LocalCluster, load_specs, serve
from .errors import LocalTargetError

__all__ = ["DeploymentStatus", "LocalCluster", "LocalTargetError", "load_specs", "serve"]
