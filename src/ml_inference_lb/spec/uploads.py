"""Which local files a model or code folder uploads: ignore files as the Azure ML CLI reads them, no links out.

Rules (sources and reasons in ``docs/assets.md``, "Uploads"):

- The folder's ``.amlignore`` if it has one, else its ``.gitignore``, else none; only the folder's own file, as
  azure-ai-ml reads it (``_utils/_asset_utils.py``, ``get_ignore_file``). Each line is a gitignore pattern, and a
  file is left out when the last pattern that matches its path relative to the folder is not a ``!`` pattern
  (``IgnoreFile.is_file_excluded``). The patterns are ``pathspec``'s ``GitWildMatchPattern``, the class azure-ai-ml
  copied into ``_utils/_pathspec.py``.
- Before those lines come the library's own defaults, so the ignore file can undo them with ``!``: hidden files and
  folders (``.env``, ``.git/``, ``.venv/``), ``__pycache__/`` and ``*.pyc``.
- A symbolic link is followed only while it stays in the folder; a link out of it (or a broken one, or one to a
  folder that contains it) is a validation error naming it, unless the ignore rules leave it out. azure-ai-ml
  follows every link (``os.walk(..., followlinks=True)``); the library refuses to upload what lies outside.

The asset version is a hash of exactly the files uploaded: their relative names and bytes.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pathspec
from pathspec.patterns.gitwildmatch import GitWildMatchPattern

AML_IGNORE = ".amlignore"
GIT_IGNORE = ".gitignore"
DEFAULT_IGNORE = (".*", "__pycache__/", "*.pyc")
"""The library's own exclusions, read before the folder's ignore file (which may re-include with ``!``)."""


@dataclass(frozen=True)
class UploadFile:
    relative: str
    """The name under the upload prefix, with ``/`` separators (a link keeps its own name)."""
    source: str
    """The real path of the bytes (a link inside the folder, resolved)."""


@dataclass(frozen=True)
class Upload:
    """A file or folder to upload, and what of it goes up."""

    root: str
    files: tuple[UploadFile, ...]
    ignore_file: str | None
    """``.amlignore`` or ``.gitignore`` when the folder has one (relative name), else None."""
    left_out: tuple[str, ...] = ()
    """Relative names the ignore rules (defaults and ignore file) leave out."""

    @property
    def single_file(self) -> bool:
        return os.path.isfile(self.root)

    @property
    def size(self) -> int:
        return sum(os.path.getsize(f.source) for f in self.files)

    def content_hash(self) -> str:
        """16 hex characters over the uploaded files' relative names and bytes, in upload order."""
        digest = hashlib.sha256()
        for file in self.files:
            digest.update(file.relative.encode())
            digest.update(b"\0")
            with open(file.source, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
        return digest.hexdigest()[:16]


def ignore_spec(folder: str, defaults: Sequence[str] = DEFAULT_IGNORE) -> tuple[pathspec.PathSpec[Any], str | None]:
    """The defaults, then the folder's ``.amlignore`` or else ``.gitignore`` (azure-ai-ml's precedence)."""
    lines = list(defaults)
    chosen = None
    for name in (AML_IGNORE, GIT_IGNORE):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                lines += [line.rstrip() for line in handle]
            chosen = name
            break
    with warnings.catch_warnings():
        # pathspec 1.x deprecates this pattern class for git-closer ones; azure-ai-ml matches with exactly this one
        # (its _utils/_pathspec.py is a copy of it), and tests/test_uploads.py checks the two agree.
        warnings.simplefilter("ignore", DeprecationWarning)
        return pathspec.PathSpec([GitWildMatchPattern(line) for line in lines]), chosen


def collect(path: str) -> tuple[Upload, list[str]]:
    """The upload of ``path`` (a file or a folder), and what is wrong with it (links out of the folder)."""
    if not os.path.isdir(path):
        only = UploadFile(os.path.basename(path), os.path.realpath(path))
        return Upload(root=path, files=(only,), ignore_file=None), []
    root = os.path.realpath(path)
    spec, ignore_file = ignore_spec(path)
    # Without "!" lines, a folder the rules match holds nothing that is uploaded: skip it unread. With them, a file
    # below may be re-included (azure-ai-ml matches each file on its own), so the walk goes on.
    prune = not any(pattern.include is False for pattern in spec.patterns)
    files: list[UploadFile] = []
    left_out: list[str] = []
    problems: list[str] = []

    def walk(folder: str, relative: str, seen: tuple[str, ...]) -> None:
        subfolders = []
        for name in sorted(os.listdir(folder)):
            full = os.path.join(folder, name)
            rel = f"{relative}{name}"
            is_dir = os.path.isdir(full)
            if is_dir and spec.match_file(rel + "/") and (prune or os.path.islink(full)):
                left_out.append(rel + "/")
                continue
            if not is_dir and spec.match_file(rel):
                left_out.append(rel)
                continue
            if os.path.islink(full):
                real = os.path.realpath(full)
                if not os.path.exists(real):
                    problems.append(_link(f"{rel} is a symbolic link to {os.readlink(full)}, which does not exist"))
                    continue
                if real != root and not real.startswith(root + os.sep):
                    problems.append(_link(f"{rel} is a symbolic link to {real}, outside the folder"))
                    continue
                if is_dir and real in seen:
                    problems.append(_link(f"{rel} is a symbolic link to a folder that contains it (a loop)"))
                    continue
            if is_dir:
                subfolders.append((full, rel))
            else:
                files.append(UploadFile(rel, os.path.realpath(full)))
        for full, rel in subfolders:  # files first, then each subfolder: os.walk's top-down order
            walk(full, rel + "/", (*seen, os.path.realpath(full)))

    walk(path, "", (root,))
    if not files and not problems:
        rules = f"the library's defaults and {ignore_file}" if ignore_file else "the library's defaults"
        problems.append(f"no file is left to upload: {rules} leave out every file")
    return Upload(root=path, files=tuple(files), ignore_file=ignore_file, left_out=tuple(left_out)), problems


def _link(what: str) -> str:
    return (
        f"{what}; the library follows links only inside the folder it uploads: copy what is needed into it, "
        f"or leave the link out with a line in {AML_IGNORE}"
    )
