"""`bddet export`: a zoo (sample, own) model as one ONNX file, with a parity gate before it lands.

export_onnx() builds the model with its weights, traces its inference graph (graphs.py) with
torch.onnx's TorchScript exporter at a static input size, writes the file under a temporary
name, and then runs PyTorch and ONNX Runtime on the same images through bddet's own inference
(the same loader, pipeline and det.json writer). Only when every detection has its twin (same
class, IoU >= ``iou_min``, |Δscore| <= ``score_tol``) does ``<out>/<model>.onnx`` appear, with
``<out>/<model>.json`` beside it: what the file takes and what the check measured. A failed
check writes nothing and names the first difference.

Why in the graph: post-processing, NMS and RoI extraction in ONNX make one self-contained file
a runtime can run; MMDetection's own post-processing outside would need PyTorch at run time and,
for two-stage models, two graphs. mmdeploy (the OpenMMLab tool for this) pins protobuf <= 3.20.2
and approximates the post-processing (pre-topk over the best class, one box per RoI); it was read
for facts, not used.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..callbacks import MessageCallback
from .graphs import ExportError
from .onnx_ops import OPSET_MAX, OPSET_MIN

DEFAULT_CHECK_IMAGES = 4
DEFAULT_IOU = 0.99
DEFAULT_SCORE_TOL = 1e-3


@dataclass
class ParityFigures:
    """How PyTorch's and ONNX Runtime's detections of the same images compare."""

    images: int
    boxes_pytorch: int
    boxes_onnx: int
    matched: int
    max_coord_diff: float         # largest |Δ| of a box coordinate over matched pairs (pixels)
    max_score_diff: float
    ties_at_cap: int = 0          # unmatched boxes at the per-image cap whose scores tie the cut (within score_tol)
    ap_pytorch: float | None = None   # OVERALL AP on the images' labels, when they have labels
    ap_onnx: float | None = None
    iou_min: float = DEFAULT_IOU
    score_tol: float = DEFAULT_SCORE_TOL
    passed: bool = True
    first_difference: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class OnnxExportResult:
    """A written export."""

    onnx: Path
    metadata: Path                # the JSON beside it
    model: str
    opset: int
    input_shape: tuple[int, int, int, int]
    frame_size: tuple[int, int]
    weights: Path
    weights_md5: str
    checked: bool
    parity: ParityFigures | None
    seconds: float
    size_bytes: int
    warnings: list[str] = field(default_factory=list)


def _versions() -> dict:
    import importlib.metadata as md

    out = {}
    for dist in ("bddet", "torch", "mmdet", "mmcv", "onnx", "onnxruntime"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return out


def _parse_size(text: str | Sequence[int] | None):
    if text is None:
        return None
    if isinstance(text, str):
        parts = text.lower().replace("×", "x").split("x")
        try:
            w, h = (int(p) for p in parts)
        except ValueError:
            raise ExportError(f"--input-size {text}: give WIDTHxHEIGHT, like 1280x720") from None
    else:
        w, h = (int(v) for v in text)
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise ExportError(f"--input-size {w}x{h}: each side must be 16 to 8192 pixels")
    return w, h


def _resize_step(pipeline: list, where: str) -> dict:
    steps = [s for s in pipeline if s.get("type") == "Resize"]
    others = [s["type"] for s in pipeline if s.get("type") not in ("LoadImageFromFile", "Resize", "PackDetInputs",
                                                                     "LoadAnnotations")]
    if others:
        raise ExportError(f"{where}: its test pipeline has {', '.join(others)}; bddet exports models whose test "
                          "pipeline loads, resizes and packs the image")
    if len(steps) != 1:
        raise ExportError(f"{where}: its test pipeline must resize the image once (found {len(steps)} Resize steps)")
    return steps[0]


def _shapes(pipeline: list, preprocessor: dict, frame: tuple[int, int] | None, where: str):
    """(frame size, resized (h, w), padded (h, w), scale factor) for frames of ``frame`` (w, h)."""
    import numpy as np
    from mmdet.datasets.transforms import Resize

    step = _resize_step(pipeline, where)
    scale = step.get("scale")
    if frame is None:  # frames the size of the test scale (the zoo's 1280x720), and every frame that resizes to it
        if not (isinstance(scale, (tuple, list)) and len(scale) == 2):
            raise ExportError(f"{where}: its Resize has no (width, height) scale; pass --input-size WIDTHxHEIGHT")
        frame = (int(scale[0]), int(scale[1]))
    w, h = frame
    resize = Resize(**{k: v for k, v in step.items() if k != "type"})
    out = resize({"img": np.zeros((h, w, 3), dtype=np.uint8), "img_shape": (h, w), "ori_shape": (h, w)})
    rh, rw = out["img_shape"]
    d = int(preprocessor.get("pad_size_divisor", 1) or 1)
    padded = (-(-rh // d) * d, -(-rw // d) * d)
    return frame, (int(rh), int(rw)), padded, tuple(float(s) for s in out["scale_factor"])


def _preprocessor(cfg, where: str) -> dict:
    pre = dict(cfg.model.get("data_preprocessor") or {})
    if pre.get("type") != "DetDataPreprocessor":
        raise ExportError(f"{where}: bddet exports models with MMDetection's DetDataPreprocessor "
                          f"(this one has {pre.get('type')})")
    if pre.get("batch_augments"):
        raise ExportError(f"{where}: its data preprocessor has batch augments, which do not export")
    keep = {}
    for key in ("mean", "std", "bgr_to_rgb", "rgb_to_bgr", "pad_size_divisor", "pad_value"):
        if key in pre and pre[key] is not None:
            value = pre[key]
            keep[key] = [float(v) for v in value] if key in ("mean", "std") else value
    return keep


def _check_images(images, split, workspace, n: int, frame: tuple[int, int],
                  tmp: Path | None) -> tuple[list[str], Path | None]:
    """The images the gate runs on, and their labels (det_20 JSON) when there are any; the
    built-in sample (outside a workspace) is written under ``tmp``."""
    from ..data.image_files import list_images
    from ..data.layout import image_dir, label_path

    def images_in(folder: Path) -> list[str]:  # as `bddet infer --images DIR` lists them
        return [str(folder / name) for name in list_images(folder)]

    if split and workspace is None:
        raise ExportError(f"--set {split}: outside a workspace there is no set; pass --images, or leave both out "
                          "for bddet's built-in sample")
    if images:
        paths = []
        for item in images:
            p = Path(item).expanduser()
            if p.is_dir():
                paths += images_in(p)
            elif p.is_file():
                paths.append(str(p))
            else:
                raise ExportError(f"--images {item}: no such file or folder")
        if not paths:
            raise ExportError(f"--images {', '.join(map(str, images))}: no images there")
        return paths[:n], None
    if workspace is not None:
        split = split or "val"
        root = workspace.data_root()
        folder = image_dir(root, split)
        if folder.is_dir():
            found = images_in(folder)[:n]
            if found:
                labels = label_path(root, split)
                return found, labels if labels.is_file() else None
        if split:
            raise ExportError(f"--set {split}: no images under {folder} to check the export on; pass --images")
    # outside a workspace: bddet's built-in sample (synthetic road scenes with labels)
    from ..data.sample_dataset import make_sample_dataset

    root = make_sample_dataset(tmp / "sample", n_train=0, n_val=n, n_test=0, size=frame, max_objects=6, seed=7,
                              grain=6.0)
    folder = image_dir(root, "val")
    return images_in(folder), label_path(root, "val")


def _gate(model_arg: str, weights: Path, onnx_file: Path, images: list[str], labels: Path | None, device: str,
          iou_min: float, score_tol: float, max_per_img: int | None, tmp: Path) -> ParityFigures:
    """Run both backends on ``images`` with bddet's inference, and compare det.json box for box."""
    from ..data.det_labels import read_det_labels
    from ..engine.infer import infer
    from ..evaluation.det_diff import diff_detections

    torch_out, onnx_out = tmp / "pytorch", tmp / "onnx"
    infer(model_arg, images=images, weights=weights, device=device, out=torch_out, fp16=False, workers=0)
    infer(str(onnx_file), images=images, device=device, out=onnx_out, workers=0)
    a = read_det_labels(torch_out / "det.json", predictions=True)
    b = read_det_labels(onnx_out / "det.json", predictions=True)
    diff = diff_detections(a, b, iou_min=iou_min, score_tol=score_tol)

    def cut_score(side, frame):
        """The lowest score a frame kept when it kept max_per_img boxes (its cap cut), else None."""
        fi = side.frame_index.get(frame)
        if max_per_img is None or fi is None:
            return None
        scores = side.score[side.frame == fi]
        return float(scores.min()) if len(scores) >= max_per_img else None

    def at_cap(box, other) -> bool:
        """A box the other side cut at its per-image cap, its score within score_tol of that cut:
        within the tolerance, which of the boxes at the cut stay is the order of near-equal scores."""
        cut = cut_score(other, box.frame)
        return cut is not None and abs(box.score - cut) <= score_tol

    # the boxes at the cap swap one for one: a frame's exemptions on both sides must be as many
    exempt_a = [u for u in diff.unmatched_a if at_cap(u, b)]
    exempt_b = [u for u in diff.unmatched_b if at_cap(u, a)]
    frames_a, frames_b = {}, {}
    for u in exempt_a:
        frames_a[u.frame] = frames_a.get(u.frame, 0) + 1
    for u in exempt_b:
        frames_b[u.frame] = frames_b.get(u.frame, 0) + 1
    if frames_a != frames_b:
        exempt_a = exempt_b = []
    skip = {id(u) for u in exempt_a + exempt_b}
    real_a = [u for u in diff.unmatched_a if id(u) not in skip]
    real_b = [u for u in diff.unmatched_b if id(u) not in skip]
    most = max(diff.boxes_a, diff.boxes_b)
    first = ""
    if not (real_a or real_b or diff.frames_only_a or diff.frames_only_b) and diff.matched < 0.9 * most:
        first = (f"only {diff.matched} of {most} boxes have a twin; the others' scores all lie within {score_tol} "
                 "of the per-image cap's cut, too alike to tell the backends apart: check on other images")
    elif real_a or real_b or diff.frames_only_a or diff.frames_only_b:
        if diff.frames_only_a or diff.frames_only_b:
            first = f"frame {(diff.frames_only_a or diff.frames_only_b)[0]} has a result on one side only"
        else:
            u, side = (real_a[0], "PyTorch") if real_a else (real_b[0], "ONNX Runtime")
            x1, y1, x2, y2 = u.box
            first = (f"{len(real_a) + len(real_b)} boxes without a twin; first: {u.category} "
                     f"({x1:.1f}, {y1:.1f}, {x2:.1f}, {y2:.1f}) score {u.score:.4f} in {u.frame}, from {side} only")
            # det.json's inclusive corners: a box of zero width has x2 = x1 - 1
            flat = sum(1 for v in real_a + real_b if min(v.box[2] - v.box[0], v.box[3] - v.box[1]) + 1 < 1e-3)
            if 2 * flat > len(real_a) + len(real_b):
                first += (f"; {flat} of them have zero width or height, where NMS jumps (a box of zero area "
                          "suppresses nothing, one of 1e-6 can): a model that predicts such boxes rounds apart")
    figures = ParityFigures(images=diff.frames, boxes_pytorch=diff.boxes_a, boxes_onnx=diff.boxes_b,
                            matched=diff.matched, max_coord_diff=diff.max_coord_diff,
                            max_score_diff=diff.max_score_diff,
                            ties_at_cap=len(exempt_a) + len(exempt_b),
                            iou_min=iou_min, score_tol=score_tol, passed=not first, first_difference=first)
    if labels is not None:
        from ..evaluation.metrics import evaluate_labels

        gt = read_det_labels(labels, predictions=False)
        frames = [gt.frame_index[n] for n in a.names if n in gt.frame_index]
        if frames:
            figures.ap_pytorch = evaluate_labels(gt, a, frames).overall["AP"]
            figures.ap_onnx = evaluate_labels(gt, b, frames).overall["AP"]
    return figures


