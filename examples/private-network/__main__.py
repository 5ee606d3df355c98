"""Private network: the iris classifier with no public path in or out, a user-assigned endpoint identity,
and a Key Vault secret the scoring script receives by reference.

- ``network_isolation: private``: the workspace's managed network allows approved outbound traffic only;
  the workspace, its storage, key vault and registry accept no public connections; the endpoint is scored
  through the workspace's private endpoint in your subnet (``subnetId``), whose DNS zones the stack creates
  and links to the subnet's virtual network. One outbound rule: a private endpoint to the key vault that
  holds the signing key.
- ``endpoint.identity: user_assigned``: the stack creates the identity and grants it AcrPull, Storage Blob
  Data Reader and AzureML Metrics Writer before any deployment, and Key Vault Secrets User on the one secret.
- The environment is a curated Azure ML image: an isolated registry cannot build conda environments.

Run ``pulumi up`` from a machine that reaches the storage account's private endpoint (in or peered with the
virtual network), or list its public address in ``deployerIpRanges``: model and code files are uploaded to
the workspace storage. Offline: ``ml-inference-lb plan examples/private-network`` (the config defaults are
placeholders). Details: docs/network-isolation.md and docs/security.md.
"""

import pulumi

from ml_inference_lb import InferenceCluster

# Placeholders so that `plan` runs offline; set your own with `pulumi config set subnetId ...`.
PLACEHOLDER = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups"
config = pulumi.Config()
subnet_id = config.get("subnetId") or (
    f"{PLACEHOLDER}/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-private-endpoints"
)
key_vault_id = config.get("keyVaultId") or f"{PLACEHOLDER}/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-ml-secrets"
signing_key_version = config.get("signingKeyVersion") or "0123456789abcdef0123456789abcdef"

network = {
    "mode": "private",
    "private_endpoint": {"subnet_id": subnet_id},
    "outbound_rules": [
        {"name": "signing-key-vault", "type": "private_endpoint", "resource_id": key_vault_id, "subresource": "vault"}
    ],
}
if config.get_object("deployerIpRanges"):
    network["deployer_ip_ranges"] = config.get_object("deployerIpRanges")
if config.get_object("dnsZoneIds"):  # e.g. {"privatelink.api.azureml.ms": "<zone id>", ...} from a hub network
    network["private_endpoint"]["dns_zone_ids"] = config.get_object("dnsZoneIds")

cluster = InferenceCluster(
    "iris",
    {
        "resource_group_name": config.get("resourceGroupName") or "rg-ml-inference-private",
        "network_isolation": network,
        "endpoint": {"auth_mode": "aad_token", "identity": "user_assigned"},
        "secrets": {
            "signing-key": {
                "key_vault_id": key_vault_id,
                "secret_name": "response-signing-key",
                "version": signing_key_version,
            }
        },
        "pool": {"instance_type": "Standard_DS3_v2", "instance_count": 3},
        "request_settings": {"max_concurrent_requests_per_instance": 2},  # = WORKER_COUNT
        "deployments": [
            {
                "name": "blue",
                "traffic_percent": 100,
                "model": {"path": "../quickstart/model", "name": "iris-softmax"},
                "code": {"path": "src", "scoring_script": "score.py", "name": "iris-signed"},
                "environment": {"asset_id": "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"},
                "environment_variables": {"WORKER_COUNT": "2"},
                "secret_environment_variables": {"RESPONSE_SIGNING_KEY": "signing-key"},
            }
        ],
        "tags": {"app": "iris", "owner": "ml-platform", "network": "private"},
    },
)

pulumi.export("scoring_uri", cluster.scoring_uri)
pulumi.export("endpoint_name", cluster.endpoint_name)
pulumi.export("workspace_name", cluster.workspace_name)
