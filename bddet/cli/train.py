"""`bddet train`: a zoo recipe (or your config inheriting one) on one GPU, many, or many machines."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..workspace import find_workspace, record_run
from ._options import WorkspaceOpt
from ._output import info

NAME = "train"
EXAMPLE = ("Example:  bddet train faster_rcnn_r50_fpn_1x --gpus 8      "
           "bddet train my_config.py --device cpu --cfg-options train_cfg.max_epochs=1")


def command(
    model: Annotated[str, typer.Argument(metavar="MODEL|CONFIG", help="Zoo model name or a config file.")],
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Processes on this machine, one per GPU (torchrun).")] = 1,
    nnodes: Annotated[int, typer.Option("--nnodes", min=1, help="Machines taking part.")] = 1,
    node_rank: Annotated[int, typer.Option("--node-rank", min=0, help="This machine's rank.")] = 0,
    master_addr: Annotated[str, typer.Option("--master-addr", help="Address of the rank-0 machine.")] = "127.0.0.1",
    master_port: Annotated[int, typer.Option("--master-port", help="Port on the rank-0 machine.")] = 29500,
    device: Annotated[Optional[str], typer.Option("--device", help="cuda or cpu (default: cuda if available).")] = None,
    work_dir: Annotated[Optional[Path], typer.Option("--work-dir", help="Where logs and checkpoints go.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Resume from the work dir's last checkpoint.")] = False,
    resume_from: Annotated[Optional[Path], typer.Option("--resume-from", help="Resume from this checkpoint.")] = None,
    amp: Annotated[bool, typer.Option("--amp", help="Mixed precision (GPU).")] = False,
    load_from: Annotated[Optional[Path], typer.Option("--load-from", help="Start from these weights (fine-tune).")] = None,
    auto_scale_lr: Annotated[bool, typer.Option(
        "--auto-scale-lr", help="Scale the lr linearly from the recipe's batch to yours.")] = False,
    cfg_options: Annotated[Optional[List[str]], typer.Option("--cfg-options", help="Config overrides KEY=VALUE.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Train a zoo model from ImageNet-pretrained backbones with its published recipe."""
    from ..config import resolve_config
    from ..launch import DistSettings
    from ..train import run_training

    if device not in (None, "cuda", "cpu"):
        raise typer.BadParameter("cuda or cpu", param_hint="--device")
    ws = find_workspace(workspace)
    manifest = ws.read()
    config, zoo_model = resolve_config(model)
    stem = zoo_model.alias if zoo_model else config.stem
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    if work_dir is None and resume and not resume_from:
        # the latest run of this model, to go on with it
        runs = [r for r in manifest["train_runs"].values() if r.get("config") == str(config)]
        if not runs:
            raise typer.BadParameter(f"no earlier training run of {stem} to resume; pass --work-dir", param_hint="--resume")
        work_dir = ws.resolve(runs[-1]["work_dir"])
    if work_dir is None:
        n = 1
        while (ws.root / "runs" / "train" / f"{stem}-{n}").exists():
            n += 1
        work_dir = ws.root / "runs" / "train" / f"{stem}-{n}"
    settings = DistSettings(gpus, nnodes, node_rank, master_addr, master_port, device)
    request = dict(config=str(config), data_root=str(ws.data_root()), work_dir=str(work_dir.resolve()), device=device,
                   amp=amp, load_from=str(load_from) if load_from else None, auto_scale_lr=auto_scale_lr,
                   resume=resume, resume_from=str(resume_from) if resume_from else None,
                   cfg_options=list(cfg_options or ()), mirrors=[], manifest_mirrors=manifest["mirrors"],
                   show_progress=True)
    if auto_scale_lr:
        from ..config import load_config, parse_cfg_options
        from ..train import lr_scaling

        cfg = load_config(config, cfg_options=parse_cfg_options(request["cfg_options"]))
        cfg.auto_scale_lr.enable = True
        base, actual, factor = lr_scaling(cfg, settings.world_size)
        info(f"--auto-scale-lr: the recipe's lr is for a batch of {base}; yours is {actual} "
             f"({settings.world_size} x {cfg.train_dataloader.batch_size}), so lr x {factor:g}")
    if resume and not resume_from:
        info(f"resuming from the last checkpoint in {work_dir}")
    info(f"training {stem} in {work_dir} ({settings.world_size} process{'es' if settings.world_size > 1 else ''}, "
         f"{device})")
    started = time.time()
    summary = run_training(request, settings)
    if node_rank != 0:
        return
    record = {"model": zoo_model.name if zoo_model else None, "config": str(config), "work_dir": request["work_dir"],
              "last_checkpoint": summary["last_checkpoint"], "epoch": summary["epoch"],
              "processes": settings.world_size, "seconds": round(time.time() - started, 1),
              "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    # resuming a run updates its record rather than adding another
    run_id = record_run(ws, "train_runs", "train", record, make_current=False,
                        replace_where=("work_dir", request["work_dir"]))
    info(f"done: {summary['last_checkpoint']} (epoch {summary['epoch']}); recorded as {run_id} — "
         f"`bddet infer --weights {run_id}` runs it")
