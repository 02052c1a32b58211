"""Data files the programs open that are not Python modules: the demo seed dataset and the
OpenAPI contract the reference server checks against.

Found, in this order: the path in the environment variable (the installed unit sets it,
``LINKAGE_SEEDS_FILE`` / ``LINKAGE_CONTRACT_FILE``), the file in a source checkout, and the
copy the package installs beside its venv (``sys.prefix/share/linkage-kiosk/``, from
``[tool.setuptools.data-files]`` in pyproject.toml). A missing file names every place
looked in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARE = "share/linkage-kiosk"


class DataFileMissing(FileNotFoundError):
    """None of the places a data file may be holds it."""


def data_file(env_var: str, repo_relative: str) -> Path:
    """The file to open (see the module text for the order)."""
    tried: list[Path] = []
    configured = os.environ.get(env_var)
    if configured:
        path = Path(configured)
        if path.is_file():
            return path
        raise DataFileMissing(f"{env_var}={configured}: no such file")
    for candidate in (REPO / repo_relative, Path(sys.prefix) / SHARE / Path(repo_relative).name):
        if candidate.is_file():
            return candidate
        tried.append(candidate)
    raise DataFileMissing(f"{repo_relative} not found (looked in {', '.join(map(str, tried))}; "
                          f"or set {env_var})")


def default_path(env_var: str, repo_relative: str) -> Path:
    """`data_file`, or when it is nowhere the path it would have had (for a module constant:
    opening it later fails with that path, instead of failing the import)."""
    try:
        return data_file(env_var, repo_relative)
    except DataFileMissing:
        return Path(os.environ.get(env_var) or REPO / repo_relative)


def seeds_file() -> Path:
    return default_path("LINKAGE_SEEDS_FILE", "seeds/citizens.json")


def contract_file() -> Path:
    return default_path("LINKAGE_CONTRACT_FILE", "docs/linkage-api.yaml")
