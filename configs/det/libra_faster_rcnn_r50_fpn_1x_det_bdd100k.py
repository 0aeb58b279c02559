# Libra R-CNN, R-50-FPN, 1x schedule.
# BDD100K zoo model libra_faster_rcnn_r50_fpn_1x_det_bdd100k: published box AP 30.70 val, 29.54 test.
_base_ = [
    './_base_/models/libra-faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]
