"""dbt packages: what packages.yml lists, read from where `dbt deps` installed it.

dbt reads packages at run time from its install folder (`dbt_packages/`, or
the project's `packages-install-path`): every folder there holding a
dbt_project.yml is a package, and packages.yml only says what should be
there. The engine does the same, and checks every entry of packages.yml (or
dependencies.yml) against what is installed, so a missing one is an error at
its line saying how to install it: `warehouse deps` for a `local:` package,
`dbt deps` for hub and git ones, which need a network the engine never uses.

Each installed package is read as a project of its own (`PackageConfig`,
warehouse/dbt/package_config.py) and its files are read with the root
project's, by their paths under the install folder; `config_for(config, path)`
says which project a file belongs to.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError

FILES = ("packages.yml", "dependencies.yml")
DEFAULT_INSTALL_PATH = "dbt_packages"
_KINDS = ("package", "git", "local", "tarball", "private")


@dataclass(frozen=True)
class PackageEntry:
    """One item of packages.yml: how it is fetched and where it was written."""

    kind: str  # "package" (dbt hub), "git", "local", "tarball" or "private"
    spec: str  # what the entry names: dbt-labs/dbt_utils, a URL, a path
    file: str
    line: int | None = None
    column: int | None = None
    name: str | None = None  # the installed project's name, when package-lock.yml says it
    subdirectory: str | None = None

    def where(self, text: str | None = None) -> dict[str, Any]:
        from warehouse.core.errors import caret_snippet

        snippet = caret_snippet(text, self.line, self.column) if text and self.line else None
        return {"path": self.file, "line": self.line, "column": self.column,
                "snippet": snippet or None}

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.spec}"

    @property
    def source(self) -> str:
        """Where dbt deps fetches it from, in words."""
        return {"package": "the dbt hub", "git": "git", "tarball": "a tarball URL",
                "private": "a private git host"}.get(self.kind, self.kind)


def read_entries(root: Path) -> tuple[list[PackageEntry], str | None]:
    """The entries of packages.yml or dependencies.yml (dbt refuses both at once), and
    that file's text (for snippets in errors); ([], None) when neither lists any."""
    from warehouse.core.properties import load_yaml
    from warehouse.core.textfile import read_text
    from warehouse.core.yaml_load import item_position, key_position

    found: list[tuple[str, str, Any]] = []
    for name in FILES:
        if (root / name).is_file():
            text = read_text(root / name, name)
            data = load_yaml(text, name) or {}
            if not isinstance(data, Mapping):
                raise ProjectError(f"{name} must be a mapping with a 'packages:' list", path=name)
            if data.get("projects"):
                line, column = key_position(data, "projects")
                raise ProjectError(f"'projects:' in {name} (dbt Mesh references to other "
                                   "projects) is not supported", path=name, line=line,
                                   column=column)
            if data.get("packages"):
                found.append((name, text, data))
    if len(found) > 1:
        raise ProjectError("packages are listed in both packages.yml and dependencies.yml",
                           path=found[1][0], hint="dbt reads one of them: keep the list in one")
    if not found:
        return [], None
    name, text, data = found[0]
    items = data["packages"]
    if not isinstance(items, list):
        line, column = key_position(data, "packages")
        raise ProjectError(f"'packages:' of {name} must be a list", path=name, line=line,
                           column=column)
    locked = _locked_names(root)
    entries = []
    for index, item in enumerate(items):
        line, column = item_position(items, index)
        entries.append(_entry(item, name, line, column, locked))
    return entries, text


def _entry(item: Any, file: str, line: int | None, column: int | None,
           locked: Mapping[str, str]) -> PackageEntry:
    from warehouse.core.yaml_load import strip_lines

    item = strip_lines(item)
    kinds = [k for k in _KINDS if isinstance(item, Mapping) and k in item]
    if len(kinds) != 1:
        raise ProjectError(f"a package entry needs one of {', '.join(_KINDS)}, got {item!r}",
                           path=file, line=line, column=column,
                           hint="write `- package: dbt-labs/dbt_utils` with a `version:`, "
                                "`- git: URL` or `- local: path/to/package`")
    kind = kinds[0]
    spec = str(item[kind])
    sub = item.get("subdirectory")
    return PackageEntry(kind, spec, file, line, column, name=locked.get(spec),
                        subdirectory=str(sub) if sub else None)


def _locked_names(root: Path) -> dict[str, str]:
    """`name:` of each entry of package-lock.yml (dbt 1.7+ writes it), by what the entry
    names; a lock file that cannot be read only costs the name guess."""
    import yaml

    path = root / "package-lock.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    names = {}
    for item in data.get("packages") or () if isinstance(data, Mapping) else ():
        if isinstance(item, Mapping) and item.get("name"):
            for kind in _KINDS:
                if kind in item:
                    names[str(item[kind])] = str(item["name"])
    return names


