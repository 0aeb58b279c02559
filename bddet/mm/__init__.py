"""What MMEngine loads by registry for bddet's configs: the dataset, the metric and the hooks.

The configs name this package once (``custom_imports = dict(imports=['bddet.mm'])``);
importing it registers all three with MMDetection's registries.
"""
from .dataset import BDD100KDetDataset
from .hooks import RichProgressHook, StrongAugmentSwitchHook
from .metric import BDD100KDetMetric

__all__ = ["BDD100KDetDataset", "BDD100KDetMetric", "RichProgressHook", "StrongAugmentSwitchHook"]
