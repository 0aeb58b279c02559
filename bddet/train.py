"""Training any zoo model (or a config inheriting ours) with MMEngine's Runner.

One process runs the Runner in-process; several go through torchrun (launch.py), each
joining the process group before the Runner starts. The recipe is the config's: bddet
only fills in the data root and work dir, fetches pretrained backbones through its cache
and mirrors, and makes resuming work under PyTorch's weights_only loading.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Sequence

from .errors import BddetError
from .launch import dist_backend, init_distributed, rank_and_world

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
    from .download import fetch_pretrained

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

    from .checkpoint import _allowed_globals

    torch.serialization.add_safe_globals(_allowed_globals())


def prepare_config(config: str, data_root: str, work_dir: str, device: str, world_size: int, amp: bool = False,
                   load_from: str | None = None, auto_scale_lr: bool = False, resume: bool = False,
                   resume_from: str | None = None, cfg_options: Sequence[str] = (),
                   mirrors: Sequence[str] = (), manifest_mirrors: Sequence[str] = ()):
    """The Runner config: the recipe plus data root, work dir, device, launcher and local backbones."""
    from .config import load_config, parse_cfg_options

    cfg = load_config(config, data_root, parse_cfg_options(cfg_options))
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


def run_training_rank(config: str, data_root: str, work_dir: str, device: str = "cpu", amp: bool = False,
                      load_from: str | None = None, auto_scale_lr: bool = False, resume: bool = False,
                      resume_from: str | None = None, cfg_options: Sequence[str] = (),
                      mirrors: Sequence[str] = (), manifest_mirrors: Sequence[str] = (),
                      show_progress: bool = False) -> dict:
    """Train as this process's rank; returns the last checkpoint and epochs done."""
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # mmengine picks CUDA whenever it sees a GPU
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise TrainError("--device cuda, but PyTorch sees no GPU here; use --device cpu")
    from mmdet.utils import register_all_modules
    from mmengine.runner import Runner

    register_all_modules()
    _allow_mmengine_checkpoints()
    init_distributed(device)
    rank, world, _ = rank_and_world()
    cfg = prepare_config(config, data_root, work_dir, device, world, amp, load_from, auto_scale_lr, resume,
                         resume_from, cfg_options, mirrors, manifest_mirrors)
    if show_progress and rank == 0:
        cfg.custom_hooks = list(cfg.get("custom_hooks", [])) + [dict(type="RichProgressHook")]
    if resume and not resume_from and last_checkpoint(work_dir) is None:
        raise TrainError(f"--resume: {work_dir} has no checkpoint to resume from")
    runner = Runner.from_cfg(cfg)
    runner.train()
    return training_summary(work_dir)


def training_summary(work_dir: str | Path) -> dict:
    """The last checkpoint of a work dir and the epoch it ended."""
    ckpt = last_checkpoint(work_dir)
    epoch = re.search(r"epoch_(\d+)", ckpt.name) if ckpt else None
    return {"last_checkpoint": str(ckpt) if ckpt else None, "epoch": int(epoch.group(1)) if epoch else None}


def run_training(request: dict, settings) -> dict:
    """Train in one process, as a Slurm task, or in ``settings.world_size`` torchrun processes."""
    from .launch import run_torchrun, slurm_rank_env

    slurm = slurm_rank_env(settings.master_addr if settings.nnodes > 1 else None, settings.master_port)
    if slurm is not None:
        os.environ.update(slurm)
        return run_training_rank(**request)
    if settings.world_size == 1:
        return run_training_rank(**request)
    run_torchrun("train", {k: v for k, v in request.items() if k != "show_progress"}, settings,
                 Path(request["work_dir"]))
    return training_summary(request["work_dir"])
