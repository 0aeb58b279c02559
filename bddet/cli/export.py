"""`bddet export`: a model as one ONNX file for deployment, checked against PyTorch before it lands."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ._options import DeviceOpt, JsonOpt, WorkspaceOpt
from ._output import console, err_console, escape_markup, info, print_json, print_table, warn

NAME = "export"
EXAMPLE = ("Example:  bddet export retinanet_r50_fpn_1x      bddet export faster_rcnn_r50_fpn_1x --set val --check 8 "
           "--out deploy/      (then: bddet infer deploy/faster_rcnn_r50_fpn_1x.onnx --images ...)")


def command(
    model: Annotated[Optional[str], typer.Argument(help="Zoo, sample or own model, or a config (default: the current "
                                                        "model).")] = None,
    weights: Annotated[Optional[str], typer.Option(
        "--weights", help="Checkpoint file or `bddet train` run id (default: the model's downloaded weights).")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Folder for <model>.onnx and <model>.json (default: exports/ in the workspace, else here).")] = None,
    opset: Annotated[int, typer.Option("--opset", help="ONNX opset, 19 to 21 (DeformConv needs 19).")] = 19,
    input_size: Annotated[Optional[str], typer.Option(
        "--input-size", help="WIDTHxHEIGHT of the frames it will take (default: the test scale, 1280x720 for the "
                             "zoo; every frame of that shape resizes to it).")] = None,
    images: Annotated[Optional[List[str]], typer.Option(
        "--images", help="Images (a folder or files) to check the export on (repeatable).")] = None,
    split: Annotated[Optional[str], typer.Option(
        "--set", help="Check on the workspace's set instead (default: val in a workspace, else bddet's sample).")] = None,
    check: Annotated[int, typer.Option("--check", min=0, help="Images the parity check runs on.")] = 4,
    no_check: Annotated[bool, typer.Option("--no-check", help="Write the file unchecked (the JSON says so).")] = False,
    iou: Annotated[float, typer.Option("--iou", min=0.0, max=1.0, help="Least IoU of a box and its twin.")] = 0.99,
    score_tol: Annotated[float, typer.Option("--score-tol", min=0.0, help="Largest |Δscore| of a box and its "
                                                                           "twin.")] = 1e-3,
    device: DeviceOpt = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Export a model to ONNX for deployment (ONNX Runtime, TensorRT, ...), checked box for box against PyTorch.

    Not `bddet models export`, which writes a mirror for other bddet users (config and checkpoint).
    """
    from ..deploy.export import export_onnx
    from ..workspace import find_workspace_or_none

    ws = find_workspace_or_none(workspace)
    if model is None and ws is None:
        raise typer.BadParameter("name a model (outside a workspace there is no current one)", param_hint="MODEL")
    # the phases (tracing, checking) on a transient status line: a refusal stays one line
    with err_console.status("exporting", spinner="dots") as status:
        def phase(level: str, message: str) -> None:
            if level == "warning":
                warn(message)
            else:
                status.update(escape_markup(message))

        result = export_onnx(model, workspace=ws, weights=weights, out=out, opset=opset, input_size=input_size,
                              images=images, split=split, check=0 if no_check else check, iou_min=iou,
                              score_tol=score_tol, device=device or "cpu", on_message=phase)
    for line in result.warnings:
        warn(line)
    if as_json:
        print_json({"onnx": str(result.onnx), "json": str(result.metadata), "model": result.model,
                    "opset": result.opset, "input_shape": list(result.input_shape),
                    "frame_size": list(result.frame_size), "weights_md5": result.weights_md5,
                    "checked": result.checked, "parity": result.parity.to_dict() if result.parity else None,
                    "size_bytes": result.size_bytes, "seconds": result.seconds})
        return
    p = result.parity
    if p is not None:
        ap = "" if p.ap_pytorch is None else f"{p.ap_pytorch:.2f}"
        ap_onnx = "" if p.ap_onnx is None else f"{p.ap_onnx:.2f}"
        print_table(f"parity on {p.images} images (twins: same class, IoU >= {p.iou_min}, |Δscore| <= {p.score_tol})",
                    ["backend", "boxes", "matched", "max |Δcoord| px", "max |Δscore|", "AP"],
                    [("PyTorch", p.boxes_pytorch, p.matched, "", "", ap),
                     ("ONNX Runtime", p.boxes_onnx, p.matched, f"{p.max_coord_diff:.2e}", f"{p.max_score_diff:.2e}",
                      ap_onnx)])
        if p.ties_at_cap:
            console.print(f"{p.ties_at_cap} boxes tie the per-image cap's last score and differ there (allowed)",
                          highlight=False)
    else:
        warn("not checked against PyTorch (--no-check); the JSON records that")
    size = result.size_bytes / 2**20
    info(f"{result.onnx} ({size:.0f} MiB, opset {result.opset}, input {'x'.join(map(str, result.input_shape))}) "
         f"and {result.metadata.name} in {result.seconds:.0f}s; run it with: bddet infer {result.onnx} --images ...")
