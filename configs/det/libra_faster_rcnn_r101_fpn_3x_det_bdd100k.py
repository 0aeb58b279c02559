# Libra R-CNN, R-101-FPN, 3x schedule, multi-scale training.
# BDD100K zoo model libra_faster_rcnn_r101_fpn_3x_det_bdd100k: published box AP 32.24 val, 31.49 test.
_base_ = [
    './_base_/models/libra-faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

model = dict(backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
