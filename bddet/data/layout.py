"""The BDD100K folder layout under a data root: the one place its paths are spelled.

Source: the bdd100k documentation ("Download"): images per split under ``images/100k/``,
detection labels (det_20) under ``labels/det_20/``, videos under ``videos/`` and tracking
labels (box_track_20, a file per video) under ``labels/box_track_20/``. The test split has no
public labels.
"""
from __future__ import annotations

from pathlib import Path

SPLITS = ("train", "val", "test")
LABELLED_SPLITS = ("train", "val")


def image_prefix(split: str) -> str:
    """The image folder of a split, relative to the data root (with a trailing slash, as mmdet's prefix)."""
    return f"images/100k/{split}/"


def label_file(split: str) -> str:
    """The det_20 label file of a split, relative to the data root."""
    return f"labels/det_20/det_{split}.json"


def video_dir(data_root: Path, split: str) -> Path:
    """The videos of a split (BDD100K's ``videos/{train,val}`` download)."""
    return Path(data_root) / "videos" / split


def track_label_dir(data_root: Path, split: str) -> Path:
    """The box_track_20 labels of a split: one Scalabel file per video."""
    return Path(data_root) / "labels" / "box_track_20" / split


def image_dir(data_root: Path, split: str) -> Path:
    return Path(data_root) / image_prefix(split)


def label_path(data_root: Path, split: str) -> Path:
    return Path(data_root) / label_file(split)


# What `bddet init` checks for, to warn about a partial copy.
EXPECTED_LAYOUT = tuple(image_prefix(s).rstrip("/") for s in SPLITS) + tuple(label_file(s) for s in LABELLED_SPLITS)
