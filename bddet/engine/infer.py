"""Inference over BDD100K sets or a user's images: batched, sharded across processes, resumable.

``infer()`` is the library call behind `bddet infer`: it resolves the model, weights, images,
device and output folder (from the workspace where one is given), runs, and records the run.
Each process (one per GPU, started by dist.launch) runs the model on a disjoint shard of the
images and appends its frames to ``<out>/.parts/`` as it goes; rank 0 then merges the parts
in dataset order into ``<out>/det.json`` (Scalabel format) with one atomic write. ``resume``
skips the images, by name, that any earlier part already holds.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..callbacks import MessageCallback, ProgressCallback
from ..data.image_sources import ImageSource, images_source, set_source
from ..data.run_files import (PARTS_DIR, RESULT_NAME, RUN_LOCK, VIDEO_SETTINGS, VIDEOS_NAME, read_parts,
                              write_run_record)
from ..data.layout import SPLITS
from ..errors import BddetError, OptionsError, error_reason
from .dist import DistSettings, init_distributed, launch, rank_and_world


class InferError(BddetError):
    """Inference inputs that cannot be used."""


@dataclass(frozen=True)
class InferRequest:
    """What every rank runs: resolved paths and settings, picklable for the worker processes."""

    config: str
    weights: str
    source: ImageSource
    out_dir: str
    device: str = "cpu"
    batch_size: int = 1
    workers: int | None = None
    fp16: bool | None = None     # mixed precision on a GPU; None: as the config says (test_mixed_precision)
    score_thr: float | None = None
    resume: bool = False
    skip_unreadable: bool = False
    cfg_options: dict = field(default_factory=dict)
    on_progress: ProgressCallback | None = None
    every: int | None = None
    fps: float | None = None
    config_sha256: str | None = None   # a mirror's config: read as data, and only with this digest
    backend: str = "pytorch"           # or "onnxruntime": weights is then a `bddet export` file


@dataclass(frozen=True)
class RankSummary:
    """What rank 0 reports once det.json is written."""

    predictions: Path
    images: int
    detections: int
    skipped: tuple[str, ...]
    seconds: float
    skipped_frames: int = 0
    mixed_precision: bool = False


@dataclass
class InferResult:
    """A finished inference run."""

    predictions: Path            # det.json (Scalabel frames)
    out_dir: Path
    images: int                  # frames written
    detections: int
    skipped: list[str]           # "path: why" of unreadable images and videos left out (skip_unreadable)
    seconds: float
    model: str | None            # zoo name, or None for a config file of one's own
    config: Path
    weights: Path
    device: str
    processes: int
    run_id: str | None = None    # the workspace record (infer-N), when there is a workspace
    warnings: list[str] = field(default_factory=list)
    mixed_precision: bool = False  # ran with the original stack's mixed precision (a GPU, fp16 models)
    backend: str = "pytorch"     # "onnxruntime" for an exported file (weights and config are then that file)


BACKENDS = ("pytorch", "onnxruntime")


class _Items:
    """Dataset items by frame name; an unreadable image becomes an error record, not a crash."""

    def __init__(self, dataset, indices: list[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int):
        from ..data.image_files import image_file_problem

        i = self.indices[k]
        name = self.dataset.frame_name(i)
        path = self.dataset.get_data_info(i)["img_path"]
        problem = image_file_problem(path)
        if problem:
            return name, None, f"{path}: {problem}"
        try:
            return name, self.dataset[i], None
        except Exception as e:  # noqa: BLE001 - sorted out below
            if _decodes(path):
                raise InferError(f"{path}: preparing the image failed ({type(e).__name__}: {e})") from None
            return name, None, f"{path}: cannot be decoded as an image (damaged, or an encoding the decoder lacks)"


def _decodes(path: str) -> bool:
    """Whether an image file decodes at all (to tell a corrupt image from a pipeline error)."""
    import mmcv

    try:
        return mmcv.imread(path) is not None
    except Exception:  # noqa: BLE001 - any decoder failure
        return False


def quiet_loader_worker(_worker_id: int) -> None:
    """One thread per loader worker: N workers with all cores each would starve the main process."""
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(0)


def collate_frames(batch):
    """A loader batch of (name, data or None, error or None) as (names, mmdet batch or None, errors)."""
    from mmengine.dataset import pseudo_collate

    good = [(name, d) for name, d, err in batch if err is None]
    errors = [(name, err) for name, _, err in batch if err is not None]
    data = pseudo_collate([d for _, d in good]) if good else None
    return [name for name, _ in good], data, errors


def _test_step_by_size(model, data) -> list:
    """``model.test_step`` on a loader batch, one call per input size, results in the batch's order.

    MMDetection pads a batch to its largest image; the zoo's original stack ran one image at a
    time, each padded to its own size. Images of one size (BDD100K, a video) stay one batch.
    """
    inputs = data["inputs"]
    shapes = [tuple(x.shape[-2:]) for x in inputs]
    if len(set(shapes)) == 1:
        return model.test_step(data)
    results: list = [None] * len(inputs)
    for shape in dict.fromkeys(shapes):
        idx = [i for i, s in enumerate(shapes) if s == shape]
        part = {"inputs": [inputs[i] for i in idx], "data_samples": [data["data_samples"][i] for i in idx]}
        for i, result in zip(idx, model.test_step(part)):
            results[i] = result
    return results


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


def videos_record(src: ImageSource, req: InferRequest, lost: list[list[int]]) -> dict:
    """The videos of a run: file, name, rate, size, the source frame behind each frameIndex, and
    the frameIndex values that could not be decoded (not in det.json); with the image folder."""
    return {"every": req.every, "fps": req.fps, "image_root": str(Path(src.data_root) / src.img_prefix), "videos": [
        {"videoName": v.name, "path": v.probe.path, "fps": str(v.probe.fps), "frames": v.probe.frames,
         "width": v.probe.width, "height": v.probe.height, "kept": list(v.kept), "skipped": ks}
        for v, ks in zip(src.videos, lost)]}


def _ranges(ks: list[int]) -> str:
    """1-based frame numbers as ranges: [0, 1, 2, 5] -> '1-3, 6'."""
    out, start = [], None
    for i, k in enumerate(ks):
        if start is None:
            start = k
        if i + 1 == len(ks) or ks[i + 1] != k + 1:
            out.append(f"{start + 1}" if start == k else f"{start + 1}-{k + 1}")
            start = None
    return ", ".join(out)


def _skipped_lines(src: ImageSource, image_names: list[str], video_names: list[list[str]],
                   skipped: dict[str, str]) -> tuple[list[str], list[list[int]]]:
    """One line per unreadable image, and one per video that lost frames (which, and the first
    reason); with each video's lost frameIndex values."""
    lines = [skipped[name] for name in image_names if name in skipped]
    lost: list[list[int]] = []
    for v, names in zip(src.videos, video_names):
        ks = [k for k, name in enumerate(names) if name in skipped]
        lost.append(ks)
        if ks:
            reason = skipped[names[ks[0]]].removeprefix(f"{v.probe.path}: ")
            lines.append(f"{v.probe.path}: {len(ks)} of its {len(v.kept)} frames could not be decoded "
                         f"(frames {_ranges(ks)} of the output; {reason})")
    return lines, lost


