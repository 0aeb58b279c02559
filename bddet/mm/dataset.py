"""BDD100KDetDataset: MMDetection 3.x reads det_20 Scalabel JSON directly, no COCO step.

Semantics of bdd100k 1.0.1 ``label/to_coco.py`` as the original zoo trained with them:
the 10 classes in the official order, the name and ignored mappings, crowd and ignored
boxes as ignore regions (``ignore_flag``, never training targets), boxes as COCO
``[x1, y1, x2 - x1 + 1, y2 - y1 + 1]`` which MMDetection turns into ``[x1, y1, x2 + 1, y2 + 1]``,
and frames without boxes dropped from training but kept for inference.
Without ``ann_file`` it lists an image folder (the test split, or a user's own images).
"""
from __future__ import annotations

import os

import numpy as np
from mmdet.datasets import BaseDetDataset
from mmdet.registry import DATASETS

from ..data.categories import CLASS_PALETTE, CLASSES
from ..data.det_labels import read_det_labels
from ..data.image_files import list_images



@DATASETS.register_module()
class BDD100KDetDataset(BaseDetDataset):
    """BDD100K detection: Scalabel det_20 labels (``ann_file``) or an image folder (no ``ann_file``).

    ``image_names`` restricts/sets the frames explicitly (used by ``bddet infer`` for files and globs).
    """

    METAINFO = {"classes": CLASSES, "palette": list(CLASS_PALETTE)}

    def __init__(self, *args, image_names: list[str] | None = None, **kwargs) -> None:
        self._image_names = image_names
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> list[dict]:
        """One small record per frame; its boxes stay in shared arrays until the frame is used.

        Building 1.3M per-box dicts up front (det_train) would cost more than reading the file,
        so each record holds a slice into ``self._boxes`` and get_data_info makes the
        ``instances`` MMDetection's transforms expect, one frame at a time.
        """
        img_root = self.data_prefix.get("img", "")
        if not self.ann_file:
            names = self._image_names if self._image_names is not None else list_images(img_root)
            self._boxes = np.zeros((0, 4))
            self._classes = self._ignored = np.zeros(0, dtype=np.int64)
            return [{"img_path": os.path.join(img_root, n), "img_id": i, "file_name": n, "box_slice": (0, 0)}
                    for i, n in enumerate(names)]
        labels = read_det_labels(self.ann_file, predictions=False)
        self._boxes = labels.box.copy()
        self._boxes[:, 2:] += 1  # scalabel's +1 width/height convention, as the released models were trained
        self._classes = labels.cls
        self._ignored = labels.ignore.astype(np.int64)
        bounds = labels.frame_bounds()
        return [{"img_path": os.path.join(img_root, name), "img_id": i, "file_name": name, "height": 720,
                 "width": 1280, "box_slice": (bounds[i], bounds[i + 1])} for i, name in enumerate(labels.names)]

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        lo, hi = info.pop("box_slice")
        info["instances"] = [{"bbox": b, "bbox_label": c, "ignore_flag": g} for b, c, g in
                             zip(self._boxes[lo:hi].tolist(), self._classes[lo:hi].tolist(),
                                 self._ignored[lo:hi].tolist())]
        return info

    def frame_name(self, idx: int) -> str:
        """The frame's name as det.json writes it, without making its per-box dicts."""
        return super().get_data_info(idx)["file_name"]

    def filter_data(self) -> list[dict]:
        """Training drops frames without any box (as the original's COCO filter); tests keep all."""
        if self.test_mode or not (self.filter_cfg or {}).get("filter_empty_gt", False):
            return self.data_list
        return [d for d in self.data_list if d["box_slice"][1] > d["box_slice"][0]]
