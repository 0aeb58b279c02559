"""`bddet infer`: run a zoo model (or a trained one) on a BDD100K set or your own images."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ._options import (CfgOptionsOpt, DeviceOpt, GpusOpt, MasterAddrOpt, MasterPortOpt, NnodesOpt, NodeRankOpt,
                       WorkspaceOpt, dist_settings)
from ._output import ImageProgress, info, say, warn

RESUMABLE = True  # an interrupted run continues with --resume
NAME = "infer"
EXAMPLE = ("Example:  bddet infer --gpus 4      bddet infer cascade_rcnn_swin-t --images ~/dashcam/*.jpg "
           "--device cpu --out preds/      bddet infer --images drive.mov --fps 5")


def command(
    model: Annotated[Optional[str], typer.Argument(
        help="Zoo model or config, or a `bddet export` file (.onnx) (default: the current model).")] = None,
    split: Annotated[Optional[str], typer.Option("--set", help="BDD100K split: val, test or train (default val).")] = None,
    images: Annotated[Optional[List[str]], typer.Option(
        "--images", help="A folder, image or video files (mp4, mov, avi, mkv) or glob patterns instead of a "
                         "split (repeatable).")] = None,
    every: Annotated[Optional[int], typer.Option(
        "--every", min=1, help="Videos: keep every K-th frame.")] = None,
    fps: Annotated[Optional[float], typer.Option(
        "--fps", min=0.001, help="Videos: keep F frames per second (the first of each 1/F s).")] = None,
    weights: Annotated[Optional[str], typer.Option(
        "--weights", help="Checkpoint file or `bddet train` run id (default: the model's downloaded weights).")] = None,
    gpus: GpusOpt = 1,
    nnodes: NnodesOpt = 1,
    node_rank: NodeRankOpt = 0,
    master_addr: MasterAddrOpt = "127.0.0.1",
    master_port: MasterPortOpt = 29500,
    device: DeviceOpt = None,
    batch_size: Annotated[Optional[int], typer.Option(
        "--batch-size", min=1, help="Images per forward pass and process (default: 4 on a GPU, 1 on a CPU).")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=0, help="Data-loading processes per GPU (default: up to 4, within the cores).")] = None,
    fp16: Annotated[Optional[bool], typer.Option(
        "--fp16/--fp32", help="GPU precision: mixed as the zoo's original stack ran it (autocast, fp32 decoding and "
                              "NMS), or fp32. Default: as the model's original test did (mixed for its FP16 rows).",
        show_default=False)] = None,
    score_thr: Annotated[Optional[float], typer.Option("--score-thr", min=0.0, max=1.0,
                                                       help="Keep detections scoring at least this.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: under the workspace).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip images a killed earlier run already did.")] = False,
    skip_unreadable: Annotated[bool, typer.Option("--skip-unreadable",
                                                  help="Go on past corrupt images and list them.")] = False,
    backend: Annotated[Optional[str], typer.Option(
        "--backend", help="pytorch, or onnxruntime: the model's `bddet export` file (the default for a .onnx "
                          "model).")] = None,
    cfg_options: CfgOptionsOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Detect objects with a zoo model and write det.json in the Scalabel format the evaluator takes."""
    from ..data.video_files import is_video
    from ..engine.infer import infer
    from ..workspace import find_workspace, find_workspace_or_none
    from ..zoo.config_files import parse_cfg_options

    if every is not None and fps is not None:
        raise typer.BadParameter("give one of them", param_hint="--every/--fps")
    overrides = parse_cfg_options(cfg_options)  # a bad pair fails here, in one line, before any process starts
    ws = find_workspace_or_none(workspace)
    if ws is None and not images:
        ws = find_workspace(workspace)  # a set needs a workspace: the error says how to make one
    if ws is None and out is None:
        raise typer.BadParameter("outside a workspace, say where the results go", param_hint="--out")
    settings = dist_settings(gpus, nnodes, node_rank, master_addr, master_port, device)
    progress = ImageProgress("infer", unit="frames")
    with progress:
        result = infer(model, workspace=ws, split=split, images=images, weights=weights, device=device,
                       batch_size=batch_size, workers=workers, fp16=fp16, score_thr=score_thr, out=out, resume=resume,
                       skip_unreadable=skip_unreadable, cfg_options=overrides, dist=settings, every=every, fps=fps,
                       backend=backend, on_progress=progress, on_message=say)
    if result.run_id is None and ws is not None and node_rank != 0:
        return  # rank 0's machine writes and records the result
    for skipped in result.skipped:
        warn(f"skipped unreadable {'video' if is_video(skipped.split(': ', 1)[0]) else 'image'} {skipped}")
    frames = f"{result.images} frame{'s' if result.images != 1 else ''}"
    info(f"{frames}, {result.detections} detections in {result.seconds:.1f}s -> {result.predictions}")
    if result.run_id:
        info(f"recorded as {result.run_id} (current run)")