def _check_video_settings(parts: Path, settings: dict) -> None:
    """A resumed run must keep the frames it started with: frame k means one source frame."""
    import orjson

    path = parts / VIDEO_SETTINGS
    if path.is_file():
        before = orjson.loads(path.read_bytes())
        if before != settings:
            was = ", ".join(f"--{k} {v}" for k, v in before.items() if v is not None) or "every frame"
            raise InferError(f"--resume: the run being resumed kept {was}; give the same frame selection")


def run_inference_rank(req: InferRequest) -> RankSummary | None:
    """Run this process's shard; rank 0 merges all shards into det.json and returns a summary.

    Raises InferError for unusable inputs, and for unreadable images unless ``skip_unreadable``.
    """
    import orjson
    import torch
    import torch.distributed as dist
    from mmdet.registry import DATASETS

    from ..data.det_output import detections_to_frame, number_labels
    from ..zoo.checkpoint import build_detector
    from ..zoo.config_files import ConfigError, prepare_model_config, test_pipeline
    from .mmdet2_parity import mmdet2_mixed_precision, mmdet2_rescale

    device, batch_size, workers, src = req.device, req.batch_size, req.workers, req.source
    started = time.perf_counter()
    if device == "cuda" and not torch.cuda.is_available():
        raise InferError("--device cuda, but PyTorch sees no GPU here; use --device cpu")
    init_distributed(device)
    rank, world, local_rank = rank_and_world()
    dev = f"cuda:{local_rank}" if device == "cuda" else "cpu"
    if device == "cuda":
        # BDD100K frames are all 1280x720, so a set has one input shape and the tuned kernels
        # are found once; a folder of mixed sizes would pay the search again for every shape.
        # Videos of one size are one shape too (their sizes are known from the probe).
        one_size = len({(v.probe.width, v.probe.height) for v in src.videos}) == 1 and not src.names
        torch.backends.cudnn.benchmark = src.names is None or one_size
    exported = None
    if req.backend == "onnxruntime":  # the file says what it needs: its pipeline and normalisation
        from .onnx_backend import read_onnx_export

        from ..zoo.config_files import register_modules

        register_modules()  # the pipeline's transforms by name, as a config would have them

        exported = read_onnx_export(req.weights)
        cfg, pipeline = None, [dict(step) for step in exported.pipeline]
    else:
        cfg = prepare_model_config(req.config, src.data_root, req.cfg_options, req.score_thr, req.config_sha256)
        preprocessor = cfg.model.get("data_preprocessor") or {}
        if device == "cuda" and preprocessor.get("type") == "DetDataPreprocessor":
            # The loader hands over pinned batches: their copy to the GPU can overlap with the
            # launches that follow instead of blocking the one thread that feeds the GPU.
            preprocessor.setdefault("non_blocking", True)
        pipeline = test_pipeline(cfg)
    dataset = None
    if src.names is None or src.names:  # a set, or some images among the inputs
        try:
            dataset = DATASETS.build(dict(type="BDD100KDetDataset", data_root=src.data_root, ann_file=src.ann_file,
                                          data_prefix=dict(img=src.img_prefix), test_mode=True, pipeline=pipeline,
                                          image_names=list(src.names) if src.names is not None else None))
        except BddetError:
            raise
        except Exception as e:  # noqa: BLE001 - a transform the config names that does not build
            raise ConfigError(f"{req.config}: its test pipeline does not build ({error_reason(e)})") from None
    image_names = [dataset.frame_name(i) for i in range(len(dataset))] if dataset is not None else []
    video_names = src.video_frame_names()
    names = src.output_order(image_names, video_names)
    if not names:
        raise InferError(f"{src.description or src.data_root}: no images to run on")
    out = Path(req.out_dir)
    parts = out / PARTS_DIR
    done, skipped_before = read_parts(parts) if req.resume else ({}, {})
    video_settings = {"every": req.every, "fps": req.fps}
    if src.videos and req.resume:
        _check_video_settings(parts, video_settings)
    finished = done.keys() | skipped_before.keys()
    todo = [i for i, name in enumerate(image_names) if name not in finished][rank::world]
    video_todo = [[k for k, name in enumerate(names_k) if name not in finished] for names_k in video_names]
    total = len(todo)  # this rank's share, for the progress bar (its video frames are added below)
    if workers is None:  # up to 4 decoding processes per rank, within the machine's cores
        workers = min(4, max(1, (os.cpu_count() or 1) // world))
    loaders = []
    # Images and videos each get their own loader, and half the workers when both are there.
    both = bool(todo) and any(video_todo)
    image_workers = (workers + 1) // 2 if both else workers
    video_workers = workers - image_workers if both else workers
    if todo:
        loaders.append(torch.utils.data.DataLoader(
            _Items(dataset, todo), batch_size=batch_size, num_workers=image_workers, collate_fn=collate_frames,
            shuffle=False, pin_memory=device == "cuda", worker_init_fn=quiet_loader_worker if image_workers else None))
    if any(video_todo):
        from .video_frames import VideoFrames, video_chunks, video_pipeline

        chunks = video_chunks(src.videos, video_todo, world, rank, video_workers)
        total += sum(len(c[1]) for c in chunks)
        if chunks:
            video_workers = min(video_workers, len(chunks))  # a worker without a piece would idle
            try:
                frames = VideoFrames(src.videos, chunks, video_pipeline(pipeline))
            except Exception as e:  # noqa: BLE001 - a transform the config names that does not build
                raise ConfigError(f"{req.config}: its test pipeline does not build ({error_reason(e)})") from None
            loaders.append(torch.utils.data.DataLoader(
                frames,
                batch_size=batch_size, num_workers=video_workers, collate_fn=collate_frames, pin_memory=device == "cuda",
                worker_init_fn=quiet_loader_worker if video_workers else None))
    # The workers start decoding now, while the weights load and the GPU starts up; forking them
    # before CUDA is initialised also keeps the GPU context out of the children.
    batches = itertools.chain.from_iterable([iter(loader) for loader in loaders])
    if exported is not None:
        from .onnx_backend import OnnxDetector

        # as many threads as PyTorch would use here (all the cores given; the same count in every
        # rank, as for PyTorch, so that N processes write the det.json of one)
        model, mixed = OnnxDetector(exported, device, torch.get_num_threads()), False
    else:
        model = build_detector(cfg, req.weights, dev)
        # The original stack's mixed precision where its test.py used it (test_mixed_precision in the
        # config) or where asked; CUDA autocast, so a CPU run is fp32 as the original's was.
        mixed = device == "cuda" and (req.fp16 if req.fp16 is not None else bool(cfg.get("test_mixed_precision")))
        if mixed:
            mmdet2_mixed_precision(model)
    # Only with the images and the weights known to be usable is the output folder touched.
    if rank == 0:
        if not req.resume and parts.exists():
            shutil.rmtree(parts)
        parts.mkdir(parents=True, exist_ok=True)
        if src.videos:
            from ..atomic_write import atomic_write_bytes

            atomic_write_bytes(parts / VIDEO_SETTINGS, orjson.dumps(video_settings))
    if world > 1:
        dist.barrier()
    part_file = parts / f"part-{rank}-of-{world}-{os.getpid()}.jsonl"
    thr = req.score_thr if req.score_thr is not None else 0.0
    autocast = torch.autocast("cuda", dtype=torch.float16) if mixed else contextlib.nullcontext()
    processed = 0
    video_frames = {name: (v.name, k) for v, names_k in zip(src.videos, video_names) for k, name in enumerate(names_k)}
    with open(part_file, "ab") as sink, torch.inference_mode(), autocast, mmdet2_rescale():
        for batch_names, data, errors in batches:
            for name, err in errors:
                if not req.skip_unreadable:
                    what = "video" if name in video_frames else "image"
                    raise InferError(f"unreadable {what} {err} (pass --skip-unreadable to go on without it)")
                sink.write(orjson.dumps({"name": name, "error": err}) + b"\n")
            if data is not None:
                try:
                    results = _test_step_by_size(model, data)
                except torch.OutOfMemoryError:
                    raise InferError(f"the GPU ran out of memory at {batch_size} images per batch; pass a smaller "
                                     "--batch-size (add --resume to keep what is done)") from None
                for name, (boxes, scores, labels) in zip(batch_names, _detections(results, thr)):
                    frame = detections_to_frame(name, boxes, scores, labels)
                    if name in video_frames:
                        frame["videoName"], frame["frameIndex"] = video_frames[name]
                    sink.write(orjson.dumps({"frame": frame}) + b"\n")
            sink.flush()
            processed += len(batch_names) + len(errors)
            if req.on_progress and rank == 0:
                req.on_progress(processed, total)
    if world > 1:
        dist.barrier()
    summary = None
    if rank == 0:
        frames, skipped = read_parts(parts)
        missing = [name for name in names if name not in frames and name not in skipped]
        if missing:
            raise InferError(f"{len(missing)} frames have no result (first: {missing[0]})")
        # only the current images, each once, in dataset order (parts may hold images since removed)
        merged = number_labels([frames[name] for name in names if name in frames])
        from ..atomic_write import atomic_write_bytes

        lines, lost = _skipped_lines(src, image_names, video_names, skipped)
        if src.videos:  # what `bddet vis --video` needs to find each frame in its video again
            atomic_write_bytes(out / VIDEOS_NAME, orjson.dumps(videos_record(src, req, lost)))
        atomic_write_bytes(out / RESULT_NAME, orjson.dumps(merged))
        shutil.rmtree(parts)
        summary = RankSummary(predictions=out / RESULT_NAME, images=len(merged),
                              detections=sum(len(f["labels"]) for f in merged), skipped=tuple(lines),
                              seconds=round(time.perf_counter() - started, 2),
                              skipped_frames=sum(name in skipped for name in names), mixed_precision=mixed)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return summary


@dataclass(frozen=True)
class ModelToRun:
    """What a run loads: the config, its digest when it came from a mirror, the checkpoint and names."""

    config: Path
    weights: Path
    model: str | None            # the catalogue name, or None for a config of one's own
    trained: bool                # from a `bddet train` run
    config_sha256: str | None = None
    warnings: tuple[str, ...] = ()


def resolve_weights(ws, model: str | None, weights: str | os.PathLike[str] | None) -> ModelToRun:
    """The config and checkpoint a run loads.

    ``weights`` may be a checkpoint file or a workspace training run id (``train-1``); without
    it, the model's downloaded weights recorded in the workspace (or, for a model of your own,
    in the cache). ``model`` defaults to the workspace's current model.
    """
    from ..zoo.config_files import config_digest, resolve_config

    manifest = ws.read() if ws else None
    if weights is not None and manifest and str(weights) in manifest["train_runs"]:
        run = manifest["train_runs"][str(weights)]
        ckpt = run.get("last_checkpoint")
        if not ckpt:
            raise InferError(f"training run '{weights}' has no checkpoint yet")
        path, zoo_model = resolve_config(model or run["config"], ws)
        return ModelToRun(path, ws.resolve(ckpt), zoo_model.name if zoo_model else run.get("model"), True,
                          config_digest(zoo_model))
    name = model or (manifest["current"]["model"] if manifest else None)
    if not name:
        raise InferError("no model given and none is current; run `bddet download NAME` or name one")
    path, zoo_model = resolve_config(name, ws)
    digest = config_digest(zoo_model)
    if weights is not None:
        w = Path(weights).expanduser()
        if not w.is_file():
            raise InferError(f"--weights {weights}: no such file" + (" or training run" if manifest else ""))
        return ModelToRun(path, w.resolve(), zoo_model.name if zoo_model else None, False, digest)
    record = (manifest or {}).get("weights", {}).get(zoo_model.name if zoo_model else "")
    if record is None and zoo_model is not None and zoo_model.source == "user":
        from ..zoo.cache import cached_path

        cached = cached_path(zoo_model.artifact_path("weights"))
        if cached.is_file():  # registered or imported on this machine: checked against its MD5 then
            return ModelToRun(path, cached, zoo_model.name, False, digest)
    if record is None:
        raise InferError(f"no weights for {name} in the workspace; run `bddet download {name}` or pass --weights PATH")
    warnings = () if record.get("verified") else (
        f"the weights of {zoo_model.alias} are unverified (no published MD5 was available)",)
    return ModelToRun(path, ws.resolve(record["path"]), zoo_model.name, False, digest, warnings)


def _workspace_export(ws, model: str | None) -> Path:
    """The ONNX file `bddet export` last wrote for ``model`` (default: the current model) in ``ws``."""
    manifest = ws.read() if ws else None
    if manifest is None:
        raise InferError("--backend onnxruntime outside a workspace: give the .onnx file as the model")
    name = model or manifest["current"]["model"]
    if not name:
        raise InferError("no model given and none is current; name the model or give the .onnx file")
    from ..zoo.catalogue import resolve_model

    try:
        stem = resolve_model(name, ws).alias
    except BddetError:
        stem = Path(name).stem
    found = [r for r in manifest.get("exports", {}).values() if r.get("model") == stem and r.get("onnx")]
    if not found:
        raise InferError(f"no ONNX export of {stem} in this workspace; run `bddet export {name}` or give the .onnx file")
    return ws.resolve(found[-1]["onnx"])


def _unique_run_dir(parent: Path, stem: str) -> Path:
    """A new folder ``parent/stem`` (``stem-2``, ``-3``... when taken), created here so that two
    runs started in the same second never share one."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = parent / (stem if n == 1 else f"{stem}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise InferError(f"{parent}: no free run folder name for {stem}")


def _cpu_rank_threads(device: str) -> int | None:
    """On a CPU, each rank computes with the threads one process would have.

    PyTorch's CPU kernels round differently with another thread count (last bits of boxes and
    scores); with the same count, N processes give exactly the det.json of one. The ranks then
    share the cores (oversubscribed), which costs little beside what a CPU run is for: checking
    a multi-GPU command, and results identical to a single process. A GPU rank needs one thread.
    """
    if device != "cpu":
        return None
    import torch

    return torch.get_num_threads()


@contextlib.contextmanager
def _output_lock(out: Path):
    """Hold ``out``'s run lock: a second run writing to the same folder refuses at once."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / RUN_LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InferError(f"{out}: another bddet run is writing to this folder (it holds {out / RUN_LOCK}); "
                         "wait for it to end, or pass another --out") from None
    try:
        yield
    finally:
        lock.release()