def installed(root: Path, install_path: str) -> dict[str, str]:
    """Package name -> its folder (posix, relative to the root project), for every folder
    of the install folder, as dbt loads them (folders starting with `__` are skipped)."""
    from warehouse.core.properties import load_yaml
    from warehouse.core.textfile import read_text

    base = root / install_path
    if not base.is_dir():
        return {}
    found: dict[str, str] = {}
    for child in sorted(base.iterdir()):
        if not child.is_dir() or child.name.startswith("__"):
            continue
        rel = posixpath.join(Path(install_path).as_posix(), child.name)
        if not (child / "dbt_project.yml").is_file():
            raise ProjectError(f"{rel} is not a dbt package: it has no dbt_project.yml",
                               path=rel, hint="remove the folder, or install the package "
                               "again (`dbt deps`, or `warehouse deps` for a local one)")
        shown = f"{rel}/dbt_project.yml"
        data = load_yaml(read_text(child / "dbt_project.yml", shown), shown) or {}
        name = data.get("name") if isinstance(data, Mapping) else None
        if not isinstance(name, str) or not name:
            raise ProjectError("a package's dbt_project.yml needs a name", path=shown)
        if name in found:
            raise ProjectError(f"two installed packages are named {name!r} ({found[name]} "
                               f"and {rel})", path=shown, hint="remove one of the folders")
        found[name] = rel
    return found


def local_name(root: Path, entry: PackageEntry) -> str:
    """The project name of a `local:` package, read from its own dbt_project.yml."""
    from warehouse.core.properties import load_yaml
    from warehouse.core.textfile import read_text

    source = (root / entry.spec).resolve()
    project = source / "dbt_project.yml"
    if not project.is_file():
        what = "does not exist" if not source.exists() else "has no dbt_project.yml"
        raise ProjectError(f"local package {entry.spec!r}: {source} {what}",
                           **entry.where(), hint="a local: path is relative to the project "
                           "folder and names a folder holding a dbt_project.yml")
    data = load_yaml(read_text(project, str(project)), str(project)) or {}
    name = data.get("name") if isinstance(data, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ProjectError(f"local package {entry.spec!r}: its dbt_project.yml has no name",
                           **entry.where())
    return name


def guessed_names(entry: PackageEntry) -> list[str]:
    """Names a hub or git package is likely installed under: the lock file's name, else
    the hub name or repository name, with `-` as `_`, with and without a `dbt_` prefix
    (dbt-labs/dbt-audit-helper installs as audit_helper)."""
    if entry.name:
        return [entry.name]
    spec = entry.spec.rstrip("/")
    if entry.subdirectory:
        base = entry.subdirectory.rstrip("/").rsplit("/", 1)[-1]
    else:
        base = re.sub(r"\.git$", "", spec.rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    base = base.replace("-", "_").lower()
    names = [base]
    if base.startswith("dbt_") and len(base) > 4:
        names.append(base[4:])
    return names


def check_installed(root: Path, install_path: str, entries: list[PackageEntry],
                    text: str | None, found: Mapping[str, str]) -> None:
    """An error at the first entry of packages.yml that is not installed. A hub or git
    entry whose folder name cannot be told from the entry counts as installed while
    there are installed packages no entry claims (dbt itself only compares counts)."""
    claimed: set[str] = set()
    unknown: list[PackageEntry] = []
    for entry in entries:
        if entry.kind == "local":
            name = local_name(root, entry)
            if name not in found:
                raise ProjectError(
                    f"local package {entry.spec!r} ({name}) is not installed in "
                    f"{install_path}/", **entry.where(text),
                    hint="run `warehouse deps` to install it, then build again")
            claimed.add(name)
            continue
        names = [n for n in guessed_names(entry) if n in found]
        if names:
            claimed.add(names[0])
        else:
            unknown.append(entry)
    spare = len([n for n in found if n not in claimed])
    if len(unknown) > spare:
        entry = unknown[spare]
        raise ProjectError(
            f"package {entry.spec!r} (from {entry.source}) is not installed in "
            f"{install_path}/",
            **entry.where(text),
            hint="run `dbt deps` where the network is reachable (the engine fetches "
                 "nothing), then build again; `warehouse deps` installs `local:` packages")


def config_for(config: Any, path: str) -> Any:
    """The project a file belongs to: the package whose folder holds it, else the root."""
    for package in getattr(config, "packages", ()):
        if path.startswith(package.package_dir + "/"):
            return package
    return config
