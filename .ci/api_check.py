"""Compare the public API with the last release; fail on a break the CHANGELOG does not announce.

    python .ci/api_check.py [--against REF]

The public API (docs/releasing.md): the names in ``__all__`` of the packages listed in
``PUBLIC_MODULES`` (their signatures, class members, dataclass fields and TypedDict fields) and the
names listed for the one module the docs present by path. Other modules are internal, and the spec
dataclasses' constructors too (the library builds specs; users read their fields). griffe (https://mkdocstrings.github.io/griffe/)
loads both versions statically, from this checkout and from a git worktree of the baseline, and
finds the breaks: a removed name, field or parameter, a renamed or moved parameter, a parameter
made required, a changed default, a changed kind of object, a removed base class. griffe does
not compare annotations yet, so this script adds one rule for TypedDicts (the args users write):
a field that became required, or whose type changed, is a break.

The baseline is the newest ``v*`` tag reachable from HEAD (the last release). Before the first
release there is none: ``.ci/api-baseline`` names the commit whose API stands in for it.

A break is announced when the ``[Unreleased]`` section of CHANGELOG.md names it, in backticks, by the
key this script prints (``ml_inference_lb.args.DeploymentArgs.mirror_percent``, or for a parameter
``ml_inference_lb.plan.render.render_tree(show_inputs)``). Exit status: 0 no unannounced break,
1 an unannounced break, 2 no baseline could be loaded.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import griffe

PACKAGE = "ml_inference_lb"
# Packages whose __all__ is public API (None), or a module and the names of it the docs present.
PUBLIC_MODULES: dict[str, tuple[str, ...] | None] = {
    "ml_inference_lb": None,
    "ml_inference_lb.azure": None,
    "ml_inference_lb.spec": None,
    "ml_inference_lb.plan": None,
    "ml_inference_lb.contract": None,
    "ml_inference_lb.testing": None,
    "ml_inference_lb.local": None,
    "ml_inference_lb.global_lb": None,
    "ml_inference_lb.deployability": None,
    "ml_inference_lb.rollout": None,
    "ml_inference_lb.runtime": None,
    "ml_inference_lb.global_lb.local": ("serve_global", "LocalGlobalService"),
}
# Frozen spec dataclasses: users read them (``PlanResult.specs``, ``build_spec``); the library builds them.
# Their fields are API; their constructors' parameters are not.
BUILT_BY_THE_LIBRARY = ("ml_inference_lb.spec.", "ml_inference_lb.global_lb.model.")
PARAMETER_KINDS = {
    griffe.BreakageKind.PARAMETER_MOVED,
    griffe.BreakageKind.PARAMETER_REMOVED,
    griffe.BreakageKind.PARAMETER_CHANGED_KIND,
    griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT,
    griffe.BreakageKind.PARAMETER_CHANGED_REQUIRED,
    griffe.BreakageKind.PARAMETER_ADDED_REQUIRED,
}


@dataclass(frozen=True)
class Break:
    key: str
    """What the CHANGELOG names to announce it."""
    reason: str


def baseline_ref(root: Path) -> tuple[str, str]:
    """The ref to compare with, and why that one."""
    described = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*"], cwd=root, capture_output=True, text=True
    )
    if described.returncode == 0 and described.stdout.strip():
        tag = described.stdout.strip()
        return tag, f"the last release, tag {tag}"
    lines = (root / ".ci" / "api-baseline").read_text(encoding="utf-8").splitlines()
    ref = next(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return ref, f"no v* tag yet: the commit .ci/api-baseline names, {ref[:12]}"


def hide_internal_modules(module: griffe.Object | griffe.Alias) -> None:
    """Mark every module not in PUBLIC_MODULES as internal: griffe counts any module without ``_`` as public."""
    for member in module.members.values():
        if not member.is_alias and member.is_module:
            if member.path not in PUBLIC_MODULES:
                member.public = False
            hide_internal_modules(member)


def _constructor_of_spec(key: str) -> bool:
    return key.startswith(BUILT_BY_THE_LIBRARY) and ".__init__(" in key


def _key(breakage: griffe.Breakage) -> str:
    if breakage.kind in PARAMETER_KINDS:
        parameter = breakage.old_value if breakage.old_value is not None else breakage.new_value
        return f"{breakage.obj.path}({parameter.name})"
    return breakage.obj.path


def _resolve(obj: griffe.Object | griffe.Alias) -> griffe.Object | None:
    try:
        return obj.final_target if obj.is_alias else obj
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _public_members(module: griffe.Object | griffe.Alias, names: tuple[str, ...] | None) -> Iterator[griffe.Object]:
    for name, member in module.all_members.items():
        if (names is None and member.is_public) or (names is not None and name in names):
            resolved = _resolve(member)
            if resolved is not None:
                yield resolved


def _typed_dicts(root: griffe.Object | griffe.Alias) -> dict[str, griffe.Object]:
    """Every TypedDict reachable from the public API: public classes and the classes their fields name."""
    modules = _modules(root)
    todo = [
        obj
        for path, names in PUBLIC_MODULES.items()
        if path in modules
        for obj in _public_members(modules[path], names)
    ]
    seen: dict[str, griffe.Object] = {}
    while todo:
        obj = todo.pop()
        if not obj.is_class or obj.path in seen:
            continue
        seen[obj.path] = obj
        for member in obj.all_members.values():
            field = _resolve(member)
            if field is not None and field.is_attribute and field.annotation is not None:
                todo += [target for name in _names_in(field.annotation, field) if (target := _resolve(name))]
    return {path: cls for path, cls in seen.items() if any(str(b).split(".")[-1] == "TypedDict" for b in cls.bases)}


def _names_in(annotation: object, scope: griffe.Object) -> Iterator[griffe.Object | griffe.Alias]:
    """Classes an annotation names (``NotRequired[CodeArgs]`` -> ``CodeArgs``), resolved in the defining module."""
    module = scope.module
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(annotation)):
        member = module.all_members.get(word)
        if member is not None:
            yield member


def _modules(root: griffe.Object | griffe.Alias) -> dict[str, griffe.Object | griffe.Alias]:
    modules: dict[str, griffe.Object | griffe.Alias] = {}
    for path in PUBLIC_MODULES:
        try:
            modules[path] = root if path == PACKAGE else root[path.removeprefix(PACKAGE + ".")]
        except KeyError:
            continue
    return modules


def _required(field: griffe.Object) -> bool:
    annotation = str(field.annotation)
    if annotation.startswith(("NotRequired[", "typing_extensions.NotRequired[", "typing.NotRequired[")):
        return False
    if annotation.startswith(("Required[", "typing_extensions.Required[", "typing.Required[")):
        return True
    total = field.parent.keywords.get("total") if field.parent is not None else None
    return str(total) != "False"


def _bare(annotation: object) -> str:
    return re.sub(r"^(typing_extensions\.|typing\.)?(NotRequired|Required)\[(.*)\]$", r"\3", str(annotation))


def typed_dict_breaks(old: griffe.Object | griffe.Alias, new: griffe.Object | griffe.Alias) -> Iterator[Break]:
    """A TypedDict field that became required, or whose type changed (griffe does not compare annotations)."""
    new_dicts = _typed_dicts(new)
    for path, old_dict in sorted(_typed_dicts(old).items()):
        new_dict = new_dicts.get(path)
        if new_dict is None:
            continue  # a removed class is griffe's to report
        old_fields = {n: f for n, f in old_dict.all_members.items() if f.is_attribute}
        for name, field in new_dict.all_members.items():
            if not field.is_attribute:
                continue
            before = old_fields.get(name)
            if before is None:
                if _required(field):
                    yield Break(f"{path}.{name}", "TypedDict field added as required")
                continue
            if _required(field) and not _required(before):
                yield Break(f"{path}.{name}", "TypedDict field became required")
            if _bare(field.annotation) != _bare(before.annotation):
                yield Break(
                    f"{path}.{name}",
                    f"TypedDict field type changed: {_bare(before.annotation)} -> {_bare(field.annotation)}",
                )


def find_breaks(old: griffe.Object | griffe.Alias, new: griffe.Object | griffe.Alias) -> list[Break]:
    breaks: dict[tuple[str, str], Break] = {}
    hide_internal_modules(old)
    hide_internal_modules(new)
    old_modules, new_modules = _modules(old), _modules(new)
    for path, names in PUBLIC_MODULES.items():
        if path not in old_modules:
            continue
        if path not in new_modules:
            breaks[(path, "removed")] = Break(path, "Public module was removed")
            continue
        for breakage in griffe.find_breaking_changes(old_modules[path], new_modules[path]):
            key = _key(breakage)
            if names is not None and not any(key.startswith(f"{path}.{name}") for name in names):
                continue
            if _constructor_of_spec(key):
                continue
            breaks.setdefault((key, breakage.kind.value), Break(key, breakage.kind.value))
    for extra in typed_dict_breaks(old, new):
        breaks.setdefault((extra.key, extra.reason), extra)
    return sorted(breaks.values(), key=lambda b: (b.key, b.reason))


def unreleased_section(changelog: str) -> str:
    match = re.search(r"^## \[Unreleased\][^\n]*\n(.*?)(?=^## \[|\Z)", changelog, re.M | re.S)
    return match.group(1) if match else ""


def unannounced(breaks: Iterable[Break], changelog: str) -> list[Break]:
    section = unreleased_section(changelog)
    return [b for b in breaks if f"`{b.key}`" not in section]


def load_current(root: Path) -> griffe.Object | griffe.Alias:
    return griffe.load(PACKAGE, search_paths=[root / "src"], resolve_aliases=False)


def load_baseline(root: Path, ref: str) -> griffe.Object | griffe.Alias:
    return griffe.load_git(PACKAGE, ref=ref, repo=root, search_paths=["src"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", help="baseline git ref (default: the last v* tag, else .ci/api-baseline)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root: Path = args.root
    ref, why = (args.against, f"--against {args.against}") if args.against else baseline_ref(root)
    try:
        old = load_baseline(root, ref)
    except Exception as error:  # git or griffe: either way there is nothing to compare with
        print(f"api check: cannot load the public API at {ref} ({why}): {error}", file=sys.stderr)
        return 2
    breaks = find_breaks(old, load_current(root))
    missing = unannounced(breaks, (root / "CHANGELOG.md").read_text(encoding="utf-8"))
    print(f"api check: public API compared with {why}: {len(breaks)} breaking change(s), {len(missing)} unannounced")
    for item in breaks:
        state = "UNANNOUNCED" if item in missing else "announced"
        print(f"  {state}: `{item.key}`: {item.reason}")
    if missing:
        print(
            "Announce each break in CHANGELOG.md under [Unreleased] (### Changed or ### Removed) with the key above "
            "in backticks, following the deprecation policy in docs/releasing.md; or restore the old API."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
