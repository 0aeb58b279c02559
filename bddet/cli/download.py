"""`bddet download`: zoo weights and artifacts into the cache, recorded in the workspace."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ._options import WorkspaceOpt
from ._output import console, err_console, info, warn

NAME = "download"
EXAMPLE = ("Example:  bddet download cascade_rcnn_swin-t      "
           "bddet download faster_rcnn_r50_fpn_1x --what weights,preds --mirror http://mirror.example/bdd100k/det/")
# the catalogue's artifact kinds (zoo.catalogue.ARTIFACT_KINDS) but the checksum, which comes with the weights
KINDS = ("weights", "scores-val", "scores-test", "preds", "visuals")


def _parse_kinds(what: str) -> list[str]:
    kinds = [k.strip() for k in what.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise typer.BadParameter(f"'{what}': choose from {','.join(KINDS)}", param_hint="--what")
    return kinds


def command(
    names: Annotated[List[str], typer.Argument(metavar="NAME...", help="Model names, zoo or yours (a prefix is enough).")],
    what: Annotated[str, typer.Option("--what", help=f"Comma-separated artifacts: {','.join(KINDS)}.")] = "weights",
    mirror: Annotated[Optional[List[str]], typer.Option(
        "--mirror", help="Base URL with the official layout, tried first (repeatable).")] = None,
    from_file: Annotated[Optional[Path], typer.Option(
        "--from-file", help="Import weights obtained elsewhere (verified when the MD5 can be fetched).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Fetch again even if cached.")] = False,
    no_verify: Annotated[bool, typer.Option(
        "--no-verify", help="Accept weights when no published MD5 can be fetched (recorded as unverified).")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Download zoo weights (MD5-checked, resumable, from mirrors) into the per-user cache."""
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)

    from ..workspace import find_workspace_or_none
    from ..zoo.catalogue import resolve_model
    from ..zoo.download import download

    kinds = _parse_kinds(what)
    ws = find_workspace_or_none(workspace)
    models = [resolve_model(n, ws) for n in names]  # zoo, sample and your own models, as every command
    if from_file is not None and (len(models) != 1 or kinds != ["weights"]):
        raise typer.BadParameter("imports the weights of exactly one model", param_hint="--from-file")
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=err_console, disable=not err_console.is_terminal) as progress:
        tasks: dict[str, int] = {}

        def on_progress(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=total)
            progress.update(tasks[label], completed=done, total=total)

        for model in models:
            for kind in kinds:
                result = download(model, kind, workspace=ws, mirrors=mirror or (), force=force,
                                  no_verify=no_verify, from_file=from_file, on_progress=on_progress)
                state = "verified" if result.verified else ("unverified" if kind == "weights" else "no checksum published")
                origin = "already cached" if result.source == "cache" else f"from {result.source}"
                console.print(f"{model.alias} {kind}: {result.path} ({state}, {origin})",
                                       soft_wrap=True, highlight=False)
                if kind == "weights" and not result.verified:
                    warn(f"{model.alias}: no published MD5 was available; the weights are unverified")
    if ws is None and "weights" in kinds:
        info("no workspace found: weights are cached but not recorded (run `bddet init` to have later commands use them)")
