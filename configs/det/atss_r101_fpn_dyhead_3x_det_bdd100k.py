# ATSS + DyHead, R-101-FPN, 3x schedule, multi-scale training.
# BDD100K zoo model atss_r101_fpn_dyhead_3x_det_bdd100k: published box AP 34.61 val, 33.70 test.
_base_ = [
    './_base_/models/atss_r50_fpn_dyhead.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
optim_wrapper = dict(optimizer=dict(lr=0.02))  # the original set 0.02 for ATSS + DyHead (batch 32)
