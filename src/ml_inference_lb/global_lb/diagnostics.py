"""The global load balancer's resource logs and metrics, sent to a Log Analytics workspace.

Front Door Standard/Premium (``Microsoft.Cdn/profiles``): access, health-probe and WAF logs; Traffic
Manager: probe health events; both with all metrics. Categories: ``rules.FD_LOG_CATEGORIES`` and
``rules.TM_LOG_CATEGORIES`` (Azure Monitor's supported-logs reference, sources in ``rules.py``). Front
Door logs nothing until a diagnostic setting exists (``articles/frontdoor/standard-premium/how-to-logs.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from .model import GlobalDiagnosticsSpec

SETTING_NAME = "ml-inference-lb"


def build_lb_diagnostics(
    logical_name: str,
    diagnostics: GlobalDiagnosticsSpec,
    destination: pulumi.Input[str] | None,
    resource_uri: pulumi.Input[str],
    categories: Sequence[str],
    parent: pulumi.Resource,
) -> azure_native.monitor.DiagnosticSetting | None:
    """``destination``: the workspace the spec resolved (its own id, or the chosen region's)."""
    if not diagnostics.enabled or destination is None:
        return None
    logs: list[Any] = [{"category": category, "enabled": True} for category in categories]
    return azure_native.monitor.DiagnosticSetting(
        logical_name,
        name=SETTING_NAME,
        resource_uri=resource_uri,
        workspace_id=destination,
        logs=logs,
        metrics=[{"category": "AllMetrics", "enabled": True}],
        opts=pulumi.ResourceOptions(parent=parent),
    )
