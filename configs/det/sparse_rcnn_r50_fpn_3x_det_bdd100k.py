# Sparse R-CNN, R-50-FPN, 3x schedule, multi-scale training.
# BDD100K zoo model sparse_rcnn_r50_fpn_3x_det_bdd100k: published box AP 31.31 val, 31.19 test.
_base_ = [
    './_base_/models/sparse-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

# AdamW lr 2.5e-5, gradient clipping at 1 (the original sparse_rcnn rows)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=2.5e-05, weight_decay=0.0001),
    clip_grad=dict(max_norm=1, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=36, by_epoch=True, milestones=[27, 33], gamma=0.1),
]
