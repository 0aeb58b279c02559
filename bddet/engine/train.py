"""Training any zoo model (or a config inheriting ours) with MMEngine's Runner.

``train()`` is the library call behind `bddet train`. One process runs the Runner in-process;
several are started by dist.launch (PyTorch's elastic launcher), each joining the process
group before the Runner starts. The recipe is the config's: bddet
only fills in the data root and work dir, fetches pretrained backbones through its cache
and mirrors, and makes resuming work under PyTorch's weights_only loading.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..callbacks import MessageCallback, ProgressCallback
from ..errors import BddetError, OptionsError
from .dist import DistSettings, dist_backend, init_distributed, launch, rank_and_world

PRETRAINED_SCHEMES = ("torchvision://", "open-mmlab://", "openmmlab://", "http://", "https://")


class TrainError(BddetError):
    """Training settings that cannot work."""


def _pretrained_url(checkpoint: str) -> str:
    """The download URL behind mmengine's ``torchvision://`` and ``open-mmlab://`` names."""
    from mmengine.runner.checkpoint import get_deprecated_model_names, get_external_models, get_torchvision_models

    if checkpoint.startswith("torchvision://"):
        return get_torchvision_models()[checkpoint[len("torchvision://"):]]
    for prefix in ("open-mmlab://", "openmmlab://"):
        if checkpoint.startswith(prefix):
            name = checkpoint[len(prefix):]
            name = get_deprecated_model_names().get(name, name)
            return get_external_models()[name]
    return checkpoint


def _localise_pretrained(node, mirrors: Sequence[str], manifest_mirrors: Sequence[str]) -> None:
    """Replace every remote ``init_cfg`` checkpoint in the model config with a cached local file."""
    from ..zoo.download import fetch_pretrained

    if isinstance(node, dict):
        init = node.get("init_cfg")
        if isinstance(init, dict) and isinstance(init.get("checkpoint"), str) \
                and init["checkpoint"].startswith(PRETRAINED_SCHEMES):
            init["checkpoint"] = str(fetch_pretrained(_pretrained_url(init["checkpoint"]), mirrors, manifest_mirrors))
        for value in node.values():
            _localise_pretrained(value, mirrors, manifest_mirrors)
    elif isinstance(node, list):
        for value in node:
            _localise_pretrained(value, mirrors, manifest_mirrors)


def _allow_mmengine_checkpoints() -> None:
    """Let torch.load(weights_only=True), which mmengine calls when resuming, read what mmengine saves."""
    import torch

    from ..zoo.checkpoint import allowed_globals

    torch.serialization.add_safe_globals(allowed_globals())


def prepare_config(config: str, data_root: str, work_dir: str, device: str, world_size: int, amp: bool = False,
                   load_from: str | None = None, auto_scale_lr: bool = False, resume: bool = False,
                   resume_from: str | None = None, cfg_options: dict | None = None,
                   mirrors: Sequence[str] = (), manifest_mirrors: Sequence[str] = (), config_sha256: str | None = None):
    """The Runner config: the recipe plus data root, work dir, device, launcher and local backbones.

    ``config_sha256``: the config came from a mirror and is read as data (config_files.load_config).
    """
    from ..zoo.config_files import load_config

    cfg = load_config(config, data_root, cfg_options, config_sha256)
    cfg.work_dir = work_dir
    cfg.launcher = "pytorch" if world_size > 1 else "none"
    cfg.setdefault("env_cfg", {}).setdefault("dist_cfg", {})["backend"] = dist_backend(device)
    if device == "cpu" and world_size > 1:
        # DDP on CPU takes no device ids (mmengine passes LOCAL_RANK by default)
        cfg.model_wrapper_cfg = dict(type="MMDistributedDataParallel", device_ids=None, broadcast_buffers=False)
    for loader in ("train_dataloader", "val_dataloader", "test_dataloader"):
        dl = cfg.get(loader)
        if dl is not None and dl.get("num_workers", 0) == 0:
            dl["persistent_workers"] = False  # PyTorch refuses persistent workers without workers
    if amp:
        if device != "cuda":
            raise TrainError("--amp needs a GPU (--device cuda)")
        if cfg.optim_wrapper.get("type") != "AmpOptimWrapper":
            cfg.optim_wrapper.type = "AmpOptimWrapper"
            cfg.optim_wrapper.setdefault("loss_scale", "dynamic")
    if auto_scale_lr:
        if "auto_scale_lr" not in cfg:
            raise TrainError(f"{config}: has no auto_scale_lr.base_batch_size to scale from")
        cfg.auto_scale_lr.enable = True
    if load_from:
        cfg.load_from = load_from
    if resume_from:
        cfg.load_from, cfg.resume = resume_from, True
    elif resume:
        cfg.resume = True  # mmengine picks the work dir's last checkpoint
    _localise_pretrained(cfg.model, mirrors, manifest_mirrors)
    return cfg


