"""ml_inference_lb.runtime without Azure: the password path, the Entra path with a fake credential, the
missing-extra message, and that importing it stays light (no Pulumi in a scoring container)."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import jwt
import pytest

from ml_inference_lb import runtime

AZURE_PG = {
    "PGHOST": "pg.postgres.database.azure.com",
    "PGPORT": "5432",
    "PGDATABASE": "features",
    "PGUSER": "feat-endpoint",
    "PGSSLMODE": "require",
    "PGAPPNAME": "blue",
    "PGOPTIONS": "-c search_path=v2",
}
LOCAL_PG = {"PGHOST": "127.0.0.1", "PGPORT": "55432", "PGDATABASE": "features", "PGUSER": "app", "PGPASSWORD": "pw"}
OID = "9704f36a-e98f-501b-beed-28f91e08bc78"


class FakeToken:
    def __init__(self, token: str, expires_on: int) -> None:
        self.token = token
        self.expires_on = expires_on


class FakeCredential:
    """Stands in for azure-identity's ManagedIdentityCredential: records the scopes asked for."""

    def __init__(self, token: str = "entra-token") -> None:
        self.token = token
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> FakeToken:
        self.scopes.extend(scopes)
        return FakeToken(self.token, int(time.time()) + 3600)


class RefusingCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> FakeToken:
        raise AssertionError("the password path must not ask for a token")


@pytest.fixture
def psycopg_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import psycopg

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(psycopg, "connect", lambda **kwargs: calls.append(kwargs) or "connection")
    return calls


def test_postgres_local_password_path(psycopg_calls: list[dict[str, Any]]) -> None:
    assert runtime.postgres_connect(environ=LOCAL_PG, credential=RefusingCredential()) == "connection"
    assert psycopg_calls == [
        {
            "host": "127.0.0.1",
            "port": "55432",
            "dbname": "features",
            "user": "app",
            "password": "pw",
            "connect_timeout": 3,
        }
    ]


def test_postgres_azure_entra_token_is_the_password(psycopg_calls: list[dict[str, Any]]) -> None:
    credential = FakeCredential("token-1")
    runtime.postgres_connect(environ=AZURE_PG, credential=credential, autocommit=True)
    (call,) = psycopg_calls
    assert credential.scopes == ["https://ossrdbms-aad.database.windows.net/.default"]
    assert call["password"] == "token-1"
    assert (call["host"], call["user"], call["sslmode"], call["options"]) == (
        "pg.postgres.database.azure.com",
        "feat-endpoint",
        "require",
        "-c search_path=v2",
    )
    assert call["autocommit"] is True
    # A new connection asks again: azure-identity hands out its cached token until it nears expiry.
    credential.token = "token-2"
    runtime.postgres_connect(environ=AZURE_PG, credential=credential)
    assert psycopg_calls[1]["password"] == "token-2"


def test_postgres_connect_timeout_is_whole_seconds_at_least_two(psycopg_calls: list[dict[str, Any]]) -> None:
    runtime.postgres_connect(environ=LOCAL_PG, connect_timeout=0)
    assert psycopg_calls[0]["connect_timeout"] == 2


def test_redis_local_password_path() -> None:
    env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "56379", "REDIS_SSL": "false", "REDIS_PASSWORD": "pw"}
    client = runtime.redis_client(environ=env, credential=RefusingCredential())
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["password"]) == ("127.0.0.1", 56379, "pw")
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == runtime.DEFAULT_REDIS_TIMEOUT_S
    # A cache outage must not turn into requests that outlast the endpoint's timeout: one quick retry.
    assert client.get_retry().get_retries() == 1
    assert kwargs.get("credential_provider") is None
    assert client.connection_pool.connection_class.__name__ == "Connection"  # no TLS locally


def test_redis_azure_entra_uses_object_id_and_token_and_renews_in_the_background() -> None:
    token = jwt.encode(
        {"oid": OID, "exp": int(time.time()) + 3600, "iat": int(time.time())}, "k" * 32, algorithm="HS256"
    )
    credential = FakeCredential(token)
    env = {"REDIS_HOST": "c.westeurope.redis.azure.net", "REDIS_PORT": "10000", "REDIS_SSL": "true"}
    client = runtime.redis_client(environ=env, credential=credential)
    kwargs = client.connection_pool.connection_kwargs
    assert client.connection_pool.connection_class.__name__ == "SSLConnection"
    assert kwargs.get("password") is None
    provider = kwargs["credential_provider"]
    try:
        assert provider.get_credentials() == (OID, token)
        assert set(credential.scopes) == {"https://redis.azure.com/.default"}
        assert provider.is_streaming()  # redis-entraid now renews the token before it expires
    finally:
        provider._token_mgr.stop()


def test_redis_cluster_flag_builds_a_cluster_client(monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    built: list[dict[str, Any]] = []
    monkeypatch.setattr(redis, "RedisCluster", lambda **kwargs: built.append(kwargs) or "cluster")
    env = {
        "REDIS_HOST": "c",
        "REDIS_PORT": "10000",
        "REDIS_SSL": "true",
        "REDIS_CLUSTER": "true",
        "REDIS_PASSWORD": "x",
    }
    assert runtime.redis_client(environ=env) == "cluster"
    assert built[0]["ssl"] is True


def test_an_unused_service_says_so() -> None:
    with pytest.raises(runtime.BackingServiceNotConfigured, match=r"backing_services\.database"):
        runtime.postgres_connect(environ={})
    with pytest.raises(runtime.BackingServiceNotConfigured, match=r"backing_services\.cache"):
        runtime.redis_client(environ={})


def test_a_missing_dependency_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what an environment without psycopg looks like
    with pytest.raises(ImportError, match=r"pip install 'ml-inference-lb\[runtime\]'") as caught:
        runtime.postgres_connect(environ=LOCAL_PG)
    assert "'psycopg'" in str(caught.value)


def test_importing_the_runtime_does_not_load_pulumi() -> None:
    code = "import sys, ml_inference_lb.runtime; print(sorted(m for m in ('pulumi', 'pulumi_azure_native', 'psycopg', 'redis') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
