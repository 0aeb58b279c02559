"""BDD100KDetMetric: validation during `bddet train` with the official-parity evaluator."""
from __future__ import annotations

from pathlib import Path

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmdet.registry import METRICS

from ..data.det_labels import parse_det_frames, read_det_labels
from ..data.det_output import detections_to_frame, number_labels
from ..evaluation.metrics import TABLE_METRICS, evaluate_labels


@METRICS.register_module()
class BDD100KDetMetric(BaseMetric):
    """Scores a validation pass exactly as ``bdd100k.eval.run -t det`` would, and logs the per-class table."""

    default_prefix = "bdd100k"

    def __init__(self, ann_file: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.ann_file = ann_file

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            pred = sample["pred_instances"]
            self.results.append(detections_to_frame(
                sample["file_name"] if "file_name" in sample else Path(sample["img_path"]).name,
                pred["bboxes"].cpu().numpy(), pred["scores"].cpu().numpy(), pred["labels"].cpu().numpy()))

    def compute_metrics(self, results: list) -> dict:
        gt = read_det_labels(self.ann_file, predictions=False)
        preds = parse_det_frames(number_labels(results), Path("<validation predictions>"), predictions=True)
        metrics = evaluate_labels(gt, preds)
        shown = TABLE_METRICS

        def row(name: str, values: dict) -> str:
            return f"{name:<14}" + "".join(f"{'-' if v != v else f'{v:.2f}':>8}" for v in (values[m] for m in shown))

        lines = [f"{'class':<14}" + "".join(f"{m:>8}" for m in shown)]
        lines += [row(cls, {m: metrics.per_class[m][cls] for m in shown}) for cls in metrics.per_class["AP"]]
        lines.append(row("OVERALL", metrics.overall))
        print_log("BDD100K detection (official metrics):\n" + "\n".join(lines), logger="current")
        return {m: metrics.overall[m] for m in shown}
