# Faster R-CNN, ConvNeXt-T, 1x schedule, FP16.
# BDD100K zoo model faster_rcnn_convnext-t_fpn_fp16_1x_det_bdd100k: published box AP 33.32 val, 31.96 test.
_base_ = [
    './_base_/models/faster-rcnn_convnext-t_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/convnext_1x.py',
    './_base_/default_runtime.py',
]

custom_imports = dict(
    imports=['bddet.mm', 'mmpretrain.models'],
    allow_failed_imports=False)

# The original's det/test.py ran this model with mixed precision (wrap_fp16_model, for a config with
# `fp16`): on a GPU, bddet infer does the same (autocast, with 2.x's fp32 box decoding, NMS and
# RoIAlign; bddet.engine.mmdet2_parity); `--fp32` turns it off. On a CPU both ran in fp32.
test_mixed_precision = True
