"""`bddet init`: create (or re-point) a workspace manifest."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..workspace import init_workspace
from ._output import info, warn

NAME = "init"
EXAMPLE = "Example:  bddet init ~/bdd-work --data-root /data/bdd100k"


def command(
    directory: Annotated[Path, typer.Argument(help="Workspace folder (created if needed).")] = Path("."),
    data_root: Annotated[Optional[Path], typer.Option(
        "--data-root", help="BDD100K root holding images/100k/{train,val,test} and labels/det_20/.")] = None,
) -> None:
    """Create a workspace: bddet.yaml records the data root and everything later commands produce."""
    result = init_workspace(directory, data_root)
    for w in result.warnings:
        warn(w)
    verb = "created" if result.created else "updated"
    info(f"{verb} {result.workspace.manifest_path}")