def lr_scaling(cfg, world_size: int) -> tuple[int, int, float] | None:
    """(base batch, actual batch, factor) that --auto-scale-lr applies, or None when it is off."""
    scale = cfg.get("auto_scale_lr") or {}
    if not scale.get("enable"):
        return None
    actual = world_size * cfg.train_dataloader.batch_size
    return scale["base_batch_size"], actual, actual / scale["base_batch_size"]


def last_checkpoint(work_dir: str | Path) -> Path | None:
    """The newest checkpoint mmengine recorded in ``work_dir`` (its ``last_checkpoint`` file)."""
    marker = Path(work_dir) / "last_checkpoint"
    if not marker.is_file():
        return None
    path = Path(marker.read_text().strip())
    return path if path.is_file() else None


@dataclass(frozen=True)
class TrainRequest:
    """What every rank runs: resolved paths and settings, picklable for the worker processes."""

    config: str
    data_root: str
    work_dir: str
    device: str = "cpu"
    amp: bool = False
    load_from: str | None = None
    auto_scale_lr: bool = False
    resume: bool = False
    resume_from: str | None = None
    cfg_options: dict = field(default_factory=dict)
    mirrors: tuple[str, ...] = ()
    manifest_mirrors: tuple[str, ...] = ()
    on_progress: ProgressCallback | None = None
    config_sha256: str | None = None   # a mirror's config: read as data, and only with this digest


@dataclass
class TrainResult:
    """A finished (or resumed and finished) training run."""

    checkpoint: Path | None      # the last checkpoint mmengine wrote
    epoch: int | None
    work_dir: Path
    config: Path
    model: str | None            # zoo name, or None for a config of one's own
    device: str
    processes: int
    seconds: float
    run_id: str | None = None    # the workspace record (train-N)
    lr_scaling: tuple[int, int, float] | None = None   # (recipe batch, actual batch, factor)


def run_training_rank(req: TrainRequest) -> dict:
    """Train as this process's rank; returns the last checkpoint and epochs done."""
    if req.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # mmengine picks CUDA whenever it sees a GPU
    import torch

    if req.device == "cuda" and not torch.cuda.is_available():
        raise TrainError("--device cuda, but PyTorch sees no GPU here; use --device cpu")
    from mmdet.utils import register_all_modules
    from mmengine.runner import Runner

    register_all_modules()
    _allow_mmengine_checkpoints()
    init_distributed(req.device)
    rank, world, _ = rank_and_world()
    cfg = prepare_config(req.config, req.data_root, req.work_dir, req.device, world, req.amp, req.load_from,
                         req.auto_scale_lr, req.resume, req.resume_from, req.cfg_options, req.mirrors,
                         req.manifest_mirrors, req.config_sha256)
    if req.resume and not req.resume_from and last_checkpoint(req.work_dir) is None:
        raise TrainError(f"--resume: {req.work_dir} has no checkpoint to resume from")
    runner = Runner.from_cfg(cfg)
    if req.on_progress is not None and rank == 0:
        runner.register_hook(_progress_hook(req.on_progress), priority="VERY_LOW")
    runner.train()
    return training_summary(req.work_dir)


def _progress_hook(on_progress: ProgressCallback):
    """An MMEngine hook reporting (iterations done, iterations in all) after each iteration.

    Registered on the runner directly (not by config), so the library hands the caller's
    callback to MMEngine without a hook that draws anything itself.
    """
    from mmengine.hooks import Hook

    class ProgressHook(Hook):
        def before_train(self, runner) -> None:
            on_progress(runner.iter, runner.max_iters)

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            on_progress(runner.iter + 1, runner.max_iters)

    return ProgressHook()


def training_summary(work_dir: str | Path) -> dict:
    """The last checkpoint of a work dir and the epoch it ended."""
    ckpt = last_checkpoint(work_dir)
    epoch = re.search(r"epoch_(\d+)", ckpt.name) if ckpt else None
    return {"last_checkpoint": str(ckpt) if ckpt else None, "epoch": int(epoch.group(1)) if epoch else None}


