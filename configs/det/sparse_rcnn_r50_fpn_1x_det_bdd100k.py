# Sparse R-CNN, R-50-FPN, 1x schedule.
# BDD100K zoo model sparse_rcnn_r50_fpn_1x_det_bdd100k: published box AP 26.71 val, 25.55 test.
_base_ = [
    './_base_/models/sparse-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

# AdamW lr 2.5e-5, gradient clipping at 1 (the original sparse_rcnn rows)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=2.5e-05, weight_decay=0.0001),
    clip_grad=dict(max_norm=1, norm_type=2))
