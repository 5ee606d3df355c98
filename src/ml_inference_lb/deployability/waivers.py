"""Waive a rule for one resource, from the Pulumi program, with a reason everyone sees.

::

    from ml_inference_lb.deployability import waive
    waive("MLI015", "iris-endpoint", reason="the workspace's private endpoint is managed by the network team")

The offline engine records the waiver; ``plan``, ``Template`` and the contract checker then show the
finding as waived, with the reason, instead of failing on it. In a real ``pulumi up`` the call does nothing.
"""

from __future__ import annotations

import pulumi

from .. import registry
from .catalog import rule
from .model import Waiver


def waive(rule_id: str, resource: str | pulumi.Resource, *, reason: str) -> Waiver:
    """Waive rule ``rule_id`` (id or name) for the resource with this logical name (or this resource).

    ``reason`` is required and shown next to the finding: say why the rule does not apply here.
    """
    found = rule(rule_id)  # an unknown id is a typo: fail loudly rather than waive nothing
    if not reason or not reason.strip():
        raise ValueError(f"waiving {found.id} needs a reason: say why the rule does not apply")
    name = resource if isinstance(resource, str) else str(getattr(resource, "_name", ""))
    if not name:
        raise ValueError("waive() takes a resource's logical name or the resource itself")
    waiver = Waiver(found.id, name, reason.strip())
    registry.record_waiver(waiver)
    return waiver
