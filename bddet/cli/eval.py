"""`bddet eval`: the official BDD100K detection metrics, per class and per condition."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..data.categories import FRAME_CONDITIONS
from ._options import JsonOpt, WorkspaceOpt
from ._output import console, fmt_number, info, print_json, print_table, warn

NAME = "eval"
EXAMPLE = ("Example:  bddet eval --set val --by weather      "
           "bddet eval --gt det_val.json --preds det.json --out scores.json")


def command(
    split: Annotated[str, typer.Option("--set", help="Which labels: val or train (det_20).")] = "val",
    preds: Annotated[Optional[str], typer.Option(
        "--preds", help="Predictions: a Scalabel det.json, a run folder, or an inference run id (default: the "
                        "current run).")] = None,
    gt: Annotated[Optional[Path], typer.Option(
        "--gt", help="Ground truth (default: <data root>/labels/det_20/det_<set>.json).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the official --out-file JSON here.")] = None,
    by: Annotated[Optional[List[str]], typer.Option(
        "--by", help=f"Also break down by a frame attribute: {', '.join(FRAME_CONDITIONS)} (repeatable).")] = None,
    nproc: Annotated[Optional[int], typer.Option("--nproc", min=1, help="Threads for matching.")] = None,
    report_dir: Annotated[Optional[Path], typer.Option(
        "--report", help="Write an HTML page here: PR curves, AP by size and condition, confusion, error breakdown.")] = None,
    gallery: Annotated[Optional[Path], typer.Option(
        "--gallery", help="A `bddet vis` folder to link the worst frames to (default: the run's).")] = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Score predictions exactly as the official BDD100K evaluator, much faster."""
    from ..evaluation.evaluate import evaluate  # numpy and the compiled kernels: only when evaluating
    from ..evaluation.metrics import TABLE_METRICS
    from ..workspace import find_workspace, find_workspace_or_none, names_a_file

    ws = find_workspace_or_none(workspace)
    is_path = preds is not None and names_a_file(preds)  # a file or folder; else a run id
    if preds is None or gt is None:
        ws = ws or find_workspace(workspace)  # no workspace: the error says how to make one
    report = evaluate(Path(preds) if is_path else None, gt=gt, workspace=ws, run=None if is_path else preds,
                      split=split, by=by or (), out=out, nproc=nproc, report=report_dir, gallery=gallery)
    metrics = report.metrics
    for line in report.messages:
        warn(line)
    if as_json:
        print_json(report.to_dict())
    else:
        print_table(f"{report.pred_path.name} vs {report.gt_path.name}: {metrics.n_frames} frames, {metrics.n_gt} "
                    f"boxes, {metrics.n_pred} predictions", ["class", *TABLE_METRICS],
                    [(name, *map(fmt_number, values)) for name, values in metrics.rows()])
        if report.published_ap is not None:
            console.print(f"{report.model.alias}: {report.published_label} {report.published_ap:.2f}, ours "
                          f"{metrics.overall['AP']:.2f} ({report.ap_difference:+.2f})", highlight=False, soft_wrap=True)
        for cond, vals in report.by.items():
            print_table(f"OVERALL by {cond}", [cond, "frames", *TABLE_METRICS],
                        [(value, m.n_frames, *map(fmt_number, m.rows()[-1][1])) for value, m in vals.items()])
        if report.errors is not None:
            from ._output import print_error_breakdown

            print_error_breakdown(report.errors)
    info(f"evaluated in {report.seconds:.1f}s" + (f"; wrote {out}" if out else "")
         + (f"; report {report.report_index}" if report.report_index else ""))
