# Faster R-CNN, R-50-FPN, 3x schedule, multi-scale training.
# BDD100K zoo model faster_rcnn_r50_fpn_3x_det_bdd100k: published box AP 32.30 val, 31.45 test.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

model = dict(roi_head=dict(bbox_head=dict(num_classes=10)))
