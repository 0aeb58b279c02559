# RetinaNet, R-50-FPN, 1x schedule.
# BDD100K zoo model retinanet_r50_fpn_rsb_1x_det_bdd100k: published box AP 29.52 val, 28.69 test.
_base_ = [
    './_base_/models/retinanet_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

# ResNet-50 trained with the 'ResNet strikes back' A1 recipe (mmcls checkpoint)
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb256-rsb-a1-600e_in1k_20211228-20e21305.pth')),
    bbox_head=dict(num_classes=10))
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bypass_duplicate=True))
