"""What MMEngine loads by registry for bddet's configs: the dataset, the metric, the hooks and
the zoo's ConvNeXt backbone.

The configs name this package once (``custom_imports = dict(imports=['bddet.mm'])``);
importing it registers them with MMDetection's registries.

Imports data/ (labels), zoo/ and evaluation/ (the metric scores as the official evaluator). It
never imports engine/, vis/ or cli/, and prints nothing: MMEngine's logger carries its lines.
"""
from .convnext import convnext_mmcls
from .dataset import BDD100KDetDataset
from .hooks import StrongAugmentSwitchHook
from .metric import BDD100KDetMetric

__all__ = ["BDD100KDetDataset", "BDD100KDetMetric", "StrongAugmentSwitchHook", "convnext_mmcls"]
