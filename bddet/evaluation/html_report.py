"""The HTML report: one self-contained page on where and why a detector fails (one run, or several compared).

Everything is embedded: the charts are inline SVG (report_charts.py), the style is inline, there
is no script and nothing is fetched. Sections: the official metrics; precision-recall curves
per class at IoU 0.5, 0.75 and 0.5:0.95 (pycocotools' own precision arrays); AP by object
size and by condition; a class confusion matrix with a background row and column; the TIDE
error breakdown (tide.py), with links to the worst frames of each error type in a vis gallery.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..data.categories import CLASSES, FRAME_CONDITIONS
from . import report_charts
from .metrics import TABLE_METRICS
from .outcomes import CONFUSION_IOU, CONFUSION_SCORE
from .tide import ERROR_TYPES, ErrorBreakdown

WORST_FRAMES = 8


@dataclass
class RunAnalysis:
    """Everything the page shows for one prediction set."""

    label: str
    metrics: object                                   # metrics.DetMetrics (with its precision array)
    by: dict                                          # condition -> value -> DetMetrics
    errors: ErrorBreakdown
    confusion: np.ndarray                             # (K+1, K+1): rows truth (+ background), cols predicted
    gallery: Path | None = None
    video_frames: dict = field(default_factory=dict)  # frame name -> (videoName, seconds), frames from videos


@dataclass
class ReportPage:
    """The written page and what it holds."""

    index: Path
    images: int
    runs: list[str] = field(default_factory=list)


def analyse(gt, pred, label: str, gallery: Path | None = None, matching=None, metrics=None,
            by: dict | None = None) -> RunAnalysis:
    """Metrics, per-condition metrics, the TIDE breakdown and the confusion matrix of one run.

    What the caller computed already (the matching, the metrics, some conditions) is reused.
    """
    from ..data.run_files import video_frame_times
    from .metrics import match_labels, metrics_by_condition, metrics_of
    from .outcomes import confusion_matrix
    from .tide import error_breakdown

    matching = matching if matching is not None else match_labels(gt, pred)
    metrics = metrics if metrics is not None else metrics_of(matching)
    by = dict(by or {})
    for cond in FRAME_CONDITIONS:
        if cond not in by:
            by[cond] = metrics_by_condition(gt, matching, cond)
    return RunAnalysis(label, metrics, by, error_breakdown(gt, pred), confusion_matrix(gt, pred), gallery,
                       video_frame_times(pred.path))


def _fmt(v: float) -> str:
    return "–" if v is None or v != v else f"{v:.2f}"


def _pr_figure(runs: Sequence[RunAnalysis]) -> str:
    from .coco_match import RECALL_THRESHOLDS

    recall = RECALL_THRESHOLDS.tolist()
    panels = []
    for k, cls in enumerate(CLASSES):
        curves = []
        for run in runs:
            prec = run.metrics.precision
            if prec is None or (prec[:, :, k, 0, 2] < 0).all():
                continue  # a class without ground truth has no curve
            mean = prec[:, :, k, 0, 2].mean(axis=0).tolist()
            if len(runs) > 1:  # one curve per run: the 0.5:0.95 mean
                curves.append((run.label, recall, mean))
            else:
                curves += [("IoU 0.5", recall, prec[0, :, k, 0, 2].tolist()),
                           ("IoU 0.75", recall, prec[5, :, k, 0, 2].tolist()), ("IoU 0.5:0.95", recall, mean)]
        panels.append((cls, curves))
    return report_charts.line_panels(panels, 5, "recall", "precision", "precision-recall curves per class")


def _bars(groups: list[str], series: dict[str, list[float]], ylabel: str, title: str) -> str:
    return report_charts.bars(groups, series, ylabel, title)


def _confusion_figure(run: RunAnalysis) -> str:
    names = [*CLASSES, "background"]
    counts = run.confusion.astype(float)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    return report_charts.matrix(names, run.confusion.tolist(), share.tolist(),
                                f"predicted (score >= {CONFUSION_SCORE}); background: missed",
                                "true; background: false positive", run.label)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _frame_link(run: RunAnalysis, name: str, out_dir: Path) -> str:
    """Where the gallery shows a frame: its picture, or its moment in the annotated video
    (`bddet vis --video`), as a media fragment (``#t=seconds``) the browser seeks to."""
    from ..data.gallery_layout import page_link, picture_path, video_path

    if name in run.video_frames:
        video, seconds = run.video_frames[name]
        return page_link(video_path(run.gallery, video), out_dir) + f"#t={seconds:.3f}"
    return page_link(picture_path(run.gallery, name), out_dir)


def _worst_links(run: RunAnalysis, out_dir: Path) -> str:
    if run.gallery is None:
        return "<p class=note>Run <code>bddet vis DIR --errors</code> on this run to link its worst frames here.</p>"
    parts = []
    for kind in ERROR_TYPES:
        frames = run.errors.frames_by_error.get(kind, [])[:WORST_FRAMES]
        links = ", ".join(f'<a href="{_frame_link(run, name, out_dir)}">{html.escape(name)}</a> ({n})'
                          for name, n in frames) or "none"
        parts.append(f"<li><b>{kind}</b>: {links}</li>")
    return "<ul>" + "".join(parts) + "</ul>"


def write_report(runs: Sequence[RunAnalysis], out_dir: str | os.PathLike[str], title: str,
                 comparison_html: str = "") -> ReportPage:
    """Write ``out_dir/index.html`` for one run or several (then side by side)."""
    from ..atomic_write import atomic_write_text

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = 0

    def img(svg: str, alt: str) -> str:
        nonlocal images
        images += 1
        return f'<figure aria-label="{html.escape(alt)}">{svg}</figure>'

    sections = []
    if comparison_html:
        sections.append(f"<h2>Comparison</h2>{comparison_html}")
    for run in runs:
        m = run.metrics
        rows = [[html.escape(c), *(_fmt(m.per_class[k][c]) for k in TABLE_METRICS)] for c in CLASSES]
        rows.append(["<b>OVERALL</b>", *(f"<b>{_fmt(m.overall[k])}</b>" for k in TABLE_METRICS)])
        sections.append(f"<h2>{html.escape(run.label)}: the official metrics</h2>"
                        f"<p>{m.n_frames} frames, {m.n_gt} boxes, {m.n_pred} predictions.</p>"
                        + _table(["class", *TABLE_METRICS], rows))
    sections.append("<h2>Precision-recall per class</h2><p>pycocotools' interpolated precision at 101 recall "
                    "points, all areas, 100 detections per image" + (" (IoU 0.5:0.95 mean per run)." if len(runs) > 1
                                                                     else ".") + "</p>"
                    + img(_pr_figure(runs), "precision-recall curves per class"))
    size_series = {f"{run.label} {k}" if len(runs) > 1 else k: [run.metrics.per_class[k][c] for c in CLASSES]
                   for run in runs for k in ("APs", "APm", "APl")}
    sections.append("<h2>AP by object size</h2><p>small &lt; 32², medium &lt; 96² pixels, large above.</p>"
                    + img(_bars(list(CLASSES), size_series, "AP", "AP by object size"), "AP by object size"))
    for cond in FRAME_CONDITIONS:
        values = sorted(set().union(*(run.by[cond] for run in runs)))
        series = {run.label: [run.by[cond][v].overall["AP"] if v in run.by[cond] else float("nan") for v in values]
                  for run in runs}
        counts = ", ".join(f"{html.escape(v)}: {runs[0].by[cond][v].n_frames}" for v in values if v in runs[0].by[cond])
        sections.append(f"<h2>AP by {cond}</h2><p>frames: {counts}</p>"
                        + img(_bars(values, series, "OVERALL AP", f"AP by {cond}"), f"AP by {cond}"))
    sections.append(f"<h2>Class confusion</h2><p>At IoU {CONFUSION_IOU}, detections scoring at least "
                    f"{CONFUSION_SCORE}; each row sums the fate of one true class (shaded by share).</p>"
                    + "".join(img(_confusion_figure(run), f"confusion matrix of {run.label}") for run in runs))
    defs = ("<p>TIDE (Bolya et al., ECCV 2020): the AP50 each error type costs, i.e. gained by fixing only it. "
            "<b>Cls</b> right box, wrong class; <b>Loc</b> right class, 0.1 &le; IoU &le; 0.5; <b>Both</b> wrong class "
            "and box; <b>Dupe</b> a second detection of a matched object; <b>Bkg</b> nothing there (IoU &le; 0.1); "
            "<b>Miss</b> objects no detection found.</p>")
    err_series = {run.label: [run.errors.main[k] for k in ERROR_TYPES] for run in runs}
    sections.append("<h2>Where the AP goes: error breakdown</h2>" + defs
                    + img(_bars(list(ERROR_TYPES), err_series, "AP50 gained by fixing", "error breakdown"),
                        "error breakdown"))
    for run in runs:
        rows = [["<b>OVERALL</b>", f"<b>{_fmt(run.errors.ap50)}</b>",
                 *(f"<b>{_fmt(run.errors.main[k])}</b>" for k in ERROR_TYPES)]]
        rows += [[html.escape(c), _fmt(run.errors.per_class_ap50[c]), *(_fmt(run.errors.per_class[c][k])
                                                                        for k in ERROR_TYPES)] for c in CLASSES]
        counts = ", ".join(f"{k} {run.errors.counts[k]}" for k in ERROR_TYPES)
        sections.append(f"<h3>{html.escape(run.label)}</h3><p>counts: {counts}</p>"
                        + _table(["class", "AP50", *ERROR_TYPES], rows)
                        + "<h4>Worst frames by error type</h4>" + _worst_links(run, out_dir))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em;max-width:1500px;color:#222}}
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}figure{{margin:.5em 0;overflow-x:auto}}svg{{display:block;max-width:none}}
.note{{color:#666}}.sig{{font-weight:bold;color:#0a6}}.neg{{font-weight:bold;color:#c22}}</style></head>
<body><h1>{html.escape(title)}</h1>
{chr(10).join(sections)}
</body></html>
"""
    index = out_dir / "index.html"
    atomic_write_text(index, page)
    return ReportPage(index, images, [run.label for run in runs])
