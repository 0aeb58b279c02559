# Faster R-CNN, R-50-FPN, 1x schedule.
# BDD100K zoo model faster_rcnn_r50_fpn_1x_det_bdd100k: published box AP 31.04 val, 29.78 test.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

model = dict(roi_head=dict(bbox_head=dict(num_classes=10)))
