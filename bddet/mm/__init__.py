"""What MMEngine loads by registry for bddet's configs: the dataset, the metric and the hooks.

The configs name this package once (``custom_imports = dict(imports=['bddet.mm'])``);
importing it registers all three with MMDetection's registries.

Imports data/ (labels), zoo/ and evaluation/ (the metric scores as the official evaluator). It
never imports engine/, vis/ or cli/, and prints nothing: MMEngine's logger carries its lines.
"""
from .dataset import BDD100KDetDataset
from .hooks import StrongAugmentSwitchHook
from .metric import BDD100KDetMetric

__all__ = ["BDD100KDetDataset", "BDD100KDetMetric", "StrongAugmentSwitchHook"]