def infer(model: str | None = None, *, workspace=None, split: str | None = None,
          images: Sequence[str | os.PathLike[str]] | None = None, weights: str | os.PathLike[str] | None = None,
          device: str | None = None, batch_size: int | None = None, workers: int | None = None,
          fp16: bool | None = None,
          score_thr: float | None = None, out: str | os.PathLike[str] | None = None, resume: bool = False,
          skip_unreadable: bool = False, cfg_options: dict | None = None, dist: DistSettings | None = None,
          every: int | None = None, fps: float | None = None, backend: str | None = None,
          on_progress: ProgressCallback | None = None, on_message: MessageCallback | None = None) -> InferResult:
    """Detect objects with a zoo model (or a config and checkpoint) and write Scalabel det.json.

    ``workspace`` (a Workspace) supplies the current model, its downloaded weights, the data
    root for ``split`` and a default output folder, and gets the run recorded; without one,
    pass ``images``, ``weights`` and ``out``. ``images`` is a folder, or image and video files
    and glob patterns (videos: mp4, mov, avi, mkv). A video's kept frames (all; ``every`` K-th;
    or ``fps`` per second) become frames named ``<videoName>-<frameIndex + 1:07d>.jpg`` with
    ``videoName`` and ``frameIndex``, and ``videos.json`` beside det.json records where each
    came from. ``dist`` spreads the work over processes and machines (``device`` there too).
    ``fp16``: on a GPU, True runs the original stack's mixed precision (autocast with mmdet 2.x's
    fp32 decoding, NMS and RoIAlign), False fp32, None what the model's original test run did
    (mixed for the configs with ``test_mixed_precision``, the zoo's FP16 rows). A CPU runs fp32.
    ``on_progress(done, total)`` is called by rank 0 as images finish; with several processes
    it must be picklable (a module-level function or class). ``model`` may be a `bddet export`
    file (``.onnx``), run by ONNX Runtime; ``backend="onnxruntime"`` runs the workspace's export
    of the model instead of its PyTorch weights. ``on_message(level, line)``
    hears what a user should be told before the run ends. Raises InferError (or another
    BddetError) with the line to show.
    """
    from ..workspace import record_run

    say = on_message or (lambda level, text: None)
    if split and images:
        raise InferError("give either a set (split) or images, not both")
    if split not in (None, *SPLITS):
        raise OptionsError(f"--set {split}: choose {', '.join(SPLITS)}")
    requested_device = device or (dist.device if dist else None)
    if requested_device not in (None, "cuda", "cpu"):
        raise InferError(f"device '{requested_device}': choose cuda or cpu")
    if not isinstance(cfg_options, (dict, type(None))):
        raise InferError("cfg_options must be a dict (parse KEY=VALUE strings with bddet.config.parse_cfg_options)")
    if out is None and workspace is None:
        raise InferError("outside a workspace, say where the results go (out)")
    if backend not in (None, *BACKENDS):
        raise OptionsError(f"--backend {backend}: choose {' or '.join(BACKENDS)}")
    onnx_file = None
    if model is not None and str(model).lower().endswith(".onnx"):
        if backend == "pytorch":
            raise InferError(f"{model}: an ONNX file runs on --backend onnxruntime")
        backend, onnx_file = "onnxruntime", Path(model).expanduser()
    elif backend == "onnxruntime":
        onnx_file = _workspace_export(workspace, model)
    backend = backend or "pytorch"
    if onnx_file is not None:
        from .onnx_backend import read_onnx_export

        if weights is not None:
            raise InferError("--weights: an ONNX export holds its weights; export again to run other weights")
        if cfg_options:
            raise InferError("--cfg-options change a PyTorch config; an ONNX export runs as exported (export again "
                             "with the options)")
        exported = read_onnx_export(onnx_file)  # a file bddet cannot run is refused before anything starts
        to_run = ModelToRun(exported.path, exported.path, exported.model, False)
    else:
        to_run = resolve_weights(workspace, model, weights)
    config, weights_path, model_name, trained = to_run.config, to_run.weights, to_run.model, to_run.trained
    warnings = list(to_run.warnings)
    for line in warnings:
        say("warning", line)
    if (every is not None or fps is not None) and not images:
        raise InferError("--every and --fps apply to videos given with --images")
    probe_skipped: list[str] = []
    if images:
        source, probe_skipped = images_source([str(i) for i in images], every, fps, skip_unreadable)
    else:
        if workspace is None:
            raise InferError("without a workspace, give images (a folder, files or patterns) and an output folder")
        split = split or "val"
        source = set_source(workspace.data_root(), split)
    if requested_device is None:
        import torch

        requested_device = "cuda" if torch.cuda.is_available() else "cpu"
    device = requested_device
    if fp16 and backend == "onnxruntime":
        warnings.append("--fp16 applies to PyTorch models; the ONNX export runs as exported (fp32)")
        say("warning", warnings[-1])
        fp16 = False
    if fp16 and device == "cpu":
        warnings.append("--fp16 applies on a GPU only; running in full precision on the CPU")
        say("warning", warnings[-1])
        fp16 = False
    # On an H100, 8 per batch ran 1.4x as fast as 1; 4 leaves the big models room on smaller GPUs.
    # On a CPU batches only cost memory.
    if batch_size is None:
        batch_size = 4 if device == "cuda" else 1
    settings = DistSettings(**{**(dist.__dict__ if dist else {}), "device": device})
    created = False
    if out is None:
        stem = (Path(model_name).name if model_name else Path(config).stem).removesuffix("_det_bdd100k")
        stem = f"{stem}{'-onnx' if backend == 'onnxruntime' else ''}-{split or 'images'}-"
        runs = workspace.root / "runs" / "infer"
        if resume:  # the latest unfinished run of this model on these images
            unfinished = sorted((p for p in runs.glob(stem + "*") if (p / PARTS_DIR).is_dir()),
                                key=lambda p: p.stat().st_mtime)
            if not unfinished:
                raise InferError(f"--resume: no unfinished run {stem}* under {runs}; pass --out FOLDER")
            out_dir = unfinished[-1]
        else:
            out_dir = _unique_run_dir(runs, stem + time.strftime("%Y%m%d-%H%M%S"))
            created = True
    else:
        out_dir = Path(out).expanduser().resolve()
        created = not out_dir.exists()
        out_dir.mkdir(parents=True, exist_ok=True)
    say("info", f"{model_name or config}: {source.description} -> {out_dir} ({settings.world_size} process"
                f"{'es' if settings.world_size > 1 else ''}, {device})")
    request = InferRequest(config=str(config), config_sha256=to_run.config_sha256, weights=str(weights_path),
                           source=source, out_dir=str(out_dir),
                           device=device, batch_size=batch_size, workers=workers, fp16=fp16, score_thr=score_thr,
                           resume=resume, skip_unreadable=skip_unreadable, cfg_options=dict(cfg_options or {}),
                           on_progress=on_progress, every=every, fps=fps, backend=backend)
    if on_progress is not None and settings.world_size > 1:
        import pickle

        try:
            pickle.dumps(on_progress)
        except Exception:  # noqa: BLE001 - any pickling failure
            raise InferError("on_progress must be picklable with several processes (a module-level function "
                             "or class instance)") from None
    try:
        with _output_lock(out_dir) if settings.node_rank == 0 else contextlib.nullcontext():
            summary = launch(run_inference_rank, request, settings, rank_threads=_cpu_rank_threads(device))
    except BaseException:
        if created:  # a folder made for this run and left with nothing in it goes again
            leftovers = [p for p in out_dir.iterdir() if p.name != RUN_LOCK] if out_dir.is_dir() else []
            if not leftovers:
                shutil.rmtree(out_dir, ignore_errors=True)
        raise
    if summary is None:  # a machine without rank 0: that machine writes and records the result
        return InferResult(predictions=out_dir / RESULT_NAME, out_dir=out_dir, images=0, detections=0, skipped=[],
                           seconds=0.0, model=model_name, config=Path(config), weights=Path(weights_path),
                           device=device, processes=settings.world_size, warnings=warnings, backend=backend)
    result = InferResult(predictions=summary.predictions, out_dir=out_dir, images=summary.images,
                         detections=summary.detections, skipped=probe_skipped + list(summary.skipped),
                         seconds=summary.seconds,
                         model=model_name, config=Path(config), weights=Path(weights_path), device=device,
                         processes=settings.world_size, warnings=warnings,
                         mixed_precision=summary.mixed_precision, backend=backend)
    record = {
        "model": model_name, "config": str(config), "weights": str(weights_path), "trained": trained,
        "set": split if not images else None, "images": [str(i) for i in images] if images else None,
        "image_root": str(Path(source.data_root) / source.img_prefix),
        "output": str(out_dir), "predictions": str(summary.predictions), "image_count": summary.images,
        "videos": str(out_dir / VIDEOS_NAME) if source.videos else None,
        "skipped": len(probe_skipped) + summary.skipped_frames, "seconds": summary.seconds,
        "processes": settings.world_size, "precision": "mixed" if summary.mixed_precision else "fp32",
        "backend": backend,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    write_run_record(out_dir, record)  # the folder says what it is, in a workspace or not
    if workspace is not None:
        result.run_id = record_run(workspace, "infer_runs", "infer", record)
    return result
