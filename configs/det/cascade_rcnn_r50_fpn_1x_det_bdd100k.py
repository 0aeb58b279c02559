# Cascade R-CNN, R-50-FPN, 1x schedule.
# BDD100K zoo model cascade_rcnn_r50_fpn_1x_det_bdd100k: published box AP 32.40 val, 31.23 test.
_base_ = [
    './_base_/models/cascade-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]
