"""ONNX Runtime as an inference backend: a file written by `bddet export`, run where MMDetection's
model would be (`bddet infer model.onnx`), with the same images, loader and det.json.

The file says what it needs in its metadata (key ``bddet``, JSON): the test pipeline and the
normalisation it was exported with, the input shape it takes and the classes. The pipeline and
the preprocessor are MMDetection's own (LoadImageFromFile, Resize, PackDetInputs and
DetDataPreprocessor), built from that data with an allow-list: a file from elsewhere names
transforms, never code. The graph holds the post-processing and NMS (deploy/graphs.py), so a
session's outputs are the final boxes in the original image's pixels.

An export takes one input size: the padded shape of a frame the size of its test scale
(1280x720 for the zoo, and any 16:9 frame, which resizes to it). Other sizes are refused with
the size the file takes; `bddet export --input-size` writes one for another.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..data.categories import CLASSES
from ..errors import BddetError

EXPORT_FORMAT = "bddet-onnx/1"
METADATA_KEY = "bddet"
INPUT_NAMES = ("image", "scale_factor")
OUTPUT_NAMES = ("boxes", "scores", "labels")
# the transforms a test pipeline may name (the zoo's and the demo's); anything else is refused
PIPELINE_TRANSFORMS = {"LoadImageFromFile": {"to_float32", "color_type", "imdecode_backend", "backend_args"},
                       "Resize": {"scale", "keep_ratio", "backend", "interpolation", "clip_object_border"},
                       "LoadAnnotations": {"with_bbox", "with_label", "with_mask", "with_seg", "box_type",
                                           "backend_args"},
                       "PackDetInputs": {"meta_keys"}}
PREPROCESSOR_KEYS = {"mean", "std", "bgr_to_rgb", "rgb_to_bgr", "pad_size_divisor", "pad_value"}


class OnnxError(BddetError):
    """An ONNX file bddet cannot run, or images it cannot run them on."""


@dataclass(frozen=True)
class OnnxExport:
    """What an exported file says about itself."""

    path: Path
    model: str
    input_shape: tuple[int, int, int, int]   # (1, 3, padded height, padded width)
    img_shape: tuple[int, int]               # the resized image inside it (height, width)
    frame_size: tuple[int, int]              # (width, height) of the frames it was exported for
    pipeline: tuple                          # the test pipeline (dicts)
    preprocessor: dict                       # DetDataPreprocessor's settings
    metadata: dict                           # all of it, as written


def _check_pipeline(pipeline, where: str) -> list:
    if not isinstance(pipeline, list) or not pipeline:
        raise OnnxError(f"{where}: its metadata has no test pipeline")
    out = []
    for step in pipeline:
        if not isinstance(step, dict) or not isinstance(step.get("type"), str):
            raise OnnxError(f"{where}: a pipeline step is not a transform (a mapping with a 'type')")
        allowed = PIPELINE_TRANSFORMS.get(step["type"])
        if allowed is None:
            raise OnnxError(f"{where}: the pipeline names {step['type']!r}, which bddet does not run from a file "
                            f"(known: {', '.join(PIPELINE_TRANSFORMS)})")
        extra = sorted(set(step) - allowed - {"type"})
        if extra:
            raise OnnxError(f"{where}: {step['type']} has settings bddet does not take from a file: {', '.join(extra)}")
        step = dict(step)
        if isinstance(step.get("scale"), list):
            step["scale"] = tuple(step["scale"])
        if isinstance(step.get("meta_keys"), list):
            step["meta_keys"] = tuple(step["meta_keys"])
        out.append(step)
    return out


def export_metadata(model) -> dict:
    """The metadata of an ONNX ModelProto (key ``bddet``), parsed; OnnxError when absent or bad."""
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            try:
                data = json.loads(prop.value)
            except ValueError:
                break
            return data if isinstance(data, dict) else {}
    return {}


def read_onnx_export(path: str | Path) -> OnnxExport:
    """Check an ONNX file written by `bddet export` and read its metadata, without running it.

    Refused: a file that is not ONNX, has no bddet metadata, names transforms or classes bddet
    does not know, or keeps tensors in external files (which could name any file on the machine).
    """
    path = Path(path)
    if not path.is_file():
        raise OnnxError(f"{path}: no such file")
    try:
        import onnx
    except ImportError:
        raise OnnxError("running an ONNX file needs onnx and onnxruntime: pip install 'bddet[export]'") from None
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # noqa: BLE001 - whatever the parser refuses is not an ONNX file
        raise OnnxError(f"{path}: is not an ONNX model file") from None
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
        raise OnnxError(f"{path}: keeps weights in external files; bddet runs self-contained exports only")
    meta = export_metadata(model)
    where = str(path)
    if meta.get("format") != EXPORT_FORMAT:
        raise OnnxError(f"{path}: was not written by `bddet export` (no '{METADATA_KEY}' metadata of format "
                        f"{EXPORT_FORMAT}); export the model with bddet to run it here")
    try:
        shape = tuple(int(v) for v in meta["input_shape"])
        img_shape = tuple(int(v) for v in meta["img_shape"])
        frame = tuple(int(v) for v in meta["frame_size"])
        classes = list(meta["classes"])
        preprocessor = dict(meta["preprocessor"])
        name = str(meta["model"])
    except (KeyError, TypeError, ValueError):
        raise OnnxError(f"{path}: its bddet metadata is incomplete") from None
    if len(shape) != 4 or shape[:2] != (1, 3) or len(img_shape) != 2 or len(frame) != 2 \
            or not (0 < img_shape[0] <= shape[2] and 0 < img_shape[1] <= shape[3]):
        raise OnnxError(f"{path}: its metadata gives input shapes that do not fit together")
    if classes != list(CLASSES):
        raise OnnxError(f"{path}: its classes are not BDD100K's ten ({', '.join(map(str, classes[:3]))}, ...)")
    extra = sorted(set(preprocessor) - PREPROCESSOR_KEYS)
    if extra:
        raise OnnxError(f"{path}: its preprocessor has settings bddet does not take from a file: {', '.join(extra)}")
    inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    outputs = [o.name for o in model.graph.output]
    if tuple(inputs) != INPUT_NAMES or tuple(outputs) != OUTPUT_NAMES:
        raise OnnxError(f"{path}: its inputs and outputs are not those of a bddet export "
                        f"({', '.join(inputs)} -> {', '.join(outputs)})")
    return OnnxExport(path.resolve(), name, shape, img_shape, frame, tuple(_check_pipeline(meta.get("pipeline"), where)),
                      preprocessor, meta)


def providers_for(device: str) -> list[str]:
    """ONNX Runtime's execution providers for a device: CUDA (with the CPU for what it lacks), or the CPU."""
    import onnxruntime as ort

    if device == "cuda":
        available = ort.get_available_providers()
        if "CUDAExecutionProvider" not in available:
            raise OnnxError("--device cuda: this onnxruntime has no CUDA execution provider (install onnxruntime-gpu "
                            f"in place of onnxruntime; available: {', '.join(available)})")
        chosen = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if "TensorrtExecutionProvider" in available and _want_tensorrt():
            chosen.insert(0, "TensorrtExecutionProvider")
        return chosen
    return ["CPUExecutionProvider"]


