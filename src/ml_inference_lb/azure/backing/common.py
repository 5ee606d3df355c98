"""What the cache and database modules share: their placement, generated names and ARM id parsing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_random as random

from ...spec import ClusterSpec
from ..workspace import WorkspaceRefs


@dataclass(frozen=True)
class Placement:
    """Where new services go and how they are tagged (the cluster's resource group and region)."""

    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    tags: dict[str, str]

    @classmethod
    def of(cls, spec: ClusterSpec, workspace: WorkspaceRefs) -> Placement:
        location = spec.location if spec.location is not None else workspace.location
        return cls(resource_group_name=spec.resource_group_name, location=location, tags=dict(spec.tags))


def generated_name(
    given: str | None, prefix: str, suffix_name: str, parent: pulumi.Resource, lowercase: bool
) -> pulumi.Input[str]:
    """``given``, or ``<prefix>-<5 random characters>`` for names Azure needs unique (DNS names)."""
    if given is not None:
        return given
    suffix = random.RandomString(
        suffix_name, length=5, upper=False, special=False, numeric=True, opts=pulumi.ResourceOptions(parent=parent)
    )
    name: pulumi.Output[str] = suffix.result.apply(lambda s: f"{prefix.lower() if lowercase else prefix}-{s}")
    return name


@dataclass(frozen=True)
class ArmId:
    """The parts of an existing resource's ARM id that its child resources need."""

    id: pulumi.Output[str]
    subscription_id: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    name: pulumi.Output[str]

    @classmethod
    def parse(cls, value: Any) -> ArmId:
        """``value`` is ``pulumi.Input[str]``; the spec already checked its form when it was a string."""
        full = pulumi.Output.from_input(value)
        return cls(
            id=full,
            subscription_id=full.apply(lambda v: _part(v, "subscriptions")),
            resource_group_name=full.apply(lambda v: _part(v, "resourceGroups")),
            name=full.apply(lambda v: v.rstrip("/").rsplit("/", 1)[-1]),
        )


def resource_group_id(arm_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """``/subscriptions/<s>/resourceGroups/<rg>`` of a resource's id."""
    return pulumi.Output.from_input(arm_id).apply(
        lambda v: f"/subscriptions/{_part(v, 'subscriptions')}/resourceGroups/{_part(v, 'resourceGroups')}"
    )


def subscription_of(arm_id: str) -> str:
    return _part(arm_id, "subscriptions")


def _part(arm_id: str, key: str) -> str:
    parts = arm_id.strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == key.lower():
            return parts[i + 1]
    raise ValueError(f"{arm_id!r} has no {key} segment")
