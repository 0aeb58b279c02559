"""Small synthetic BDD100K data roots for tests (real images and det_20 labels on disk)."""
from __future__ import annotations

import json
from pathlib import Path

from bddet.data.sample import make_sample_dataset


def tiny_data_root(root: Path, n_train: int = 4, n_val: int = 3, n_test: int = 2, size=(128, 96)) -> Path:
    return make_sample_dataset(root, n_train=n_train, n_val=n_val, n_test=n_test, size=size, max_objects=3, seed=1)


def write_labels(path: Path, frames: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(frames))
    return path
