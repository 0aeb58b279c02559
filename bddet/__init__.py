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
# Each name is imported from the room that holds it (see the README's "Where things are"); the
# rooms load nothing heavy at import time, so this stays cheap.
from .engine.dist import DistSettings
from .engine.infer import InferResult, infer
from .engine.train import TrainResult, train
from .errors import (BddetError, DownloadError, IntegrityError, LabelError, ManifestError,
                     ModelNameError)
from .evaluation.compare import CompareReport, compare
from .evaluation.evaluate import EvalReport, evaluate
from .evaluation.metrics import DetMetrics
from .vis.gallery import VisReport, VisVideo, visualize
from .workspace import Workspace, find_workspace, init_workspace
from .zoo.catalogue import ZooModel, filter_models, list_models, resolve_model_name, user_models
from .zoo.download import DownloadResult, download
from .zoo.own_models import AddResult, ExportResult, add_model, export_model, import_models

__version__ = "0.1.0"

__all__ = [
    "AddResult", "BddetError", "CompareReport", "DetMetrics", "DistSettings", "DownloadError", "DownloadResult",
    "EvalReport", "ExportResult", "InferResult", "IntegrityError", "LabelError", "ManifestError", "ModelNameError",
    "TrainResult", "VisReport", "VisVideo", "Workspace", "ZooModel", "__version__", "add_model", "compare", "download",
    "evaluate", "export_model", "filter_models", "find_workspace", "import_models", "infer", "init_workspace",
    "list_models", "resolve_model_name", "train", "user_models", "visualize",
]
