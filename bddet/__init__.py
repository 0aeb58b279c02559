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
# The library modules are imported here, before their functions are bound to the same names,
# so `bddet.infer` is the function even after `bddet.infer` the module has been imported.
from .evaluation.compare import CompareReport, compare
from .engine.dist import DistSettings
from .zoo.download import DownloadResult, download
from .errors import (BddetError, DownloadError, IntegrityError, LabelError, ManifestError,
                     ModelNameError)
from .evaluation.evaluate import DetMetrics, EvalReport, evaluate
from .engine.infer import InferResult, infer
from .engine.train import TrainResult, train
from .zoo.own_models import AddResult, ExportResult, add_model, export_model, import_models, user_models
from .vis.gallery import VisReport, VisVideo, visualize
from .workspace import Workspace, find_workspace, init_workspace
from .zoo.catalogue import ZooModel, filter_models, list_models, resolve_model_name

__version__ = "0.1.0"

__all__ = [
    "AddResult", "BddetError", "CompareReport", "DetMetrics", "DistSettings", "DownloadError", "DownloadResult",
    "EvalReport", "ExportResult", "InferResult", "IntegrityError", "LabelError", "ManifestError", "ModelNameError",
    "TrainResult", "VisReport", "VisVideo", "Workspace", "ZooModel", "__version__", "add_model", "compare", "download",
    "evaluate", "export_model", "filter_models", "find_workspace", "import_models", "infer", "init_workspace",
    "list_models", "resolve_model_name", "train", "user_models", "visualize",
]
