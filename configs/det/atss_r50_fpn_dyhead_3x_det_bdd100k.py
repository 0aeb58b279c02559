# ATSS + DyHead, R-50-FPN, 3x schedule, multi-scale training.
# BDD100K zoo model atss_r50_fpn_dyhead_3x_det_bdd100k: published box AP 34.56 val, 33.77 test.
_base_ = [
    './_base_/models/atss_r50_fpn_dyhead.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

optim_wrapper = dict(optimizer=dict(lr=0.02))  # the original set 0.02 for ATSS + DyHead (batch 32)
