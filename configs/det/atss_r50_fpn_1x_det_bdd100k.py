# ATSS, R-50-FPN, 1x schedule.
# BDD100K zoo model atss_r50_fpn_1x_det_bdd100k: published box AP 31.45 val, 29.92 test.
_base_ = [
    './_base_/models/atss_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

optim_wrapper = dict(optimizer=dict(lr=0.02))  # the original set 0.02 for ATSS (batch 32)
