"""The install planner: a catalogue entry -> the argv lists that install it, and the server
config that runs it. Never a shell string: every step is an argv list for exec, and only
catalogue entries with well-formed package names and versions are accepted."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from actors.mcp.catalogue import CatalogueEntry
from actors.mcp.config import SERVER_ID_RE, ServerConfig

# PEP 508 distribution names, and npm names (optionally scoped). Neither may start with '-',
# so a name can never be read as an option of pip or npm.
PYPI_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?$")
NPM_NAME_RE = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]{0,100}/)?[a-z0-9][a-z0-9._~-]{0,213}$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$")
COMMAND_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

InstallTarget = Literal["platform", "venv"]


class InstallRejected(ValueError):
    """The request names nothing installable; `field` is the request field to blame."""

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class InstallPlan:
    name: str  # the catalogue entry
    registry_type: str
    package: str
    version: str | None
    steps: list[list[str]]  # argv lists, run in order
    server: ServerConfig
    target: str
    bin_dir: Path
    notes: list[str] = field(default_factory=list)


def find_entry(name: str, catalogue: list[CatalogueEntry]) -> CatalogueEntry:
    """The entry named `name` (its server.json name, or its server id). Exact match only."""
    if not isinstance(name, str) or not name or len(name) > 200:
        raise InstallRejected("name must be the name of a catalogue entry")
    for entry in catalogue:
        if name in (entry.name, entry.server_id):
            return entry
    known = ", ".join(sorted(e.name for e in catalogue)) or "none"
    raise InstallRejected(f"'{name[:80]}' is not in the catalogue (known: {known})")


def plan_install(
    name: str,
    catalogue: list[CatalogueEntry],
    *,
    target: InstallTarget = "platform",
    python: str | None = None,
    venv_dir: Path,
    npm_prefix: Path,
    npm: str = "npm",
) -> InstallPlan:
    entry = find_entry(name, catalogue)
    package = entry.package
    if package is None:
        raise InstallRejected(f"catalogue entry '{entry.name}' has no pypi or npm package over stdio")
    version = package.version
    if version is not None and not VERSION_RE.match(version):
        raise InstallRejected(f"catalogue entry '{entry.name}' has a malformed version {version!r}")
    command = entry.command
    if command is None or not COMMAND_RE.match(command):
        raise InstallRejected(f"catalogue entry '{entry.name}' has a malformed command {command!r}")
    server_id = entry.server_id
    if not SERVER_ID_RE.match(server_id):
        raise InstallRejected(f"catalogue entry '{entry.name}' has a malformed server id {server_id!r}")
    args = [a.value for a in package.packageArguments if a.type == "positional" and a.value]

    steps: list[list[str]] = []
    if package.registryType == "pypi":
        if not PYPI_NAME_RE.match(package.identifier):
            raise InstallRejected(f"'{package.identifier}' is not a valid PyPI package name")
        requirement = package.identifier + (f"=={version}" if version else "")
        if target == "venv":
            steps.append([python or sys.executable, "-m", "venv", str(venv_dir)])
            interpreter = str(venv_dir / "bin" / "python")
            bin_dir = venv_dir / "bin"
        else:
            interpreter = python or sys.executable
            bin_dir = Path(interpreter).parent
        # `--` ends the options: whatever follows is a requirement, never an option.
        steps.append(
            [interpreter, "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--", requirement]
        )
    elif package.registryType == "npm":
        if not NPM_NAME_RE.match(package.identifier):
            raise InstallRejected(f"'{package.identifier}' is not a valid npm package name")
        spec = package.identifier + (f"@{version}" if version else "")
        bin_dir = npm_prefix / "node_modules" / ".bin"
        steps.append([npm, "install", "--prefix", str(npm_prefix), "--no-audit", "--no-fund", "--", spec])
    else:  # package() only returns pypi or npm
        raise InstallRejected(f"cannot install {package.registryType} packages")

    server = ServerConfig(
        id=server_id,
        transport="stdio",
        command=str(bin_dir / command),
        args=args,
        description=entry.description,
        source=entry.name,
    )
    return InstallPlan(
        name=entry.name,
        registry_type=package.registryType,
        package=package.identifier,
        version=version,
        steps=steps,
        server=server,
        target=target if package.registryType == "pypi" else "npm",
        bin_dir=bin_dir,
    )
