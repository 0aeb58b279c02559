"""bddet: the BDD100K object-detection model zoo as a command-line tool and a library.

Importing bddet is cheap: torch and MMDetection load only inside the functions that need them.
"""
from .errors import BddetError, DownloadError, IntegrityError, ManifestError, ModelNameError
from .workspace import Workspace, find_workspace, init_workspace
from .zoo import ZooModel, filter_models, list_models, resolve_model_name

__version__ = "0.1.0"

__all__ = [
    "BddetError", "DownloadError", "IntegrityError", "ManifestError", "ModelNameError",
    "Workspace", "ZooModel", "filter_models", "find_workspace", "init_workspace",
    "list_models", "resolve_model_name", "__version__",
]
