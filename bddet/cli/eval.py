"""`bddet eval`: the official BDD100K detection metrics, per class and per condition."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..data.categories import FRAME_CONDITIONS
from ..errors import BddetError
from ..workspace import find_workspace, find_workspace_or_none, record_run, resolve_run
from ..zoo import list_models, sample_models
from ._options import JsonOpt, WorkspaceOpt
from ._output import console, fmt_number, info, print_json, print_table, warn

NAME = "eval"
EXAMPLE = ("Example:  bddet eval --set val --by weather      "
           "bddet eval --gt det_val.json --preds det.json --out scores.json")
TABLE_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR100")


def _zoo_model_of(preds: Path, run_record: dict | None):
    """The zoo model behind these predictions: the run's model, or a downloaded preds file's name."""
    names = {m.name: m for m in (*list_models(), *sample_models())}
    if run_record and run_record.get("model") in names and not run_record.get("trained"):
        return names[run_record["model"]]
    return names.get(preds.stem)


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
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Score predictions exactly as the official BDD100K evaluator, much faster."""
    from ..evaluate import OVERALL, evaluate_files, write_official_json  # numpy/numba: only when evaluating

    if split not in ("val", "train"):
        raise typer.BadParameter("labels exist for val and train only (test is scored by the BDD100K server)",
                                 param_hint="--set")
    by = list(dict.fromkeys(by or ()))
    for cond in by:
        if cond not in FRAME_CONDITIONS:
            raise typer.BadParameter(f"'{cond}': choose from {', '.join(FRAME_CONDITIONS)}", param_hint="--by")
    ws = find_workspace_or_none(workspace)
    run_id, run_record = None, None
    if preds is not None and (preds.endswith(".json") or Path(preds).is_file()):
        pred_path = Path(preds)
    else:
        ws = ws or find_workspace(workspace)  # no workspace: the error says how to make one
        run_id, run_record = resolve_run(ws, preds)
        pred_path = ws.resolve(run_record["predictions"])
    if gt is None:
        ws = ws or find_workspace(workspace)
        ran_on = (run_record or {}).get("set")
        if ran_on and ran_on != split:
            raise BddetError(f"run {run_id} predicted the {ran_on} set, not {split}"
                             + ("; the test set has no public labels (submit det.json to the BDD100K server)"
                                if ran_on == "test" else f"; use --set {ran_on}"))
        gt = ws.data_root() / "labels" / "det_20" / f"det_{split}.json"

    started = time.perf_counter()
    report = evaluate_files(gt, pred_path, tuple(by), nproc)
    seconds = time.perf_counter() - started
    metrics = report.metrics
    if out is not None:
        write_official_json(metrics, out)

    if report.empty_predictions:
        warn(f"{pred_path}: no predictions for any labelled frame; every metric is 0 (as the official evaluator)")
    if report.frames_without_predictions and not report.empty_predictions:
        warn(f"{report.frames_without_predictions} labelled frames have no predictions (their objects count as missed)")
    if report.predicted_frames_not_in_gt:
        warn(f"{report.predicted_frames_not_in_gt} predicted frames are not in {gt.name} and were ignored")

    model = _zoo_model_of(pred_path, run_record)
    if as_json:
        print_json({"gt": str(gt), "preds": str(pred_path), "metrics": metrics.to_official(),
                    "by": {c: {v: m.to_official() for v, m in vals.items()} for c, vals in report.by.items()}})
    else:
        rows = [(cls, *(fmt_number(metrics.per_class[m][cls]) for m in TABLE_METRICS))
                for cls in metrics.per_class["AP"]]
        rows.append((OVERALL, *(fmt_number(metrics.overall[m]) for m in TABLE_METRICS)))
        print_table(f"{pred_path.name} vs {gt.name}: {metrics.n_frames} frames, {metrics.n_gt} boxes, "
                    f"{metrics.n_pred} predictions", ["class", *TABLE_METRICS], rows)
        if model is not None and split == "val":
            ours = metrics.overall["AP"]
            where = "published val AP" if model in list_models() else "recorded sample val AP"
            diff = round(ours - model.ap_val, 2) + 0.0  # + 0.0: no "-0.00"
            console.print(f"{model.alias}: {where} {model.ap_val:.2f}, ours {ours:.2f} ({diff:+.2f})",
                          highlight=False, soft_wrap=True)
        for cond, vals in report.by.items():
            by_rows = [(value, m.n_frames, *(fmt_number(m.overall[k]) for k in TABLE_METRICS))
                       for value, m in vals.items()]
            print_table(f"OVERALL by {cond}", [cond, "frames", *TABLE_METRICS], by_rows)
    info(f"evaluated in {seconds:.1f}s" + (f"; wrote {out}" if out else ""))

    if ws is not None:
        record_run(ws, "eval_results", "eval", {
            "run": run_id, "predictions": str(pred_path), "gt": str(gt), "set": split,
            "model": model.name if model else None,
            **{m: _plain(metrics.overall[m]) for m in ("AP", "AP50", "AP75", "AR100")},
            "by": {c: {v: _plain(m.overall["AP"]) for v, m in vals.items()} for c, vals in report.by.items()},
            "out": str(out) if out else None, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}, make_current=False)


def _plain(value: float) -> float | None:
    """Manifest values: rounded for people, NaN as null (YAML readers disagree on .nan)."""
    return None if value != value else round(value, 4)

