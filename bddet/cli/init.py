"""`bddet init`: create (or re-point) a workspace manifest."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..workspace import init_workspace
from ._output import info, warn

NAME = "init"
EXAMPLE = "Example:  bddet init ~/bdd-work --data-root /data/bdd100k      bddet init demo --sample"


def command(
    directory: Annotated[Path, typer.Argument(help="Workspace folder (created if needed).")] = Path("."),
    data_root: Annotated[Optional[Path], typer.Option(
        "--data-root", help="BDD100K root holding images/100k/{train,val,test} and labels/det_20/.")] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help="Generate a small synthetic dataset in the BDD100K layout (DIR/sample-data) and use it.")] = False,
) -> None:
    """Create a workspace: bddet.yaml records the data root and everything later commands produce."""
    if sample:
        if data_root is not None:
            raise typer.BadParameter("either --sample or --data-root", param_hint="--sample")
        from ..data.sample_dataset import make_sample_dataset

        data_root = make_sample_dataset(Path(directory) / "sample-data", n_train=96, n_val=24, n_test=4,
                                        n_videos=1)
        info(f"wrote a synthetic sample dataset (not BDD100K: coloured shapes on a road) to {data_root}")
    result = init_workspace(directory, data_root)
    for w in result.warnings:
        warn(w)
    verb = "created" if result.created else "updated"
    info(f"{verb} {result.workspace.manifest_path}")
