# Cascade R-CNN, ConvNeXt-S, 3x schedule, multi-scale training, FP16.
# BDD100K zoo model cascade_rcnn_convnext-s_fpn_fp16_3x_det_bdd100k: published box AP 36.11 val, 35.43 test.
# As released, this 'S' row is a ConvNeXt-T (arch, checkpoint and drop path of the tiny model,
# 12 lr-decay layers): kept so the published weights load.
_base_ = [
    './_base_/models/cascade-rcnn_convnext-t_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/convnext_3x.py',
    './_base_/default_runtime.py',
]

custom_imports = dict(
    imports=['bddet.mm', 'mmpretrain.models'],
    allow_failed_imports=False)
optim_wrapper = dict(paramwise_cfg=dict(num_layers=12))  # lr-decay groups of the S/B depth

# The original's det/test.py ran this model with mixed precision (wrap_fp16_model, for a config with
# `fp16`): on a GPU, bddet infer does the same (autocast, with 2.x's fp32 box decoding, NMS and
# RoIAlign; bddet.engine.mmdet2_parity); `--fp32` turns it off. On a CPU both ran in fp32.
test_mixed_precision = True
