"""evaluate(): score a prediction file or an inference run as the official BDD100K evaluator does.

The numbers come from metrics.py; this module reads the files, resolves a workspace's run and
labels, adds per-condition breakdowns, the HTML report, the published AP of the model behind
the predictions, the lines a user should read, and records the result in the workspace.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LabelError, OptionsError
from .metrics import DetMetrics, check_conditions, match_labels, metrics_by_condition, metrics_of, write_official_json

if TYPE_CHECKING:  # annotations only: keeping `import bddet` light
    from ..data.det_labels import DetLabels
    from ..zoo.catalogue import ZooModel
    from .metrics import Matching
    from .tide import ErrorBreakdown

# How the AP beside a model's name is described, by where the model comes from.
_PUBLISHED_LABELS = {"published": "published val AP", "sample": "recorded sample val AP", "user": "recorded val AP"}


@dataclass
class EvalReport:
    """The result of evaluating one prediction file against one label file."""

    gt_path: Path
    pred_path: Path
    metrics: DetMetrics
    by: dict[str, dict[str, DetMetrics]] = field(default_factory=dict)
    frames_without_predictions: int = 0
    predicted_frames_not_in_gt: int = 0
    empty_predictions: bool = False
    warnings: list[str] = field(default_factory=list)  # one line each, for the user
    seconds: float = 0.0
    run_id: str | None = None            # the inference run scored, when it came from a workspace
    record_id: str | None = None         # the workspace's eval record (eval-N)
    model: "ZooModel | None" = None      # the zoo model behind the predictions, when known
    published_ap: float | None = None    # its published (or recorded sample) val AP
    errors: "ErrorBreakdown | None" = None   # TIDE breakdown, when a report was asked for
    report_index: Path | None = None     # the HTML report, when asked for

    @property
    def messages(self) -> list[str]:
        """Every line a user should read about this result: the files' warnings, then what was
        not scored (frames without predictions, predicted frames the labels lack)."""
        lines = list(self.warnings)
        if self.empty_predictions:
            lines.append(f"{self.pred_path}: no predictions for any labelled frame; every metric is 0 "
                         "(as the official evaluator)")
        elif self.frames_without_predictions:
            lines.append(f"{self.frames_without_predictions} labelled frames have no predictions (their objects "
                         "count as missed)")
        if self.predicted_frames_not_in_gt:
            lines.append(f"{self.predicted_frames_not_in_gt} predicted frames are not in {self.gt_path.name} and "
                         "were ignored")
        return lines

    @property
    def published_label(self) -> str | None:
        """What ``published_ap`` is: "published val AP" for a zoo model, "recorded ..." for others."""
        if self.published_ap is None or self.model is None:
            return None
        return _PUBLISHED_LABELS.get(self.model.source, "recorded val AP")

    @property
    def ap_difference(self) -> float | None:
        """OVERALL AP minus the published AP, to the two decimals shown (never -0.0)."""
        if self.published_ap is None:
            return None
        return round(self.metrics.overall["AP"] - self.published_ap, 2) + 0.0

    def to_dict(self) -> dict:
        """Plain data (NaN stays float NaN; the CLI's --json writes it as null)."""
        return {"gt": str(self.gt_path), "preds": str(self.pred_path), "metrics": self.metrics.to_official(),
                "by": {c: {v: m.to_official() for v, m in vals.items()} for c, vals in self.by.items()}}


def evaluate_files(gt_path: str | os.PathLike[str], pred_path: str | os.PathLike[str],
                   by: tuple[str, ...] = (), nproc: int | None = None) -> EvalReport:
    """Evaluate a Scalabel prediction file against a det_20 label file.

    ``by`` names frame attributes (weather, scene, timeofday): the same metrics are computed
    on each subset of frames sharing a value. ``nproc`` sets the matching threads.
    """
    return _evaluate_files(gt_path, pred_path, by, nproc)[0]


def _file_warnings(gt: DetLabels, pred: DetLabels) -> list[str]:
    return ([f"{labels.path}: {labels.degenerate} box{'es' if labels.degenerate > 1 else ''} of zero or "
             f"negative width or height (x2 - x1 + 1 <= 0), first {labels.first_degenerate}; scored as the "
             "official evaluator scores them" for labels in (gt, pred) if labels.degenerate]
            + [f"{labels.path}: {labels.labels_without_id} labels have no 'id'; scored here, but the official "
               "evaluator refuses such a file (add an id to every label before submitting)"
               for labels in (gt, pred) if labels.labels_without_id])


def _evaluate_files(gt_path, pred_path, by, nproc) -> tuple[EvalReport, DetLabels, DetLabels, Matching]:
    """evaluate_files, also handing back the labels and the matching (the report reuses them)."""
    by = check_conditions(by)
    from ..data.det_labels import read_det_label_pair
    from . import coco_match

    if nproc:
        coco_match.set_threads(nproc)
    try:
        gt, pred = read_det_label_pair(gt_path, pred_path)
        matching = match_labels(gt, pred)
        metrics = metrics_of(matching)
    finally:
        coco_match.set_threads(None)
    pred_names = set(pred.names)
    report = EvalReport(
        gt_path=Path(gt_path), pred_path=Path(pred_path), metrics=metrics,
        frames_without_predictions=sum(1 for n in gt.names if n not in pred_names),
        predicted_frames_not_in_gt=sum(1 for n in pred.names if n not in gt.frame_index),
        empty_predictions=metrics.n_pred == 0, warnings=_file_warnings(gt, pred))
    for cond in by:
        report.by[cond] = metrics_by_condition(gt, matching, cond)
    return report, gt, pred, matching


def _model_behind(pred_path: Path, run_record: dict | None, workspace=None):
    """The zoo model behind these predictions: the run's model, or a downloaded preds file's name."""
    from ..zoo.catalogue import model_named

    if run_record and not run_record.get("trained"):
        model = model_named(run_record.get("model"), workspace)
        if model is not None:
            return model
    return model_named(pred_path.stem, workspace)


def evaluate(predictions: str | os.PathLike[str] | None = None, *, gt: str | os.PathLike[str] | None = None,
             workspace=None, run: str | None = None, split: str = "val", by: tuple[str, ...] | list[str] = (),
             out: str | os.PathLike[str] | None = None, nproc: int | None = None,
             report: str | os.PathLike[str] | None = None, gallery: str | os.PathLike[str] | None = None) -> EvalReport:
    """Score predictions exactly as ``python -m bdd100k.eval.run -t det`` does.

    ``predictions`` is a Scalabel det.json (or a run folder holding one); without it, ``run``
    (an inference run id or output folder) or the current run of ``workspace``. ``gt``
    defaults to the workspace's det_20 labels of ``split``. ``by`` adds per-condition
    breakdowns (weather, scene, timeofday); ``out`` writes the official ``--out-file`` JSON.
    ``report`` writes an HTML page there (html_report.py) and fills ``errors`` with the TIDE
    breakdown; ``gallery`` (default: the run's `bddet vis` folder) is linked for the worst
    frames. With a workspace the result is recorded. ``messages`` holds the lines a user should
    read. Raises LabelError (a BddetError) for input the official evaluator cannot score.
    """
    import time

    from ..data.layout import LABELLED_SPLITS, label_file, label_path
    from ..data.run_files import videos_record_path
    from ..workspace import record_run, resolve_predictions

    if split not in LABELLED_SPLITS:
        raise OptionsError(f"--set {split}: labels exist for {' and '.join(LABELLED_SPLITS)} only (test is scored "
                           "by the BDD100K server)")
    by = check_conditions(by)
    run_id, record, predictions = resolve_predictions(workspace, predictions, run)
    if gt is None:
        if workspace is None:
            raise LabelError("give the ground truth (gt), or a workspace whose data root holds the labels")
        ran_on = (record or {}).get("set")
        if videos_record_path(predictions).is_file():
            raise LabelError(f"{run_id or predictions}: frames from videos, which are not in det_20; give their labels "
                             "with --gt (BDD100K box_track_20: a file per video, or their folder)")
        if ran_on and ran_on != split:
            raise LabelError(f"run {run_id} predicted the {ran_on} set, not {split}"
                             + ("; the test set has no public labels (submit det.json to the BDD100K server)"
                                if ran_on == "test" else f"; use --set {ran_on}"))
        gt = label_path(workspace.data_root(), split)
    started = time.perf_counter()
    result, truth, pred, matching = _evaluate_files(gt, predictions, by, nproc)
    result.seconds = time.perf_counter() - started
    if report is not None:
        from .html_report import analyse, write_report

        gallery = gallery or (record or {}).get("gallery")
        analysis = analyse(truth, pred, run_id or Path(predictions).name,
                           Path(gallery).resolve() if gallery else None, matching=matching,
                           metrics=result.metrics, by=result.by)
        result.errors = analysis.errors
        result.report_index = write_report([analysis], report, f"bddet eval: {run_id or predictions} vs "
                                           f"{Path(gt).name}").index
    result.run_id = run_id
    result.model = _model_behind(Path(predictions), record, workspace)
    # The published AP is on BDD100K det val: beside a score on other labels (a video's box_track
    # files, a subset) it would compare different things.
    on_val_labels = split == "val" and Path(gt).name == Path(label_file("val")).name
    if result.model is not None and on_val_labels and result.model.ap_val is not None:
        result.published_ap = result.model.ap_val
    if out is not None:
        write_official_json(result.metrics, out)
    if workspace is not None:
        overall = result.metrics.overall
        result.record_id = record_run(workspace, "eval_results", "eval", {
            "run": run_id, "predictions": str(predictions), "gt": str(gt), "set": split,
            "model": result.model.name if result.model else None,
            **{m: _manifest_number(overall[m]) for m in ("AP", "AP50", "AP75", "AR100")},
            "by": {c: {v: _manifest_number(m.overall["AP"]) for v, m in vals.items()} for c, vals in result.by.items()},
            "out": str(out) if out else None, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}, make_current=False)
    return result


def _manifest_number(value: float) -> float | None:
    """Manifest values: rounded for people, NaN as null (YAML readers disagree on .nan)."""
    return None if value != value else round(value, 4)