def train(model: str, *, workspace=None, data_root: str | os.PathLike[str] | None = None,
          work_dir: str | os.PathLike[str] | None = None, device: str | None = None, amp: bool = False,
          load_from: str | os.PathLike[str] | None = None, auto_scale_lr: bool = False, resume: bool = False,
          resume_from: str | os.PathLike[str] | None = None, cfg_options: dict | None = None,
          mirrors: Sequence[str] = (), dist: DistSettings | None = None, show_progress: bool = False,
          on_message: MessageCallback | None = None, on_progress: ProgressCallback | None = None) -> TrainResult:
    """Train a zoo model (name or prefix) or a config file with its recipe; return the last checkpoint.

    ``workspace`` supplies the data root, mirrors for pretrained backbones, a default work dir
    (``runs/train/<model>-N``) and, with ``resume``, the model's latest run; the run is recorded
    there (``bddet infer --weights train-N`` runs it). Without a workspace give ``data_root``
    and ``work_dir``. ``on_progress(iterations done, iterations in all)`` is called by rank 0
    after each iteration (picklable with several processes); ``show_progress`` is kept for
    scripts written before it and does nothing (the library never draws: pass a callback).
    ``on_message(level, line)`` hears what a user should be told before training ends.
    """
    from ..zoo.config_files import config_digest, load_config, resolve_config
    from ..workspace import record_run

    say = on_message or (lambda level, text: None)
    manifest = workspace.read() if workspace else None
    if not isinstance(cfg_options, (dict, type(None))):
        raise TrainError("cfg_options must be a dict (parse KEY=VALUE strings with bddet.config.parse_cfg_options)")
    config, zoo_model = resolve_config(model, workspace)
    config_sha256 = config_digest(zoo_model)
    stem = zoo_model.alias if zoo_model else config.stem
    if data_root is None:
        if workspace is None:
            raise TrainError("without a workspace, give the data root (BDD100K layout)")
        data_root = workspace.data_root()
    device = device or (dist.device if dist else None)
    if device not in (None, "cuda", "cpu"):
        raise TrainError(f"device '{device}': choose cuda or cpu")
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    settings = DistSettings(**{**(dist.__dict__ if dist else {}), "device": device})
    if work_dir is None and resume and not resume_from:
        runs = [r for r in (manifest or {}).get("train_runs", {}).values() if r.get("config") == str(config)]
        if not runs:
            raise OptionsError(f"--resume: no earlier training run of {stem} to resume; pass --work-dir")
        work_dir = workspace.resolve(runs[-1]["work_dir"])
    if work_dir is None:
        if workspace is None:
            raise TrainError("without a workspace, give a work dir")
        n = 1
        while (workspace.root / "runs" / "train" / f"{stem}-{n}").exists():
            n += 1
        work_dir = workspace.root / "runs" / "train" / f"{stem}-{n}"
    work_dir = Path(work_dir).expanduser().resolve()
    scaling = None
    if auto_scale_lr:
        cfg = load_config(config, cfg_options=cfg_options, sha256=config_sha256)
        if "auto_scale_lr" not in cfg:
            raise TrainError(f"{config}: has no auto_scale_lr.base_batch_size to scale from")
        cfg.auto_scale_lr.enable = True
        scaling = lr_scaling(cfg, settings.world_size)
        base, actual, factor = scaling
        say("info", f"--auto-scale-lr: the recipe's lr is for a batch of {base}; yours is {actual} "
                    f"({settings.world_size} x {cfg.train_dataloader.batch_size}), so lr x {factor:g}")
    if resume and not resume_from:
        say("info", f"resuming from the last checkpoint in {work_dir}")
    say("info", f"training {stem} in {work_dir} ({settings.world_size} process{'es' if settings.world_size > 1 else ''}"
                f", {device})")
    request = TrainRequest(config=str(config), config_sha256=config_sha256, data_root=str(data_root),
                           work_dir=str(work_dir), device=device,
                           amp=amp, load_from=str(load_from) if load_from else None, auto_scale_lr=auto_scale_lr,
                           resume=resume, resume_from=str(resume_from) if resume_from else None,
                           cfg_options=dict(cfg_options or {}), mirrors=tuple(mirrors),
                           manifest_mirrors=tuple((manifest or {}).get("mirrors", ())),
                           on_progress=on_progress)
    started = time.time()
    launch(run_training_rank, request, settings)
    summary = training_summary(work_dir)
    result = TrainResult(checkpoint=Path(summary["last_checkpoint"]) if summary["last_checkpoint"] else None,
                         epoch=summary["epoch"], work_dir=work_dir, config=config,
                         model=zoo_model.name if zoo_model else None, device=device,
                         processes=settings.world_size, seconds=round(time.time() - started, 1), lr_scaling=scaling)
    if workspace is not None and settings.node_rank == 0:
        record = {"model": result.model, "config": str(config), "work_dir": str(work_dir),
                  "last_checkpoint": summary["last_checkpoint"], "epoch": summary["epoch"],
                  "processes": settings.world_size, "seconds": result.seconds,
                  "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        # resuming a run updates its record rather than adding another
        result.run_id = record_run(workspace, "train_runs", "train", record, make_current=False,
                                   replace_where=("work_dir", str(work_dir)))
    return result
