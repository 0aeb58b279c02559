"""`bddet vis`: pictures of predictions, ground truth and errors, with an HTML gallery."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._options import WorkspaceOpt
from ._output import ImageProgress, console, info, warn

NAME = "vis"
EXAMPLE = ("Example:  bddet vis out/ --errors --limit 200      bddet vis pics/ --preds det.json --images ~/dashcam"
           "      bddet vis out/ --video")


def command(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help=(
        "Folder for the pictures and index.html; or an inference run (id or output folder), drawn into RUN/vis."))],
    preds: Annotated[Optional[str], typer.Option("--preds", help="det.json, run folder or inference run id (default: current run).")] = None,
    gt: Annotated[Optional[Path], typer.Option("--gt", help="Ground truth to draw (default: the run's set labels).")] = None,
    images: Annotated[Optional[Path], typer.Option("--images", help="Image folder (default: the run's images).")] = None,
    score_thr: Annotated[float, typer.Option("--score-thr", min=0.0, max=1.0, help="Draw detections scoring at least this.")] = 0.3,
    classes: Annotated[Optional[str], typer.Option("--classes", help="Only these classes, comma-separated.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most this many pictures.")] = None,
    errors: Annotated[bool, typer.Option("--errors", help="Colour by outcome at IoU 0.5: TP, FP, missed.")] = False,
    sort: Annotated[str, typer.Option("--sort", help="Picture order: errors (worst first) or name.")] = "errors",
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Drawing processes.")] = None,
    video: Annotated[bool, typer.Option("--video", help="Draw a run on videos as annotated MP4s (H.264, the "
                                                        "source frame rate), one per video.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Draw predictions (and ground truth, and errors) on the images, with a gallery to browse."""
    from ..vis.gallery import visualize
    from ..workspace import find_workspace, find_workspace_or_none, names_a_file, run_folder

    class_list = [c.strip() for c in classes.split(",")] if classes else None
    ws = find_workspace_or_none(workspace)
    target = run_folder(ws, out_dir) if preds is None else None
    if target is not None:  # `bddet vis infer-2 --video`, `bddet vis run/`: that run, drawn into its vis/
        preds, out_dir = str(out_dir), target / "vis"
    is_path = preds is not None and names_a_file(preds)  # a file or folder; else a run id
    if preds is None:
        ws = ws or find_workspace(workspace)  # the current run needs a workspace: the error says how
    with ImageProgress("vis") as progress:
        report = visualize(Path(preds) if is_path else None, out=out_dir, images=images, gt=gt, workspace=ws,
                           run=None if is_path else preds, score_thr=score_thr, classes=class_list, limit=limit,
                           errors=errors, sort=sort, workers=workers, on_progress=progress, video=video)
    if report.missing_images:
        warn(f"{len(report.missing_images)} {'inputs' if video else 'images'} could not be read and were skipped: "
             + "; ".join(report.missing_images[:5]) + (" …" if len(report.missing_images) > 5 else ""))
    for note in report.notes:
        warn(note)
    if report.videos:
        n = len(report.videos)
        info(f"{n} annotated video{'s' if n != 1 else ''} ({sum(v.frames for v in report.videos)} frames) in "
             f"{report.out_dir / 'videos'}")
    if report.items or not report.videos:
        info(f"{len(report.items)} pictures in {report.out_dir}")
    console.print(f"open {report.index_html.resolve()}", highlight=False, soft_wrap=True)
