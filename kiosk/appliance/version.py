"""The installed software version, shown to technicians and in the metrics."""

from __future__ import annotations

from importlib import metadata


def software_version() -> str:
    # The distribution metadata, not ``kiosk.__version__``: in an editable install run from
    # outside the repo, ``kiosk`` can resolve as a namespace package without attributes.
    try:
        return metadata.version("linkage-kiosk")
    except metadata.PackageNotFoundError:
        return "unknown"
