# Cascade R-CNN, ConvNeXt-B, 3x schedule, multi-scale training, FP16.
# BDD100K zoo model cascade_rcnn_convnext-b_fpn_fp16_3x_det_bdd100k: published box AP 35.77 val, 34.95 test.
_base_ = [
    './_base_/models/cascade-rcnn_convnext-t_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/convnext_3x.py',
    './_base_/default_runtime.py',
]

custom_imports = dict(
    imports=['bddet.mm', 'mmpretrain.models'],
    allow_failed_imports=False)
model = dict(
    backbone=dict(arch='base', drop_path_rate=0.4, init_cfg=dict(checkpoint='https://download.openmmlab.com/mmclassification/v0/convnext/convnext-base_in21k-pre-3rdparty_32xb128_in1k_20220124-eb2d6ada.pth')),
    neck=dict(in_channels=[128, 256, 512, 1024]))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))  # lr-decay groups of the S/B depth

# The original's det/test.py ran this model with mixed precision (wrap_fp16_model, for a config with
# `fp16`): on a GPU, bddet infer does the same (autocast, with 2.x's fp32 box decoding, NMS and
# RoIAlign; bddet.engine.mmdet2_parity); `--fp32` turns it off. On a CPU both ran in fp32.
test_mixed_precision = True
