"""PNG output shared by the A/B and KPI charts: to a file, or into a stream for the web app."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from matplotlib.figure import Figure

#: A file path, or an open binary stream (the web app draws into memory).
Target = Path | BinaryIO


def save_png(figure: Figure, target: Target) -> Target:
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="png")
    return target
