"""bddet's MMEngine hooks, run on a real strong-recipe dataset."""
import logging
from types import SimpleNamespace

from tests.fixtures.datasets import tiny_data_root


def test_strong_augment_switch_turns_off_the_configured_transforms_for_the_last_epochs(tmp_path):
    import torch
    from mmdet.registry import DATASETS
    from mmdet.utils import register_all_modules
    from mmengine.dataset import pseudo_collate

    from bddet.zoo.config_files import config_path, load_config
    from bddet.mm.hooks import StrongAugmentSwitchHook
    from bddet.zoo.catalogue import resolve_model_name

    register_all_modules()
    import bddet.mm  # noqa: F401 - registers the dataset

    data = tiny_data_root(tmp_path / "bdd100k", n_train=4, n_val=1, n_test=1)  # 128x96 images
    cfg = load_config(config_path(resolve_model_name("faster_rcnn_swin-t_fpn_3x_strong")), data)
    hook_cfg = next(h for h in cfg.custom_hooks if h["type"] == "StrongAugmentSwitchHook")
    hook = StrongAugmentSwitchHook(num_last_epochs=hook_cfg["num_last_epochs"],
                                   skip_type_keys=hook_cfg["skip_type_keys"])
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    loader = torch.utils.data.DataLoader(dataset, batch_size=1, num_workers=0, collate_fn=pseudo_collate)
    runner = SimpleNamespace(epoch=26, max_epochs=36, train_dataloader=loader, logger=logging.getLogger("test"))

    def one_shape():
        return tuple(next(iter(loader))["inputs"][0].shape[1:])

    torch.manual_seed(0)
    hook.before_train_epoch(runner)  # epoch 27 of 36: still strong
    height, width = one_shape()  # the 2x mosaic of 128x96 images, rescaled by 0.5-1.5 of 1280x720, cropped
    assert 640 <= width <= 1280 and 360 <= height <= 720
    runner.epoch = 27                  # epoch 28: the last 9 begin
    hook.before_train_epoch(runner)
    assert dataset._skip_type_keys == ("Mosaic", "MixUp", "RandomResize", "RandomCrop")
    assert one_shape() == (96, 128)    # the image as it is: no mixing, rescaling or cropping
