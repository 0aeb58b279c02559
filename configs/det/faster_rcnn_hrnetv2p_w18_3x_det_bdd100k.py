# Faster R-CNN, HRNet-w18, 3x schedule, multi-scale training.
# BDD100K zoo model faster_rcnn_hrnetv2p_w18_3x_det_bdd100k: published box AP 33.35 val, 32.61 test.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNet',
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ), num_channels=(64, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4), num_channels=(18, 36)),
            stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4), num_channels=(18, 36, 72)),
            stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4), num_channels=(18, 36, 72, 144))),
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://msra/hrnetv2_w18')),
    neck=dict(_delete_=True, type='HRFPN', in_channels=[18, 36, 72, 144], out_channels=256),
    roi_head=dict(bbox_head=dict(num_classes=10)))
train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained HRNet with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
optim_wrapper = dict(optimizer=dict(lr=0.02))  # for its batch of 16
