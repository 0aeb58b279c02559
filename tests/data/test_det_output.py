"""det.json boxes are written exactly as the original zoo's converter wrote them."""
import numpy as np
import pytest

from bddet.data.categories import CLASSES
from bddet.data.det_output import detections_to_frame


def original_frame(bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray) -> list[dict]:
    """bdd100k-models convert_format on one image: per class, bbox_to_box2d(xyxy2xywh(bbox)) of
    mmdet 2.x's float32 (x1, y1, x2, y2, score) rows, with scalabel's own bbox_to_box2d."""
    from scalabel.label.transforms import bbox_to_box2d

    def xyxy2xywh(bbox):  # mmdet 2.28 CocoDataset.xyxy2xywh
        _bbox = bbox.tolist()
        return [_bbox[0], _bbox[1], _bbox[2] - _bbox[0], _bbox[3] - _bbox[1]]

    rows = np.concatenate([bboxes, scores[:, None]], axis=1).astype(np.float32)
    out = []
    for cls in range(len(CLASSES)):  # bbox2result: one array per class, in the model's order
        for bbox in rows[labels == cls]:
            box = bbox_to_box2d(xyxy2xywh(bbox))
            out.append({"category": CLASSES[cls], "score": float(bbox[-1]),
                        "box2d": {"x1": box.x1, "y1": box.y1, "x2": box.x2, "y2": box.y2}})
    return out


@pytest.mark.parametrize("boxes", [
    [[10.0, 20.0, 10.3, 20.7]],                 # under a pixel wide and high: x2 < x1 afterwards
    [[5.5, 5.5, 5.5, 5.5]],                     # zero extent
    [[1280.0, 100.0, 1280.0, 140.0]],           # clipped to zero width at the right border
    [[0.0, 0.0, 0.25, 0.6]],                    # at the origin, below one
    [[-3.7, -1.2, 0.4, 0.9]],                   # unclipped (Sparse R-CNN): negative coordinates
    [[1279.9999, 719.99994, 1280.0, 720.0], [100.123456, 200.654321, 300.987654, 400.000001]],
])
def test_boxes_are_the_original_converters_to_the_last_bit(boxes):
    bboxes = np.asarray(boxes, dtype=np.float32)
    scores = np.linspace(0.9, 0.3, len(bboxes)).astype(np.float32)
    labels = np.arange(len(bboxes)) % 3
    assert detections_to_frame("a.jpg", bboxes, scores, labels)["labels"] == original_frame(bboxes, scores, labels)


def test_labels_go_class_by_class_in_score_order_within_each():
    rng = np.random.default_rng(0)
    x1y1 = rng.uniform(0, 1000, (60, 2))
    bboxes = np.concatenate([x1y1, x1y1 + rng.uniform(0, 200, (60, 2))], axis=1).astype(np.float32)
    scores = np.sort(rng.uniform(0.05, 1, 60)).astype(np.float32)[::-1]  # MMDetection's score order
    labels = rng.integers(0, len(CLASSES), 60)
    written = detections_to_frame("a.jpg", bboxes, scores, labels)["labels"]
    assert written == original_frame(bboxes, scores, labels)
    assert [CLASSES.index(lb["category"]) for lb in written] == sorted(labels.tolist())
    sub_pixel = [lb for lb in written if lb["box2d"]["x2"] < lb["box2d"]["x1"]]
    assert all(lb["box2d"]["x2"] - lb["box2d"]["x1"] + 1 > 0 for lb in sub_pixel)  # kept, never clamped
