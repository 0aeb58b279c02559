"""Training hooks the zoo's recipes need and MMDetection lacks (they log through MMEngine; none draws)."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmdet.registry import HOOKS

# What the strong recipe turns off for its last epochs by default: the image mixing and the
# random rescale/crop, leaving flips and photometric distortion on 1280x720 BDD100K images.
STRONG_ONLY_TRANSFORMS = ("Mosaic", "MixUp", "RandomResize", "RandomCrop")


@HOOKS.register_module()
class StrongAugmentSwitchHook(Hook):
    """For the last ``num_last_epochs`` epochs, skip the transforms named in ``skip_type_keys``.

    The intent of the original ``ModeSwitchHook(num_last_epochs=9, single_scale=True)``,
    which no mmdet release defines. Like mmdet's ``YOLOXModeSwitchHook`` the skip list comes
    from the config. Works on a MultiImageMixDataset and restarts the dataloader workers so
    persistent workers see the change (as YOLOX's switch does).
    """

    def __init__(self, num_last_epochs: int = 9,
                 skip_type_keys: tuple[str, ...] | list[str] = STRONG_ONLY_TRANSFORMS) -> None:
        self.num_last_epochs = num_last_epochs
        self.skip_type_keys = tuple(skip_type_keys)
        self._switched = False

    def before_train_epoch(self, runner) -> None:
        if self._switched or runner.epoch < runner.max_epochs - self.num_last_epochs:
            return
        loader = runner.train_dataloader
        loader.dataset.update_skip_type_keys(self.skip_type_keys)
        if getattr(loader, "persistent_workers", False):
            loader._DataLoader__initialized = False
            loader._iterator = None
        self._switched = True
        runner.logger.info(f"strong augmentation off for the last {self.num_last_epochs} epochs "
                           f"({', '.join(self.skip_type_keys)})")
