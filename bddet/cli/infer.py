"""`bddet infer`: run a zoo model (or a trained one) on a BDD100K set or your own images."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..errors import BddetError
from ..workspace import find_workspace, find_workspace_or_none, record_run
from ._options import WorkspaceOpt
from ._output import ImageProgress, info, warn

NAME = "infer"
EXAMPLE = ("Example:  bddet infer --gpus 4      bddet infer cascade_rcnn_swin-t --images ~/dashcam/*.jpg "
           "--device cpu --out preds/")


def _weights_and_config(ws, model_arg: str | None, weights: str | None):
    """(config path, weights path, model name, whether the weights come from `bddet train`)."""
    from ..config import resolve_config

    manifest = ws.read() if ws else None
    if weights and manifest and weights in manifest["train_runs"]:
        run = manifest["train_runs"][weights]
        ckpt = run.get("last_checkpoint")
        if not ckpt:
            raise BddetError(f"training run '{weights}' has no checkpoint yet")
        config = model_arg or run["config"]
        path, model = resolve_config(config)
        return path, ws.resolve(ckpt), (model.name if model else run.get("model")), True
    name = model_arg or (manifest["current"]["model"] if manifest else None)
    if not name:
        raise BddetError("no model given and none is current; run `bddet download NAME` or name one")
    path, model = resolve_config(name)
    if weights:
        w = Path(weights).expanduser()
        if not w.is_file():
            raise BddetError(f"--weights {weights}: no such file" + (" or training run" if manifest else ""))
        return path, w.resolve(), model.name if model else None, False
    record = (manifest or {}).get("weights", {}).get(model.name if model else "")
    if record is None:
        raise BddetError(f"no weights for {name} in the workspace; run `bddet download {name}` or pass --weights PATH")
    if not record.get("verified"):
        warn(f"the weights of {model.alias} are unverified (no published MD5 was available)")
    return path, ws.resolve(record["path"]), model.name, False


def command(
    model: Annotated[Optional[str], typer.Argument(help="Zoo model or config (default: the current model).")] = None,
    split: Annotated[Optional[str], typer.Option("--set", help="BDD100K split: val, test or train (default val).")] = None,
    images: Annotated[Optional[List[str]], typer.Option(
        "--images", help="A folder, image files or glob patterns instead of a split (repeatable).")] = None,
    weights: Annotated[Optional[str], typer.Option(
        "--weights", help="Checkpoint file or `bddet train` run id (default: the model's downloaded weights).")] = None,
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="Processes on this machine, one per GPU (torchrun).")] = 1,
    nnodes: Annotated[int, typer.Option("--nnodes", min=1, help="Machines taking part.")] = 1,
    node_rank: Annotated[int, typer.Option("--node-rank", min=0, help="This machine's rank.")] = 0,
    master_addr: Annotated[str, typer.Option("--master-addr", help="Address of the rank-0 machine.")] = "127.0.0.1",
    master_port: Annotated[int, typer.Option("--master-port", help="Port on the rank-0 machine.")] = 29500,
    device: Annotated[Optional[str], typer.Option("--device", help="cuda or cpu (default: cuda if available).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(
        "--batch-size", min=1, help="Images per forward pass and process (default: 4 on a GPU, 1 on a CPU).")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=0, help="Data-loading processes per GPU (default: up to 4, within the cores).")] = None,
    fp16: Annotated[bool, typer.Option("--fp16", help="Mixed precision (GPU only).")] = False,
    score_thr: Annotated[Optional[float], typer.Option("--score-thr", min=0.0, max=1.0,
                                                       help="Keep detections scoring at least this.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: under the workspace).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip images a killed earlier run already did.")] = False,
    skip_unreadable: Annotated[bool, typer.Option("--skip-unreadable",
                                                  help="Go on past corrupt images and list them.")] = False,
    cfg_options: Annotated[Optional[List[str]], typer.Option("--cfg-options", help="Config overrides KEY=VALUE.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Detect objects with a zoo model and write det.json in the Scalabel format the evaluator takes."""
    from ..infer import images_source, run_inference, set_source
    from ..launch import DistSettings

    if split and images:
        raise typer.BadParameter("give either --set or --images", param_hint="--set/--images")
    if split not in (None, "val", "test", "train"):
        raise typer.BadParameter("val, test or train", param_hint="--set")
    if device not in (None, "cuda", "cpu"):
        raise typer.BadParameter("cuda or cpu", param_hint="--device")
    ws = find_workspace_or_none(workspace)
    config, weights_path, model_name, trained = _weights_and_config(ws, model, weights)
    if images:
        source = images_source(images)
    else:
        split = split or "val"
        source = set_source((ws or find_workspace(workspace)).data_root(), split)
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    # On an H100, 8 per batch ran 1.4x as fast as 1; 4 leaves the big models room on smaller GPUs.
    # On a CPU batches only cost memory.
    if fp16 and device == "cpu":
        warn("--fp16 applies on a GPU only; running in full precision on the CPU")
        fp16 = False
    if batch_size is None:
        batch_size = 4 if device == "cuda" else 1
    if out is None:
        if ws is None:
            raise typer.BadParameter("outside a workspace, say where the results go", param_hint="--out")
        stem = (Path(model_name).name if model_name else Path(config).stem).removesuffix("_det_bdd100k")
        out = ws.root / "runs" / "infer" / f"{stem}-{split or 'images'}-{time.strftime('%Y%m%d-%H%M%S')}"
    settings = DistSettings(gpus, nnodes, node_rank, master_addr, master_port, device)
    request = dict(config=str(config), weights=str(weights_path), source=source.__dict__ | {"names": list(source.names)
                   if source.names is not None else None}, out_dir=str(out.resolve()), device=device,
                   batch_size=batch_size, workers=workers, fp16=fp16, score_thr=score_thr, resume=resume,
                   skip_unreadable=skip_unreadable, cfg_options=list(cfg_options or ()))
    info(f"{model_name or config}: {source.description} -> {out} ({settings.world_size} process"
         f"{'es' if settings.world_size > 1 else ''}, {device})")
    with ImageProgress("infer") as progress:
        summary = run_inference(request, settings, on_progress=progress if settings.world_size == 1 else None)
    if not summary:  # a non-zero node rank: rank 0's machine writes and records the result
        return
    for skipped in summary["skipped"]:
        warn(f"skipped unreadable image {skipped}")
    info(f"{summary['images']} images, {summary['labels']} detections in {summary['seconds']:.1f}s "
         f"-> {summary['predictions']}")
    if ws is not None:
        run_id = record_run(ws, "infer_runs", "infer", {
            "model": model_name, "config": str(config), "weights": str(weights_path), "trained": trained,
            "set": split if not images else None, "images": list(images) if images else None,
            "image_root": str(Path(source.data_root) / source.img_prefix),
            "output": str(out.resolve()), "predictions": summary["predictions"], "image_count": summary["images"],
            "skipped": len(summary["skipped"]), "seconds": summary["seconds"], "processes": settings.world_size,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S")})
        info(f"recorded as {run_id} (current run)")
