"""VM SKUs Azure ML managed online endpoints support: family (as the quota page names it), vCPUs, and
whether the 20 % upgrade reserve applies.

Data from MicrosoftDocs/azure-ai-docs articles/machine-learning/reference-managed-online-endpoints-vm-sku-list.md
("Skip 20% Reservation" column); the reserve itself: how-to-manage-quotas.md ("We reserve 20% extra compute
resources for performing upgrades").
"""

from __future__ import annotations

from typing import NamedTuple


class Sku(NamedTuple):
    family: str
    vcpus: int
    skips_upgrade_reserve: bool


UPGRADE_RESERVE = 0.20
MAX_INSTANCES_PER_DEPLOYMENT = 50
MAX_DEPLOYMENTS_PER_ENDPOINT = 20

SKUS: dict[str, Sku] = {
    "STANDARD_D2AS_V4": Sku("standardDASv4Family", 2, False),
    "STANDARD_D4AS_V4": Sku("standardDASv4Family", 4, False),
    "STANDARD_D8AS_V4": Sku("standardDASv4Family", 8, False),
    "STANDARD_D16AS_V4": Sku("standardDASv4Family", 16, False),
    "STANDARD_D32AS_V4": Sku("standardDASv4Family", 32, False),
    "STANDARD_D48AS_V4": Sku("standardDASv4Family", 48, False),
    "STANDARD_D64AS_V4": Sku("standardDASv4Family", 64, False),
    "STANDARD_D96AS_V4": Sku("standardDASv4Family", 96, False),
    "STANDARD_D2A_V4": Sku("standardDAv4Family", 2, False),
    "STANDARD_D4A_V4": Sku("standardDAv4Family", 4, False),
    "STANDARD_D8A_V4": Sku("standardDAv4Family", 8, False),
    "STANDARD_D16A_V4": Sku("standardDAv4Family", 16, False),
    "STANDARD_D32A_V4": Sku("standardDAv4Family", 32, False),
    "STANDARD_D48A_V4": Sku("standardDAv4Family", 48, False),
    "STANDARD_D64A_V4": Sku("standardDAv4Family", 64, False),
    "STANDARD_D96A_V4": Sku("standardDAv4Family", 96, False),
    "STANDARD_DS1_V2": Sku("standardDSv2Family", 1, False),
    "STANDARD_DS2_V2": Sku("standardDSv2Family", 2, False),
    "STANDARD_DS3_V2": Sku("standardDSv2Family", 4, False),
    "STANDARD_DS4_V2": Sku("standardDSv2Family", 8, False),
    "STANDARD_DS5_V2": Sku("standardDSv2Family", 16, False),
    "STANDARD_E2S_V3": Sku("standardESv3Family", 2, False),
    "STANDARD_E4S_V3": Sku("standardESv3Family", 4, False),
    "STANDARD_E8S_V3": Sku("standardESv3Family", 8, False),
    "STANDARD_E16S_V3": Sku("standardESv3Family", 16, False),
    "STANDARD_E32S_V3": Sku("standardESv3Family", 32, False),
    "STANDARD_E48S_V3": Sku("standardESv3Family", 48, False),
    "STANDARD_E64S_V3": Sku("standardESv3Family", 64, False),
    "STANDARD_F2S_V2": Sku("standardFSv2Family", 2, False),
    "STANDARD_F4S_V2": Sku("standardFSv2Family", 4, False),
    "STANDARD_F8S_V2": Sku("standardFSv2Family", 8, False),
    "STANDARD_F16S_V2": Sku("standardFSv2Family", 16, False),
    "STANDARD_F32S_V2": Sku("standardFSv2Family", 32, False),
    "STANDARD_F48S_V2": Sku("standardFSv2Family", 48, False),
    "STANDARD_F64S_V2": Sku("standardFSv2Family", 64, False),
    "STANDARD_F72S_V2": Sku("standardFSv2Family", 72, False),
    "STANDARD_FX4MDS": Sku("standardFXMDVSFamily", 4, False),
    "STANDARD_FX12MDS": Sku("standardFXMDVSFamily", 12, False),
    "STANDARD_FX24MDS": Sku("standardFXMDVSFamily", 24, False),
    "STANDARD_FX36MDS": Sku("standardFXMDVSFamily", 36, False),
    "STANDARD_FX48MDS": Sku("standardFXMDVSFamily", 48, False),
    "STANDARD_L8AS_V3": Sku("standardLASv3Family", 8, False),
    "STANDARD_L16AS_V3": Sku("standardLASv3Family", 16, False),
    "STANDARD_L32AS_V3": Sku("standardLASv3Family", 32, False),
    "STANDARD_L48AS_V3": Sku("standardLASv3Family", 48, False),
    "STANDARD_L64AS_V3": Sku("standardLASv3Family", 64, False),
    "STANDARD_L80AS_V3": Sku("standardLASv3Family", 80, False),
    "STANDARD_L8S_V2": Sku("standardLSv2Family", 8, False),
    "STANDARD_L16S_V2": Sku("standardLSv2Family", 16, False),
    "STANDARD_L32S_V2": Sku("standardLSv2Family", 32, False),
    "STANDARD_L48S_V2": Sku("standardLSv2Family", 48, False),
    "STANDARD_L64S_V2": Sku("standardLSv2Family", 64, False),
    "STANDARD_L80S_V2": Sku("standardLSv2Family", 80, False),
    "STANDARD_L8S_V3": Sku("standardLSv3Family", 8, False),
    "STANDARD_L16S_V3": Sku("standardLSv3Family", 16, False),
    "STANDARD_L32S_V3": Sku("standardLSv3Family", 32, False),
    "STANDARD_L48S_V3": Sku("standardLSv3Family", 48, False),
    "STANDARD_L64S_V3": Sku("standardLSv3Family", 64, False),
    "STANDARD_L80S_V3": Sku("standardLSv3Family", 80, False),
    "STANDARD_NC24ADS_A100_V4": Sku("standardNCADSA100v4Family", 24, True),
    "STANDARD_NC48ADS_A100_V4": Sku("standardNCADSA100v4Family", 48, True),
    "STANDARD_NC96ADS_A100_V4": Sku("standardNCADSA100v4Family", 96, True),
    "STANDARD_NC4AS_T4_V3": Sku("standardNCASv3_T4Family", 4, False),
    "STANDARD_NC8AS_T4_V3": Sku("standardNCASv3_T4Family", 8, False),
    "STANDARD_NC16AS_T4_V3": Sku("standardNCASv3_T4Family", 16, False),
    "STANDARD_NC64AS_T4_V3": Sku("standardNCASv3_T4Family", 64, False),
    "STANDARD_NC6S_V2": Sku("standardNCSv2Family", 6, False),
    "STANDARD_NC12S_V2": Sku("standardNCSv2Family", 12, False),
    "STANDARD_NC24S_V2": Sku("standardNCSv2Family", 24, False),
    "STANDARD_NC6S_V3": Sku("standardNCSv3Family", 6, False),
    "STANDARD_NC12S_V3": Sku("standardNCSv3Family", 12, False),
    "STANDARD_NC24S_V3": Sku("standardNCSv3Family", 24, False),
    "STANDARD_NC40ADS_H100_V5": Sku("standardNCADSH100v5Family", 40, True),
    "STANDARD_NC80ADIS_H100_V5": Sku("standardNCADSH100v5Family", 80, True),
    "STANDARD_ND96AMSR_A100_V4": Sku("standardNDAMSv4_A100Family", 96, True),
    "STANDARD_ND96ASR_V4": Sku("standardNDASv4_A100Family", 96, True),
    "STANDARD_ND40RS_V2": Sku("standardNDSv2Family", 40, True),
    "STANDARD_ND96IS_H100_V5": Sku("standardNDv5H100Family", 96, True),
    "STANDARD_ND96ISR_H100_V5": Sku("standardNDv5H100Family", 96, True),
    "STANDARD_NV6ADS_A10_V5": Sku("standardNVADSA10v5Family", 6, False),
    "STANDARD_NV12ADS_A10_V5": Sku("standardNVADSA10v5Family", 12, False),
    "STANDARD_NV18ADS_A10_V5": Sku("standardNVADSA10v5Family", 18, False),
    "STANDARD_NV36ADS_A10_V5": Sku("standardNVADSA10v5Family", 36, False),
    "STANDARD_NV36ADMS_A10_V5": Sku("standardNVADSA10v5Family", 36, False),
    "STANDARD_NV72ADS_A10_V5": Sku("standardNVADSA10v5Family", 72, False),
}


def sku(instance_type: str) -> Sku | None:
    """The SKU of an instance type, matched case-insensitively (Azure ML accepts ``Standard_DS3_v2``)."""
    return SKUS.get(instance_type.upper())
