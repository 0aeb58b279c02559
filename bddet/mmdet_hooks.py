"""Training hooks the zoo's recipes need and MMDetection lacks."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmdet.registry import HOOKS

# What the strong recipe turns off for its last epochs: the image mixing and the random
# rescale/crop, leaving flips and photometric distortion on 1280x720 BDD100K images.
STRONG_ONLY_TRANSFORMS = ("Mosaic", "MixUp", "RandomResize", "RandomCrop")


@HOOKS.register_module()
class StrongAugmentSwitchHook(Hook):
    """For the last ``num_last_epochs`` epochs, skip Mosaic/MixUp/RandomResize/RandomCrop.

    The intent of the original ``ModeSwitchHook(num_last_epochs=9, single_scale=True)``,
    which no mmdet release defines. Works on a MultiImageMixDataset and restarts the
    dataloader workers so persistent workers see the change (as YOLOX's switch does).
    """

    def __init__(self, num_last_epochs: int = 9) -> None:
        self.num_last_epochs = num_last_epochs
        self._switched = False

    def before_train_epoch(self, runner) -> None:
        if self._switched or runner.epoch < runner.max_epochs - self.num_last_epochs:
            return
        loader = runner.train_dataloader
        loader.dataset.update_skip_type_keys(STRONG_ONLY_TRANSFORMS)
        if getattr(loader, "persistent_workers", False):
            loader._DataLoader__initialized = False
            loader._iterator = None
        self._switched = True
        runner.logger.info(f"strong augmentation off for the last {self.num_last_epochs} epochs")
