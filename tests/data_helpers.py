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


def bad_videos(folder: Path, good: Path) -> dict[str, Path]:
    """Broken videos made from a good one (``good``, written by make_sample_video), by kind.

    'undecodable' is an AVI whose codec tag is patched to one FFmpeg has no decoder for.
    """
    from bddet.data.sample import make_sample_video

    folder.mkdir(parents=True, exist_ok=True)
    out = {"empty": folder / "empty.mp4", "not_a_video": folder / "notes.mp4",
           "truncated_mp4": folder / "cut.mp4", "truncated_mkv": folder / "short.mkv",
           "undecodable": folder / "odd.avi"}
    out["empty"].write_bytes(b"")
    out["not_a_video"].write_text("these are my notes, not a video\n" * 20)
    data = good.read_bytes()
    out["truncated_mp4"].write_bytes(data[: len(data) // 2])   # the index (moov) is at the end: gone
    mkv = folder / "whole.mkv"
    make_sample_video(mkv, n_frames=30, container="matroska")
    data = mkv.read_bytes()
    out["truncated_mkv"].write_bytes(data[: len(data) * 4 // 10])
    mkv.unlink()
    avi = folder / "mpeg4.avi"
    make_sample_video(avi, n_frames=6, codec="mpeg4", container="avi")
    data = avi.read_bytes()
    assert data.count(b"FMP4") == 2  # the stream header's handler and the bitmap header's compression
    out["undecodable"].write_bytes(data.replace(b"FMP4", b"ZZZZ"))
    avi.unlink()
    return out
