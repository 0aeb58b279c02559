"""bddet: the BDD100K object-detection model zoo as a library and a command-line tool.

    import bddet
    ws = bddet.Workspace.create("work", data_root="bdd100k")
    bddet.download("cascade_rcnn_swin-t", workspace=ws)
    run = bddet.infer("cascade_rcnn_swin-t", workspace=ws, split="val")
    report = bddet.evaluate(run.predictions, workspace=ws)
    report.metrics.overall["AP"]

Importing bddet is cheap: torch, MMDetection and NumPy load only inside the functions that
need them. Every function returns a dataclass and raises BddetError subclasses whose
message is the line a user should read; none of them prints.
"""
from typing import TYPE_CHECKING

# Each name lives in the room that holds it (see the README's "Where things are") and is loaded
# on first use (PEP 562), so `import bddet`, and every command that needs one part of it,
# loads nothing else: `bddet eval` never pays for the inference or training code.
_HOMES = {
    "OnnxExportResult": "deploy.export", "ParityFigures": "deploy.export", "export_onnx": "deploy.export",
    "DistSettings": "engine.dist", "InferResult": "engine.infer", "infer": "engine.infer",
    "TrainResult": "engine.train", "train": "engine.train",
    "BddetError": "errors", "DownloadError": "errors", "IntegrityError": "errors", "LabelError": "errors",
    "ManifestError": "errors", "ModelNameError": "errors",
    "CompareReport": "evaluation.compare", "compare": "evaluation.compare",
    "EvalReport": "evaluation.evaluate", "evaluate": "evaluation.evaluate", "DetMetrics": "evaluation.metrics",
    "VisReport": "vis.gallery", "VisVideo": "vis.gallery", "visualize": "vis.gallery",
    "Workspace": "workspace", "find_workspace": "workspace", "init_workspace": "workspace",
    "ZooModel": "zoo.catalogue", "filter_models": "zoo.catalogue", "list_models": "zoo.catalogue",
    "resolve_model_name": "zoo.catalogue", "user_models": "zoo.catalogue",
    "DownloadResult": "zoo.download", "download": "zoo.download",
    "AddResult": "zoo.own_models", "ExportResult": "zoo.own_models", "add_model": "zoo.own_models",
    "export_model": "zoo.own_models", "import_models": "zoo.own_models",
}

if TYPE_CHECKING:  # what a type checker and an IDE see: the same names, imported for real
    from .deploy.export import OnnxExportResult, ParityFigures, export_onnx
    from .engine.dist import DistSettings
    from .engine.infer import InferResult, infer
    from .engine.train import TrainResult, train
    from .errors import BddetError, DownloadError, IntegrityError, LabelError, ManifestError, ModelNameError
    from .evaluation.compare import CompareReport, compare
    from .evaluation.evaluate import EvalReport, evaluate
    from .evaluation.metrics import DetMetrics
    from .vis.gallery import VisReport, VisVideo, visualize
    from .workspace import Workspace, find_workspace, init_workspace
    from .zoo.catalogue import ZooModel, filter_models, list_models, resolve_model_name, user_models
    from .zoo.download import DownloadResult, download
    from .zoo.own_models import AddResult, ExportResult, add_model, export_model, import_models


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bddet' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__version__ = "0.1.0"

__all__ = [
    "AddResult", "BddetError", "CompareReport", "DetMetrics", "DistSettings", "DownloadError", "DownloadResult",
    "EvalReport", "ExportResult", "InferResult", "IntegrityError", "LabelError", "ManifestError", "ModelNameError",
    "OnnxExportResult", "ParityFigures",
    "TrainResult", "VisReport", "VisVideo", "Workspace", "ZooModel", "__version__", "add_model", "compare", "download",
    "evaluate", "export_model", "export_onnx", "filter_models", "find_workspace", "import_models", "infer", "init_workspace",
    "list_models", "resolve_model_name", "train", "user_models", "visualize",
]
