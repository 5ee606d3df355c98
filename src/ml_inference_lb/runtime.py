"""For scoring scripts: a PostgreSQL connection and a Redis client from the backing-services variables.

The same script runs on Azure and locally (``ml-inference-lb local up``)::

    from ml_inference_lb import runtime

    def init():
        global db, cache
        db = runtime.postgres_connect()   # psycopg connection to PGHOST/PGDATABASE as PGUSER
        cache = runtime.redis_client()    # redis.Redis (or RedisCluster when REDIS_CLUSTER=true)

Locally the target sets ``PGPASSWORD`` and ``REDIS_PASSWORD``, and they are used. On Azure there is no
password: the endpoint's managed identity gets a Microsoft Entra token, with azure-identity's
``ManagedIdentityCredential`` (it reads the identity endpoint Azure ML sets in the container, or the
user-assigned identity named by ``AZURE_CLIENT_ID``):

* PostgreSQL takes the token as the password, for scope ``https://ossrdbms-aad.database.windows.net/.default``
  (azure-databases-docs ``articles/postgresql/security/security-connect-with-managed-identity.md``). A token
  is needed only to open a connection: :func:`postgres_connect` asks for one each time, and azure-identity
  returns its cached token until shortly before it expires.
* Azure Managed Redis takes the identity's object id as user name and the token as password, for scope
  ``https://redis.azure.com/.default``, and needs the token renewed (``AUTH`` again) before it expires on
  open connections (azure-docs ``articles/redis/entra-for-authentication.md``). ``redis-entraid``, the
  credential provider Redis Inc. maintains for redis-py, does exactly that in the background.

Only the standard library is imported here; psycopg, redis, redis-entraid and azure-identity are loaded
when used, from the ``runtime`` extra: ``pip install 'ml-inference-lb[runtime]'``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from .spec.connection import (
    PGPASSWORD,
    REDIS_CLUSTER,
    REDIS_HOST,
    REDIS_PASSWORD,
    REDIS_PORT,
    REDIS_SSL,
    REDIS_USERNAME,
)

POSTGRES_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"
REDIS_SCOPE = "https://redis.azure.com/.default"
EXTRA = "pip install 'ml-inference-lb[runtime]'"
DEFAULT_CONNECT_TIMEOUT_S = 3
"""libpq's ``connect_timeout`` (whole seconds, at least 2): a database that is down fails the request
quickly instead of holding it until the endpoint's request timeout."""
DEFAULT_REDIS_TIMEOUT_S = 0.5
"""Socket connect and read timeout of Redis calls."""
DEFAULT_REDIS_RETRIES = 1
"""Retries of a failed Redis call, without backoff. redis-py 8 retries 10 times with a backoff of up to
1 s by default (``redis/_defaults.py``), which turns a cache outage into requests that outlast the
endpoint's timeout; a cache should fail fast so the script can fall back to the database."""


class BackingServiceNotConfigured(RuntimeError):
    """The deployment does not use this service: its variables are not set."""


def default_credential() -> Any:
    """azure-identity's ``ManagedIdentityCredential`` (user-assigned when ``AZURE_CLIENT_ID`` is set)."""
    identity = _require("azure.identity", "a Microsoft Entra token")
    return identity.ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID") or None)


