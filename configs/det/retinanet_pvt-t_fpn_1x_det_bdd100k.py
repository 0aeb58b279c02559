# RetinaNet, PVT-T, 1x schedule.
# BDD100K zoo model retinanet_pvt-t_fpn_1x_det_bdd100k: published box AP 28.45 val, 27.50 test.
_base_ = [
    './_base_/models/retinanet_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(_delete_=True, type='PyramidVisionTransformer', num_layers=[2, 2, 2, 2],
                  init_cfg=dict(type='Pretrained', checkpoint='https://github.com/whai362/PVT/releases/download/v2/pvt_tiny.pth')),
    neck=dict(in_channels=[64, 128, 320, 512]),
    bbox_head=dict(num_classes=10))
train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained PVT with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, weight_decay=0.0001))
