# RetinaNet, R-50-FPN, 1x schedule.
# BDD100K zoo model retinanet_r50_fpn_1x_det_bdd100k: published box AP 28.58 val, 27.14 test.
_base_ = [
    './_base_/models/retinanet_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

model = dict(bbox_head=dict(num_classes=10))
optim_wrapper = dict(optimizer=dict(lr=0.02))  # the original set 0.02 for RetinaNet (batch 32)
