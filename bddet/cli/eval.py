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
TABLE_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR100")


def command(
    split: Annotated[str, typer.Option("--set", help="Which labels: val or train (det_20).")] = "val",
    preds: Annotated[Optional[str], typer.Option(
        "--preds", help="Predictions: a Scalabel det.json, or an inference run id (default: the current run).")] = None,
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
    from ..evaluation.evaluate import OVERALL, evaluate  # numpy/numba: only when evaluating
    from ..workspace import find_workspace, find_workspace_or_none, names_a_file

    if split not in ("val", "train"):
        raise typer.BadParameter("labels exist for val and train only (test is scored by the BDD100K server)",
                                 param_hint="--set")
    by = list(dict.fromkeys(by or ()))
    for cond in by:
        if cond not in FRAME_CONDITIONS:
            raise typer.BadParameter(f"'{cond}': choose from {', '.join(FRAME_CONDITIONS)}", param_hint="--by")
    ws = find_workspace_or_none(workspace)
    is_file = preds is not None and names_a_file(preds)
    if not is_file or gt is None:
        ws = ws or find_workspace(workspace)  # no workspace: the error says how to make one
    report = evaluate(Path(preds) if is_file else None, gt=gt, workspace=ws, run=None if is_file else preds,
                      split=split, by=by, out=out, nproc=nproc, report=report_dir, gallery=gallery)
    metrics, pred_path, gt_path = report.metrics, report.pred_path, report.gt_path

    for line in report.warnings:
        warn(line)
    if report.empty_predictions:
        warn(f"{pred_path}: no predictions for any labelled frame; every metric is 0 (as the official evaluator)")
    if report.frames_without_predictions and not report.empty_predictions:
        warn(f"{report.frames_without_predictions} labelled frames have no predictions (their objects count as missed)")
    if report.predicted_frames_not_in_gt:
        warn(f"{report.predicted_frames_not_in_gt} predicted frames are not in {gt_path.name} and were ignored")

    if as_json:
        print_json({"gt": str(gt_path), "preds": str(pred_path), "metrics": metrics.to_official(),
                    "by": {c: {v: m.to_official() for v, m in vals.items()} for c, vals in report.by.items()}})
    else:
        rows = [(cls, *(fmt_number(metrics.per_class[m][cls]) for m in TABLE_METRICS))
                for cls in metrics.per_class["AP"]]
        rows.append((OVERALL, *(fmt_number(metrics.overall[m]) for m in TABLE_METRICS)))
        print_table(f"{pred_path.name} vs {gt_path.name}: {metrics.n_frames} frames, {metrics.n_gt} boxes, "
                    f"{metrics.n_pred} predictions", ["class", *TABLE_METRICS], rows)
        if report.published_ap is not None:
            ours = metrics.overall["AP"]
            where = {"published": "published val AP", "sample": "recorded sample val AP"}.get(
                report.model.source, "recorded val AP")
            diff = round(ours - report.published_ap, 2) + 0.0  # + 0.0: no "-0.00"
            console.print(f"{report.model.alias}: {where} {report.published_ap:.2f}, ours {ours:.2f} ({diff:+.2f})",
                          highlight=False, soft_wrap=True)
        for cond, vals in report.by.items():
            by_rows = [(value, m.n_frames, *(fmt_number(m.overall[k]) for k in TABLE_METRICS))
                       for value, m in vals.items()]
            print_table(f"OVERALL by {cond}", [cond, "frames", *TABLE_METRICS], by_rows)
    if report.errors is not None and not as_json:
        from ._output import print_error_breakdown

        print_error_breakdown(report.errors)
    info(f"evaluated in {report.seconds:.1f}s" + (f"; wrote {out}" if out else "")
         + (f"; report {report.report_index}" if report.report_index else ""))