def _want_tensorrt() -> bool:
    import os

    return os.environ.get("BDDET_ORT_TENSORRT", "") not in ("", "0")


class OnnxDetector:
    """An exported model behind MMDetection's ``test_step``: loader batches in, DetDataSamples
    with ``pred_instances`` out, as the infer loop takes them from a PyTorch model."""

    def __init__(self, export: OnnxExport, device: str = "cpu", threads: int | None = None) -> None:
        import onnxruntime as ort
        from mmdet.models.data_preprocessors import DetDataPreprocessor

        self.export = export
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads or 0)   # 0: every core this process may use
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(export.path), options, providers=providers_for(device))
        except OnnxError:
            raise
        except Exception as e:  # noqa: BLE001 - the runtime's refusal of the graph
            raise OnnxError(f"{export.path}: ONNX Runtime cannot load it ({str(e).splitlines()[0][:300]})") from None
        self.preprocessor = DetDataPreprocessor(**export.preprocessor)

    def test_step(self, data) -> list:
        import numpy as np
        import torch
        from mmengine.structures import InstanceData

        batch = self.preprocessor(data, False)
        inputs, samples = batch["inputs"], batch["data_samples"]
        want = self.export.input_shape[2:]
        for i, sample in enumerate(samples):
            x = inputs[i:i + 1]
            if tuple(x.shape[-2:]) != want or tuple(sample.img_shape) != self.export.img_shape:
                h, w = sample.ori_shape
                fw, fh = self.export.frame_size
                raise OnnxError(f"{getattr(sample, 'img_path', None) or 'a frame'}: a {w}x{h} image, which resizes to "
                                f"{sample.img_shape[1]}x{sample.img_shape[0]}; {self.export.path.name} takes frames "
                                f"that resize to {self.export.img_shape[1]}x{self.export.img_shape[0]} (like "
                                f"{fw}x{fh}); export one for this size with `bddet export --input-size {w}x{h}`")
            scale = np.asarray(sample.scale_factor, dtype=np.float32)
            boxes, scores, labels = self.session.run(list(OUTPUT_NAMES), {
                "image": np.ascontiguousarray(x.numpy(), dtype=np.float32), "scale_factor": scale})
            sample.pred_instances = InstanceData(bboxes=torch.from_numpy(boxes), scores=torch.from_numpy(scores),
                                                 labels=torch.from_numpy(labels.astype(np.int64)))
        return samples


__all__ = ["EXPORT_FORMAT", "INPUT_NAMES", "METADATA_KEY", "OUTPUT_NAMES", "OnnxDetector", "OnnxError", "OnnxExport",
           "export_metadata", "providers_for", "read_onnx_export"]
