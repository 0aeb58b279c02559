"""Inference over BDD100K sets or a user's images: batched, sharded across processes, resumable.

Each process (one per GPU under torchrun, or one on its own) runs the model on a disjoint
shard of the images and appends its frames to ``<out>/.parts/`` as it goes; rank 0 then
merges the parts in dataset order into ``<out>/det.json`` (Scalabel format) with one atomic
write. ``resume`` skips the images any earlier part already holds.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .errors import BddetError
from .launch import init_distributed, rank_and_world

PARTS_DIR = ".parts"
RESULT_NAME = "det.json"


class InferError(BddetError):
    """Inference inputs that cannot be used."""


@dataclass(frozen=True)
class ImageSource:
    """Where the images are: a data root with a prefix, an optional label file, optional explicit names."""

    data_root: str
    img_prefix: str
    ann_file: str = ""
    names: tuple[str, ...] | None = None
    description: str = ""


def set_source(data_root: Path, split: str) -> ImageSource:
    """A BDD100K split: labelled val/train (frame names from the labels) or the test image folder."""
    folder = data_root / "images" / "100k" / split
    if not folder.is_dir():
        raise InferError(f"{folder}: no such folder (the {split} images of the data root)")
    ann = data_root / "labels" / "det_20" / f"det_{split}.json"
    if split != "test" and not ann.is_file():
        raise InferError(f"{ann}: no such label file (needed for the {split} frame list)")
    return ImageSource(str(data_root), f"images/100k/{split}/", f"labels/det_20/det_{split}.json" if split != "test"
                       else "", None, f"set {split}")


def images_source(inputs: Sequence[str]) -> ImageSource:
    """Images given as one folder, files, or glob patterns; names are relative to their common folder."""
    from .data.mmdet_dataset import IMAGE_EXTENSIONS, list_images

    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        root = Path(inputs[0]).resolve()
        names = list_images(root)
        if not names:
            raise InferError(f"{root}: no images in this folder ({', '.join(IMAGE_EXTENSIONS)})")
        return ImageSource(str(root), "", "", tuple(names), f"images {root}")
    files: list[Path] = []
    for item in inputs:
        if any(ch in item for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(item, recursive=True)
                             if Path(p).suffix.lower() in IMAGE_EXTENSIONS)
            if not matched:
                raise InferError(f"{item}: the pattern matches no image")
            files += matched
        elif Path(item).is_file():
            if Path(item).suffix.lower() not in IMAGE_EXTENSIONS:
                raise InferError(f"{item}: not an image file ({', '.join(IMAGE_EXTENSIONS)})")
            files.append(Path(item))
        elif Path(item).is_dir():
            raise InferError(f"{item}: give a single folder on its own, or files and patterns")
        else:
            raise InferError(f"{item}: no such file or folder")
    files = [f.resolve() for f in dict.fromkeys(files)]
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    return ImageSource(str(root), "", "", tuple(f.relative_to(root).as_posix() for f in files),
                       f"{len(files)} images under {root}")


class _Items:
    """Dataset items with their index; an unreadable image becomes an error record, not a crash."""

    def __init__(self, dataset, indices: list[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int):
        i = self.indices[k]
        try:
            return i, self.dataset[i], None
        except Exception as e:  # noqa: BLE001 - sorted out below
            path = self.dataset.get_data_info(i)["img_path"]
            if _decodes(path):
                raise InferError(f"{path}: preparing the image failed ({type(e).__name__}: {e})") from None
            return i, None, f"{path}: {str(e).splitlines()[0][:200]}"


def _decodes(path: str) -> bool:
    """Whether an image file decodes at all (to tell a corrupt image from a pipeline error)."""
    import mmcv

    try:
        return mmcv.imread(path) is not None
    except Exception:  # noqa: BLE001 - any decoder failure
        return False


def _quiet_worker(_worker_id: int) -> None:
    """One thread per loader worker: N workers with all cores each would starve the main process."""
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(0)


def _collate(batch):
    from mmengine.dataset import pseudo_collate

    good = [(i, d) for i, d, err in batch if err is None]
    errors = [(i, err) for i, _, err in batch if err is not None]
    data = pseudo_collate([d for _, d in good]) if good else None
    return [i for i, _ in good], data, errors


def _read_parts(parts: Path) -> tuple[dict[int, dict], dict[int, str]]:
    """Frames and unreadable images recorded so far by any process, by dataset index."""
    import orjson

    frames: dict[int, dict] = {}
    skipped: dict[int, str] = {}
    for part in sorted(parts.glob("part-*.jsonl")):
        with open(part, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break  # a line cut short by a crash: that image is done again
                rec = orjson.loads(line)
                if "frame" in rec:
                    frames[rec["i"]] = rec["frame"]
                else:
                    skipped[rec["i"]] = rec["error"]
    return frames, skipped


def _load_config(config: str, data_root: str, score_thr: float | None, cfg_options: dict | None):
    from mmdet.utils import register_all_modules
    from mmengine.utils import import_modules_from_strings

    from .config import load_config

    register_all_modules()
    cfg = load_config(config, data_root, cfg_options)
    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    if score_thr is not None:
        test_cfg = cfg.model.get("test_cfg") or {}
        target = test_cfg.get("rcnn", test_cfg) if isinstance(test_cfg, dict) else {}
        if isinstance(target, dict) and "score_thr" in target:
            target["score_thr"] = score_thr
    return cfg


def _build_model(cfg, weights: str, device: str):
    from mmdet.registry import MODELS

    from .checkpoint import load_checkpoint_file, load_weights_strictly

    model = MODELS.build(cfg.model)
    load_weights_strictly(model, load_checkpoint_file(weights), weights)
    return model.to(device).eval()


def _detections(results, thr: float) -> list[tuple]:
    """Each sample's (boxes, scores, labels) as NumPy arrays, scores at least ``thr``.

    The whole batch comes to the host in one copy: three small copies per image would each
    wait for the GPU.
    """
    import numpy as np
    import torch

    preds = [r.pred_instances for r in results]
    counts = [len(p.scores) for p in preds]
    rows = torch.cat([torch.cat([p.bboxes.float(), p.scores.float()[:, None], p.labels.float()[:, None]], 1)
                      for p in preds]).cpu().numpy()
    out = []
    for chunk in np.split(rows, np.cumsum(counts)[:-1]):
        chunk = chunk[chunk[:, 4] >= thr]
        out.append((chunk[:, :4], chunk[:, 4], chunk[:, 5].astype(np.int64)))
    return out


def run_inference_rank(config: str, weights: str, source: dict, out_dir: str, device: str = "cpu",
                       batch_size: int = 1, workers: int | None = None, fp16: bool = False,
                       score_thr: float | None = None,
                       resume: bool = False, skip_unreadable: bool = False, cfg_options: Sequence[str] = (),
                       on_progress: Callable[[int, int], None] | None = None) -> dict | None:
    """Run this process's shard; rank 0 merges all shards into det.json and returns a summary.

    ``source`` is an ImageSource as a dict. Raises InferError for unusable inputs, and for
    unreadable images unless ``skip_unreadable``.
    """
    import orjson
    import torch
    import torch.distributed as dist
    from mmdet.registry import DATASETS

    from .config import parse_cfg_options
    from .data.det_output import detections_to_frame, number_labels

    started = time.perf_counter()
    if device == "cuda" and not torch.cuda.is_available():
        raise InferError("--device cuda, but PyTorch sees no GPU here; use --device cpu")
    init_distributed(device)
    rank, world, local_rank = rank_and_world()
    dev = f"cuda:{local_rank}" if device == "cuda" else "cpu"
    src = ImageSource(**{**source, "names": tuple(source["names"]) if source.get("names") is not None else None})
    if device == "cuda":
        # BDD100K frames are all 1280x720, so a set has one input shape and the tuned kernels
        # are found once; a folder of mixed sizes would pay the search again for every shape.
        torch.backends.cudnn.benchmark = src.names is None
    cfg = _load_config(config, src.data_root, score_thr, parse_cfg_options(cfg_options))
    preprocessor = cfg.model.get("data_preprocessor") or {}
    if device == "cuda" and preprocessor.get("type") == "DetDataPreprocessor":
        # The loader hands over pinned batches: their copy to the GPU can overlap with the
        # launches that follow instead of blocking the one thread that feeds the GPU.
        preprocessor.setdefault("non_blocking", True)
    dataset = DATASETS.build(dict(type="BDD100KDetDataset", data_root=src.data_root, ann_file=src.ann_file,
                                  data_prefix=dict(img=src.img_prefix), test_mode=True,
                                  pipeline=cfg.test_dataloader.dataset.pipeline,
                                  image_names=list(src.names) if src.names is not None else None))
    n = len(dataset)
    if n == 0:
        raise InferError(f"{src.description or src.data_root}: no images to run on")
    out = Path(out_dir)
    parts = out / PARTS_DIR
    done, skipped_before = _read_parts(parts) if resume else ({}, {})
    todo = [i for i in range(n) if i not in done and i not in skipped_before][rank::world]
    if workers is None:  # up to 4 decoding processes per rank, within the machine's cores
        workers = min(4, max(1, (os.cpu_count() or 1) // world))
    loader = torch.utils.data.DataLoader(_Items(dataset, todo), batch_size=batch_size, num_workers=workers,
                                         collate_fn=_collate, shuffle=False, pin_memory=device == "cuda",
                                         worker_init_fn=_quiet_worker if workers else None)
    # The workers start decoding now, while the weights load and the GPU starts up; forking them
    # before CUDA is initialised also keeps the GPU context out of the children.
    batches = iter(loader)
    model = _build_model(cfg, weights, dev)
    # Only with the images and the weights known to be usable is the output folder touched.
    if rank == 0:
        if not resume and parts.exists():
            shutil.rmtree(parts)
        parts.mkdir(parents=True, exist_ok=True)
    if world > 1:
        dist.barrier()
    part_file = parts / f"part-{rank}-of-{world}-{os.getpid()}.jsonl"
    thr = score_thr if score_thr is not None else 0.0
    autocast = torch.autocast("cuda", dtype=torch.float16) if (fp16 and device == "cuda") else contextlib.nullcontext()
    processed = 0
    with open(part_file, "ab") as sink, torch.inference_mode(), autocast:
        for indices, data, errors in batches:
            for i, err in errors:
                if not skip_unreadable:
                    raise InferError(f"unreadable image {err} (pass --skip-unreadable to go on without it)")
                sink.write(orjson.dumps({"i": i, "error": err}) + b"\n")
            if data is not None:
                try:
                    results = model.test_step(data)
                except torch.OutOfMemoryError:
                    raise InferError(f"the GPU ran out of memory at {batch_size} images per batch; pass a smaller "
                                     "--batch-size (add --resume to keep what is done)") from None
                for i, (boxes, scores, labels) in zip(indices, _detections(results, thr)):
                    frame = detections_to_frame(dataset.frame_name(i), boxes, scores, labels)
                    sink.write(orjson.dumps({"i": i, "frame": frame}) + b"\n")
            sink.flush()
            processed += len(indices) + len(errors)
            if on_progress and rank == 0:
                on_progress(processed, len(todo))
    if world > 1:
        dist.barrier()
    summary = None
    if rank == 0:
        frames, skipped = _read_parts(parts)
        missing = [i for i in range(n) if i not in frames and i not in skipped]
        if missing:
            raise InferError(f"{len(missing)} images have no result (first: {dataset.get_data_info(missing[0])['img_path']})")
        merged = number_labels([frames[i] for i in range(n) if i in frames])
        from .atomic_write import atomic_write_bytes

        atomic_write_bytes(out / RESULT_NAME, orjson.dumps(merged))
        shutil.rmtree(parts)
        summary = {"images": len(merged), "skipped": [skipped[i] for i in sorted(skipped)],
                   "seconds": round(time.perf_counter() - started, 2), "predictions": str(out / RESULT_NAME),
                   "labels": sum(len(f["labels"]) for f in merged)}
        if world > 1:  # the launching process reads it (it is not one of the ranks)
            (out / ".summary.json").write_text(json.dumps(summary))
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return summary


def run_inference(request: dict, settings, on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Run inference in one process, as a Slurm task, or in ``settings.world_size`` torchrun processes.

    ``request`` holds run_inference_rank's arguments; returns rank 0's summary.
    """
    from .launch import run_torchrun, slurm_rank_env

    slurm = slurm_rank_env(settings.master_addr if settings.nnodes > 1 else None, settings.master_port)
    if slurm is not None:
        os.environ.update(slurm)
        return run_inference_rank(**request, on_progress=on_progress) or {}
    if settings.world_size == 1:
        return run_inference_rank(**request, on_progress=on_progress)
    out = Path(request["out_dir"])
    run_torchrun("infer", request, settings, out)
    summary_file = out / ".summary.json"
    if settings.node_rank != 0:
        return {}
    summary = json.loads(summary_file.read_text())
    summary_file.unlink()
    return summary