def postgres_connect(
    *,
    credential: Any = None,
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT_S,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """A new ``psycopg.Connection`` from ``PGHOST``, ``PGPORT``, ``PGDATABASE``, ``PGUSER``, ``PGSSLMODE``,
    ``PGOPTIONS``, ``PGAPPNAME`` and ``PGPASSWORD`` (libpq's own variables; ``environ`` defaults to the
    process's). Without ``PGPASSWORD`` the password is a Microsoft Entra token of ``credential`` (default:
    :func:`default_credential`).

    ``kwargs`` go to ``psycopg.connect`` (``autocommit=True``, ``row_factory=...``).
    """
    env = os.environ if environ is None else environ
    if not env.get("PGHOST"):
        raise BackingServiceNotConfigured("PGHOST is not set: this deployment does not use backing_services.database")
    psycopg = _require("psycopg", "a PostgreSQL connection")
    options: dict[str, Any] = {**_libpq_parameters(env), "connect_timeout": max(2, int(connect_timeout)), **kwargs}
    if not env.get(PGPASSWORD):
        options["password"] = (credential or default_credential()).get_token(POSTGRES_SCOPE).token
    return psycopg.connect(**options)


def redis_client(
    *,
    credential: Any = None,
    credential_provider: Any = None,
    timeout: float = DEFAULT_REDIS_TIMEOUT_S,
    retries: int = DEFAULT_REDIS_RETRIES,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """A ``redis.Redis``, or ``redis.cluster.RedisCluster`` when ``REDIS_CLUSTER=true``.

    With ``REDIS_PASSWORD`` it signs in with that password. Without, with a Microsoft Entra token of
    ``credential`` (default: :func:`default_credential`) through a ``redis-entraid`` credential provider
    that renews the token in the background; or with the ``credential_provider`` given (a
    ``redis.credentials.CredentialProvider``). Each call waits at most ``timeout`` per attempt and is
    retried ``retries`` times at once. ``kwargs`` go to the client.
    """
    env = os.environ if environ is None else environ
    if not env.get(REDIS_HOST):
        raise BackingServiceNotConfigured("REDIS_HOST is not set: this deployment does not use backing_services.cache")
    redis = _require("redis", "a Redis client")
    backoff = _require("redis.backoff", "a Redis client")
    options: dict[str, Any] = {
        "retry": _require("redis.retry", "a Redis client").Retry(backoff.NoBackoff(), retries),
        "host": env[REDIS_HOST],
        "port": int(env.get(REDIS_PORT, "6379")),
        "ssl": env.get(REDIS_SSL, "false") == "true",
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        **kwargs,
    }
    if env.get(REDIS_PASSWORD):
        options["password"] = env[REDIS_PASSWORD]
        if env.get(REDIS_USERNAME):
            options["username"] = env[REDIS_USERNAME]
    else:
        options["credential_provider"] = credential_provider or entra_credential_provider(credential)
    if env.get(REDIS_CLUSTER) == "true":
        return redis.RedisCluster(**options)
    return redis.Redis(**options)


def entra_credential_provider(credential: Any = None) -> Any:
    """A ``redis-entraid`` credential provider: object id and token of ``credential``, renewed in the
    background before the token expires (redis-entraid's default: at 70% of its lifetime)."""
    cred_provider = _require("redis_entraid.cred_provider", "Microsoft Entra authentication to Redis")
    identity_provider = _require("redis_entraid.identity_provider", "Microsoft Entra authentication to Redis")
    idp = identity_provider.DefaultAzureCredentialProvider(credential or default_credential(), (REDIS_SCOPE,))
    token_manager = _require("redis.auth.token_manager", "Microsoft Entra authentication to Redis")
    config = token_manager.TokenManagerConfig(
        cred_provider.DEFAULT_EXPIRATION_REFRESH_RATIO,
        cred_provider.DEFAULT_LOWER_REFRESH_BOUND_MILLIS,
        cred_provider.DEFAULT_TOKEN_REQUEST_EXECUTION_TIMEOUT_IN_MS,
        token_manager.RetryPolicy(cred_provider.DEFAULT_MAX_ATTEMPTS, cred_provider.DEFAULT_DELAY_IN_MS),
    )
    return cred_provider.EntraIdCredentialsProvider(idp, config)


def _libpq_parameters(environ: Mapping[str, str]) -> dict[str, str]:
    names = {
        "PGHOST": "host",
        "PGPORT": "port",
        "PGDATABASE": "dbname",
        "PGUSER": "user",
        "PGSSLMODE": "sslmode",
        "PGOPTIONS": "options",
        "PGAPPNAME": "application_name",
        PGPASSWORD: "password",
    }
    return {param: environ[var] for var, param in names.items() if environ.get(var)}


def _require(module: str, purpose: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        top = module.split(".")[0]
        raise ImportError(f"{purpose} needs the {top!r} package, which is not installed: {EXTRA}") from error
