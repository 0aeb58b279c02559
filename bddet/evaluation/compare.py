"""Is model B really better than model A, and where? Paired bootstrap intervals on the official metrics.

Every run is scored on the same ground truth; the point estimates are the official numbers
(evaluate.metrics_of). Intervals come from a paired image-level bootstrap: each resample draws
the images with replacement, the same draw for every run, and the difference of each run from
the first is taken within the resample; the 2.5th and 97.5th percentiles bound it. Matching is
done once per run; only the accumulation repeats (resampled_accumulation.py).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from ..data.categories import CLASSES
from ..errors import LabelError
from .metrics import OVERALL

ROWS = (*CLASSES, OVERALL)


@dataclass
class Difference:
    """A run's difference from the first run: the point estimate and its 95% interval."""

    estimate: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero."""
        return bool(self.low > 0 or self.high < 0)


@dataclass
class CompareTable:
    """One metric per class and OVERALL for every run, with differences from the first run."""

    frames: int
    values: dict[str, dict[str, float]]                 # run -> row -> value (official, percent)
    differences: dict[str, dict[str, Difference]]       # run (after the first) -> row -> difference

    def rows(self) -> list[tuple[str, float, list[tuple[float, Difference]]]]:
        """The table as shown: per class and OVERALL, the first run's value, then each later run's
        value and difference from the first."""
        runs = list(self.values)
        return [(row, self.values[runs[0]][row],
                 [(self.values[run][row], self.differences[run][row]) for run in runs[1:]]) for row in ROWS]


@dataclass
class CompareReport:
    """The comparison of several prediction sets on one ground truth."""

    gt_path: Path
    runs: list[str]                                     # labels: run ids or file names
    predictions: list[Path]
    metric: str
    bootstrap: int
    seed: int
    table: CompareTable
    by: dict[str, dict[str, CompareTable]] = field(default_factory=dict)
    report_index: Path | None = None                    # the HTML report, when asked for
    errors: dict = field(default_factory=dict)          # run -> TIDE breakdown, with a report

    def to_dict(self) -> dict:
        """Plain data (NaN stays float NaN; the CLI's --json writes it as null)."""
        def table(t: CompareTable) -> dict:
            return {"frames": t.frames, "values": t.values,
                    "differences": {r: {row: {**asdict(d), "significant": d.significant} for row, d in rows.items()}
                                    for r, rows in t.differences.items()}}

        return {"gt": str(self.gt_path), "runs": self.runs, "predictions": [str(p) for p in self.predictions],
                "metric": self.metric, "bootstrap": self.bootstrap, "seed": self.seed, "confidence": 0.95,
                "table": table(self.table), "by": {c: {v: table(t) for v, t in vals.items()}
                                                   for c, vals in self.by.items()}}


def _table(matchings, metric: str, n_boot: int, seed: int, runs: list[str], subset=None) -> CompareTable:
    import numpy as np

    from .metrics import metrics_of
    from .resampled_accumulation import class_scores, overall, resample_weights

    values: dict[str, dict[str, float]] = {}
    for run, m in zip(runs, matchings):
        metrics = metrics_of(m)
        values[run] = {**{c: metrics.per_class[metric][c] for c in CLASSES}, OVERALL: metrics.overall[metric]}
    differences: dict[str, dict[str, Difference]] = {}
    if len(matchings) > 1:
        weights = resample_weights(matchings[0].n_images, n_boot, seed) if n_boot else None
        samples = []
        for m in matchings:
            if weights is None:
                samples.append(None)
                continue
            per_class = class_scores(m, metric, weights)
            samples.append(np.concatenate([per_class, overall(per_class)[:, None]], axis=1))
        for j, run in enumerate(runs[1:], start=1):
            rows = {}
            for r, row in enumerate(ROWS):
                estimate = values[run][row] - values[runs[0]][row]
                if samples[0] is None:
                    rows[row] = Difference(estimate, float("nan"), float("nan"))
                    continue
                diff = samples[j][:, r] - samples[0][:, r]
                diff = diff[~np.isnan(diff)]
                low, high = (np.percentile(diff, [2.5, 97.5]) if len(diff) else (float("nan"), float("nan")))
                rows[row] = Difference(estimate, float(low), float(high))
            differences[run] = rows
    return CompareTable(matchings[0].n_images, values, differences)


def compare(predictions: Sequence[str | os.PathLike[str]], *, gt: str | os.PathLike[str] | None = None,
            workspace=None, split: str = "val", by: Sequence[str] = (), metric: str = "AP", bootstrap: int = 1000,
            seed: int = 0, report: str | os.PathLike[str] | None = None,
            out: str | os.PathLike[str] | None = None) -> CompareReport:
    """Compare prediction sets (det.json files, run folders or workspace run ids) on one ground truth.

    ``metric`` is any official metric (AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l). Point
    estimates are the official numbers; each run after the first gets its difference from the
    first with a 95% paired-bootstrap interval (``bootstrap`` resamples, ``seed``; 0 resamples:
    no intervals). ``by`` repeats the table per weather, scene or time of day. ``report`` writes
    an HTML page there with every run's curves, breakdowns and errors side by side; ``out``
    writes every estimate and interval as strict JSON (NaN as null).
    """
    from ..atomic_write import atomic_write_json
    from ..data.det_labels import read_det_labels
    from ..data.layout import label_path
    from ..workspace import names_a_file, resolve_predictions
    from .metrics import check_conditions, check_metric, images_by_condition, match_labels, subset_matching

    if len(predictions) < 2:
        raise LabelError("compare needs at least two runs or prediction files")
    check_metric(metric)
    by = check_conditions(by)
    if bootstrap < 0:
        raise LabelError("bootstrap: the number of resamples cannot be negative")
    paths, labels, records, sets = [], [], [], set()
    for item in predictions:
        item = str(item)
        is_path = names_a_file(item)  # a file or folder; else a run id
        run_id, record, path = resolve_predictions(workspace, item if is_path else None,
                                                   None if is_path else item)
        paths.append(path)
        records.append(record)
        if run_id is not None:
            labels.append(run_id)
        else:
            named = path.resolve()  # det.json files are told apart by their run folder
            labels.append(f"{named.parent.name}/{named.name}" if named.name == "det.json" else named.name)
        if record and record.get("set"):
            sets.add(record["set"])
    if len(set(labels)) < len(labels):
        labels = [f"{k + 1}:{label}" for k, label in enumerate(labels)]
    if gt is None:
        if workspace is None:
            raise LabelError("give the ground truth (gt), or a workspace whose data root holds the labels")
        if sets - {split}:
            raise LabelError(f"the runs predicted {', '.join(sorted(sets))}, not {split}; use --set")
        gt = label_path(workspace.data_root(), split)
    truth = read_det_labels(gt, predictions=False)
    preds = [read_det_labels(p, predictions=True) for p in paths]
    matchings = [match_labels(truth, p) for p in preds]
    result = CompareReport(Path(gt), labels, paths, metric, bootstrap, seed,
                           _table(matchings, metric, bootstrap, seed, labels))
    for cond in by:  # each image is matched once: a condition's table filters the whole matching
        result.by[cond] = {v: _table([subset_matching(m, images) for m in matchings], metric, bootstrap, seed, labels)
                           for v, images in images_by_condition(truth, matchings[0], cond).items()}
    if report is not None:
        from .html_report import analyse, write_report

        galleries = [(record or {}).get("gallery") for record in records]
        analyses = [analyse(truth, p, label, Path(g) if g else None, matching=m)
                    for p, label, g, m in zip(preds, labels, galleries, matchings)]
        result.errors = {a.label: a.errors for a in analyses}
        result.report_index = write_report(analyses, report, f"bddet compare: {' vs '.join(labels)}",
                                           comparison_html=_comparison_html(result)).index
    if out is not None:
        atomic_write_json(out, result.to_dict())
    return result


def _comparison_html(report: CompareReport) -> str:
    import html

    first = report.runs[0]
    head = ["class", first] + [h for run in report.runs[1:] for h in (run, f"Δ vs {first} [95% CI]")]
    rows = []
    for row in ROWS:
        cells = [html.escape(row), _num(report.table.values[first][row])]
        for run in report.runs[1:]:
            d = report.table.differences[run][row]
            css = ("sig" if d.estimate > 0 else "neg") if d.significant else ""
            interval = "" if d.low != d.low else f" [{d.low:+.2f}, {d.high:+.2f}]"
            cells += [_num(report.table.values[run][row]),
                      f'<span class="{css}">{"–" if d.estimate != d.estimate else f"{d.estimate:+.2f}"}{interval}'
                      f'{" *" if d.significant else ""}</span>']
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f"<p>{html.escape(report.metric)} per class; * the 95% interval of the difference excludes 0 (paired "
            f"image-level bootstrap, {report.bootstrap} resamples, seed {report.seed}).</p><table><thead><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")


def _num(v: float) -> str:
    return "–" if v != v else f"{v:.2f}"
