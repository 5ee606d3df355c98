"""The Azure target: the spec as pulumi-azure-native resources."""

from .component import TYPE_TOKEN, InferenceCluster

__all__ = ["TYPE_TOKEN", "InferenceCluster"]