def export_onnx(model: str, *, workspace=None, weights: str | os.PathLike[str] | None = None,
                 out: str | os.PathLike[str] | None = None, opset: int = OPSET_MIN,
                 input_size: str | Sequence[int] | None = None, images: Sequence[str | os.PathLike[str]] | None = None,
                 split: str | None = None, check: int = DEFAULT_CHECK_IMAGES, iou_min: float = DEFAULT_IOU,
                 score_tol: float = DEFAULT_SCORE_TOL, device: str = "cpu",
                 on_message: MessageCallback | None = None) -> OnnxExportResult:
    """Export ``model`` (a zoo, sample or own model's name, or a config file) to ``<out>/<name>.onnx``.

    ``weights`` as `bddet infer` takes them (a file or a training run id; by default the
    workspace's downloaded weights). ``input_size`` (``"1280x720"``) is the frame size the file
    takes; by default the test scale's, which every frame of that shape resizes to. ``check``
    images (0: no check) of ``images``, of the workspace's ``split``, or of bddet's built-in
    sample, run through PyTorch and ONNX Runtime; the file lands only when every detection has its
    twin. Raises ExportError (a BddetError) with the line to show.
    """
    import orjson

    from ..atomic_write import atomic_write_bytes
    from ..data.categories import CLASSES
    from ..engine.infer import resolve_weights
    from ..zoo.cache import md5_of
    from ..zoo.checkpoint import build_detector
    from ..zoo.config_files import prepare_model_config, test_pipeline

    say = on_message or (lambda level, text: None)
    started = time.perf_counter()
    if not OPSET_MIN <= int(opset) <= OPSET_MAX:
        raise ExportError(f"--opset {opset}: bddet exports at opset {OPSET_MIN} to {OPSET_MAX} (DeformConv needs 19; "
                          f"ONNX Runtime 1.31 has no RoiAlign-22)")
    if check < 0:
        raise ExportError("--check must be 0 (no check) or more images")
    if not (0 < iou_min <= 1) or score_tol < 0:
        raise ExportError("the parity thresholds: --iou in (0, 1], --score-tol >= 0")
    if images and split:
        raise ExportError("give either --images or --set for the check, not both")
    frame_arg = _parse_size(input_size)
    try:
        import onnx
        import onnxruntime  # noqa: F401 - the check runs it
    except ImportError:
        raise ExportError("bddet export needs onnx and onnxruntime: pip install 'bddet[export]'") from None
    import torch

    to_run = resolve_weights(workspace, model, weights)
    from ..zoo.catalogue import NAME_SUFFIX

    name = Path(to_run.model).name.removesuffix(NAME_SUFFIX) if to_run.model else Path(to_run.config).stem
    where = to_run.model or str(to_run.config)
    out_dir = Path(out).expanduser() if out is not None else (workspace.root / "exports" if workspace else Path.cwd())
    final, sidecar = out_dir / f"{name}.onnx", out_dir / f"{name}.json"
    existing = next(p for p in (out_dir, *out_dir.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ExportError(f"--out {out_dir}: {existing} is not a folder bddet can write in")
    cfg = prepare_model_config(to_run.config, None, None, None, to_run.config_sha256)
    pipeline = [dict(step) for step in test_pipeline(cfg)]
    preprocessor = _preprocessor(cfg, where)
    frame, img_shape, padded, scale = _shapes(pipeline, preprocessor, frame_arg, where)
    # the check's images, when they are the user's or the workspace's: a bad path is refused
    # before the minutes of tracing, not after (the built-in sample is written later, in tmp)
    early = _check_images(images, split, workspace, check, frame, None) if check and (images or split or workspace) else None
    say("info", f"{where}: tracing at {padded[1]}x{padded[0]} (frames of {frame[0]}x{frame[1]}), opset {opset}")
    net = build_detector(cfg, to_run.weights, "cpu")
    from .graphs import graph_for
    from .onnx_ops import onnx_export_patches

    graph = graph_for(net, padded, img_shape)
    test_cfg = getattr(net, "test_cfg", None) or {}
    head_cfg = test_cfg.get("rcnn") or test_cfg  # the last stage's settings: the R-CNN's, or the dense head's
    max_per_img = head_cfg.get("max_per_img")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.export-", dir=out_dir))
    except OSError as e:
        raise ExportError(f"--out {out_dir}: cannot write there ({e.strerror or type(e).__name__})") from None
    try:
        staged = tmp / f"{name}.onnx"
        example = (torch.zeros(1, 3, *padded), torch.tensor(scale, dtype=torch.float32))
        import warnings

        with torch.no_grad(), onnx_export_patches(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on constants it keeps: the input size is static
            try:
                torch.onnx.export(graph, example, str(staged), opset_version=int(opset), dynamo=False,
                                  input_names=["image", "scale_factor"], output_names=["boxes", "scores", "labels"],
                                  do_constant_folding=True)
            except ExportError:
                raise
            except Exception as e:  # noqa: BLE001 - the exporter's refusal, named in one line
                raise ExportError(f"{where}: does not export to ONNX ({type(e).__name__}: "
                                  f"{str(e).strip().splitlines()[0][:300] if str(e).strip() else 'no reason given'})") from None
        proto = onnx.load(str(staged))
        metadata = {
            "format": "bddet-onnx/1", "model": name, "config": str(to_run.config),
            "classes": list(CLASSES),
            "input_shape": [1, 3, *padded], "img_shape": list(img_shape), "frame_size": list(frame),
            "pipeline": pipeline, "preprocessor": preprocessor,
            "score_thr": head_cfg.get("score_thr"), "max_per_img": max_per_img,
            "nms": _plain(head_cfg.get("nms")), "opset": int(opset),
            "weights": {"file": Path(to_run.weights).name, "md5": md5_of(to_run.weights)},
            "config_sha256": to_run.config_sha256, "versions": _versions(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        entry = proto.metadata_props.add()
        entry.key, entry.value = "bddet", orjson.dumps(_plain(metadata)).decode()
        onnx.save(proto, str(staged))
        del proto
        figures = None
        if check:
            gate_images, labels = early or _check_images(images, split, workspace, check, frame, tmp)
            say("info", f"checking on {len(gate_images)} images: PyTorch and ONNX Runtime, box for box")
            figures = _gate(to_run.model or str(to_run.config), to_run.weights, staged, gate_images, labels, device,
                            iou_min, score_tol, max_per_img, tmp / "runs")
            if not figures.passed:
                raise ExportError(f"{where}: parity check failed, nothing written: {figures.first_difference} "
                                  f"(IoU >= {iou_min}, |Δscore| <= {score_tol}; {figures.matched} of "
                                  f"{max(figures.boxes_pytorch, figures.boxes_onnx)} matched)")
        record = dict(metadata, onnx=final.name, size_bytes=staged.stat().st_size, checked=bool(check),
                      parity=figures.to_dict() if figures else {"checked": False, "why": "--no-check"})
        os.replace(staged, final)
        atomic_write_bytes(sidecar, orjson.dumps(_plain(record), option=orjson.OPT_INDENT_2) + b"\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = OnnxExportResult(onnx=final, metadata=sidecar, model=name, opset=int(opset), input_shape=(1, 3, *padded),
                          frame_size=frame, weights=Path(to_run.weights), weights_md5=metadata["weights"]["md5"],
                          checked=bool(check), parity=figures, seconds=round(time.perf_counter() - started, 1),
                          size_bytes=final.stat().st_size, warnings=list(to_run.warnings))
    if workspace is not None:
        from ..workspace import record_run

        record_run(workspace, "exports", "export", {"model": name, "onnx": str(final), "json": str(sidecar),
                                                    "opset": int(opset), "checked": bool(check),
                                                    "created": metadata["created"]},
                   make_current=False, replace_where=("onnx", str(final)))
    return result


def _plain(value):
    """Configs' ConfigDicts and tuples as plain JSON data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


__all__ = ["DEFAULT_CHECK_IMAGES", "DEFAULT_IOU", "DEFAULT_SCORE_TOL", "ExportError", "OnnxExportResult", "ParityFigures",
           "export_onnx"]
