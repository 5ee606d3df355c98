"""The connection contract: the environment variables a scoring script sees for its backing services.

ONE function, :func:`connection_environment`, builds them for every target, so a script written once
connects the same way on Azure and locally. The names are the ecosystem's own where they exist:

* PostgreSQL: libpq's environment variables, which psycopg (and ``psql``) read by themselves
  (PostgreSQL documentation, "libpq - Environment Variables"): ``PGHOST``, ``PGPORT``, ``PGDATABASE``,
  ``PGUSER``, ``PGSSLMODE``, ``PGAPPNAME``, ``PGOPTIONS`` (only with a schema:
  ``-c search_path=<schema>``) and, **locally only**, ``PGPASSWORD``.
* Redis: there is no standard set, so the library documents its own ``REDIS_*`` set: ``REDIS_HOST``,
  ``REDIS_PORT``, ``REDIS_SSL`` (``true``/``false``), ``REDIS_CLUSTER`` (``true`` when the client must
  speak the Redis Cluster API), ``REDIS_USERNAME`` (Azure: the identity's object id, the user name
  Azure Managed Redis expects with an Entra token) and, **locally only**, ``REDIS_PASSWORD``.

Azure gets no password variable at all: the script finds none and authenticates with a Microsoft Entra
token of the endpoint's identity (see :mod:`ml_inference_lb.runtime`). The local target generates
passwords and passes them as ``PGPASSWORD`` and ``REDIS_PASSWORD``. This module imports nothing but
the standard library, so the runtime helper can import it without loading Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from .backing_model import DeploymentBackingSpec

V = TypeVar("V")
"""A value: ``str`` locally, ``pulumi.Input[str]`` on Azure (host names are known only after creation)."""

PGHOST, PGPORT, PGDATABASE, PGUSER = "PGHOST", "PGPORT", "PGDATABASE", "PGUSER"
PGSSLMODE, PGAPPNAME, PGOPTIONS, PGPASSWORD = "PGSSLMODE", "PGAPPNAME", "PGOPTIONS", "PGPASSWORD"
REDIS_HOST, REDIS_PORT, REDIS_SSL = "REDIS_HOST", "REDIS_PORT", "REDIS_SSL"
REDIS_CLUSTER, REDIS_USERNAME, REDIS_PASSWORD = "REDIS_CLUSTER", "REDIS_USERNAME", "REDIS_PASSWORD"

POSTGRES_VARIABLES = (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE, PGAPPNAME, PGOPTIONS, PGPASSWORD)
REDIS_VARIABLES = (REDIS_HOST, REDIS_PORT, REDIS_SSL, REDIS_CLUSTER, REDIS_USERNAME, REDIS_PASSWORD)
PASSWORD_VARIABLES = (PGPASSWORD, REDIS_PASSWORD)
"""Set by the local target only. Their absence is what tells a script to use Microsoft Entra ID."""

AZURE_POSTGRES_PORT = 5432
AZURE_POSTGRES_SSLMODE = "require"
"""Azure Database for PostgreSQL flexible server accepts TLS connections only (``require_secure_transport``)."""
AZURE_REDIS_PORT = 10000
"""Azure Managed Redis listens on 10000, TLS (Azure Managed Redis architecture, "Clustering")."""


@dataclass(frozen=True)
class PostgresEndpoint(Generic[V]):
    """Where a target's PostgreSQL server is and who connects: filled by the target."""

    host: V
    port: int
    user: V
    sslmode: str
    password: V | None = None
    """Local only; the Azure target never sets it."""


@dataclass(frozen=True)
class RedisEndpoint(Generic[V]):
    """Where a target's Redis is and who connects: filled by the target."""

    host: V
    port: int
    ssl: bool
    cluster: bool
    username: V | None = None
    password: V | None = None
    """Local only; the Azure target never sets it."""


def connection_environment(
    deployment: str,
    uses: DeploymentBackingSpec,
    postgres: PostgresEndpoint[V] | None,
    redis: RedisEndpoint[V] | None,
) -> dict[str, V | str]:
    """The environment variables of one deployment's containers (Azure) or replicas (local).

    ``postgres``/``redis`` describe the target's servers; a service the deployment does not use is
    left out even when given. A used service whose endpoint is missing is a target bug, so it raises.
    """
    env: dict[str, V | str] = {}
    if uses.database is not None:
        if postgres is None:
            raise ValueError(f"deployment {deployment!r} uses the database, but the target gave no PostgreSQL endpoint")
        env[PGHOST] = postgres.host
        env[PGPORT] = str(postgres.port)
        env[PGDATABASE] = uses.database.database
        env[PGUSER] = postgres.user
        env[PGSSLMODE] = postgres.sslmode
        env[PGAPPNAME] = deployment
        if uses.database.schema is not None:
            env[PGOPTIONS] = f"-c search_path={uses.database.schema}"
        if postgres.password is not None:
            env[PGPASSWORD] = postgres.password
    if uses.cache:
        if redis is None:
            raise ValueError(f"deployment {deployment!r} uses the cache, but the target gave no Redis endpoint")
        env[REDIS_HOST] = redis.host
        env[REDIS_PORT] = str(redis.port)
        env[REDIS_SSL] = _flag(redis.ssl)
        env[REDIS_CLUSTER] = _flag(redis.cluster)
        if redis.username is not None:
            env[REDIS_USERNAME] = redis.username
        if redis.password is not None:
            env[REDIS_PASSWORD] = redis.password
    return env


def reserved_variables(uses: DeploymentBackingSpec) -> tuple[str, ...]:
    """Names the contract owns for a deployment: its own ``environment_variables`` must not set them."""
    return (POSTGRES_VARIABLES if uses.database is not None else ()) + (REDIS_VARIABLES if uses.cache else ())


def without_passwords(env: Mapping[str, V]) -> dict[str, V]:
    """``env`` minus the local-only password variables: what may be shown or logged."""
    return {k: v for k, v in env.items() if k not in PASSWORD_VARIABLES}


def _flag(value: bool) -> str:
    return "true" if value else "false"
