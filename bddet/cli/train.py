"""`bddet train`: a zoo recipe (or your config inheriting one) on one GPU, many, or many machines."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._options import (CfgOptionsOpt, DeviceOpt, GpusOpt, MasterAddrOpt, MasterPortOpt, NnodesOpt, NodeRankOpt,
                       WorkspaceOpt, dist_settings)
from ._output import ImageProgress, info, say

RESUMABLE = True  # an interrupted run continues with --resume
NAME = "train"
EXAMPLE = ("Example:  bddet train faster_rcnn_r50_fpn_1x --gpus 8      "
           "bddet train my_config.py --device cpu --cfg-options train_cfg.max_epochs=1")


def command(
    model: Annotated[str, typer.Argument(metavar="MODEL|CONFIG", help="Zoo model name or a config file.")],
    gpus: GpusOpt = 1,
    nnodes: NnodesOpt = 1,
    node_rank: NodeRankOpt = 0,
    master_addr: MasterAddrOpt = "127.0.0.1",
    master_port: MasterPortOpt = 29500,
    device: DeviceOpt = None,
    work_dir: Annotated[Optional[Path], typer.Option("--work-dir", help="Where logs and checkpoints go.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Resume from the work dir's last checkpoint.")] = False,
    resume_from: Annotated[Optional[Path], typer.Option("--resume-from", help="Resume from this checkpoint.")] = None,
    amp: Annotated[bool, typer.Option("--amp", help="Mixed precision (GPU).")] = False,
    load_from: Annotated[Optional[Path], typer.Option("--load-from", help="Start from these weights (fine-tune).")] = None,
    auto_scale_lr: Annotated[bool, typer.Option(
        "--auto-scale-lr", help="Scale the lr linearly from the recipe's batch to yours.")] = False,
    cfg_options: CfgOptionsOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Train a zoo model from ImageNet-pretrained backbones with its published recipe."""
    from ..engine.train import train
    from ..workspace import find_workspace
    from ..zoo.config_files import parse_cfg_options

    overrides = parse_cfg_options(cfg_options)  # a bad pair fails here, in one line, before any process starts
    settings = dist_settings(gpus, nnodes, node_rank, master_addr, master_port, device)
    ws = find_workspace(workspace)
    with ImageProgress("train", unit="iter") as progress:
        result = train(model, workspace=ws, work_dir=work_dir, device=device, amp=amp, load_from=load_from,
                       auto_scale_lr=auto_scale_lr, resume=resume, resume_from=resume_from, cfg_options=overrides,
                       dist=settings, on_message=say, on_progress=progress)
    if result.run_id is None:
        return  # a machine without rank 0
    info(f"done: {result.checkpoint} (epoch {result.epoch}); recorded as {result.run_id} — "
         f"`bddet infer --weights {result.run_id}` runs it")
