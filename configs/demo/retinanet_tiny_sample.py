# A deliberately tiny RetinaNet for `make demo`: trains from scratch on the synthetic sample
# (`bddet init --sample`) in minutes on a laptop CPU. It is not a zoo model and says nothing
# about BDD100K accuracy; it exists so the whole pipeline can be seen working without a GPU.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../det/_base_/datasets/bdd100k.py',
    '../det/_base_/schedules/schedule_1x.py',
    '../det/_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=18, base_channels=16, stem_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    bbox_head=dict(num_classes=10, in_channels=64, feat_channels=64, stacked_convs=2))
scale = (320, 180)  # the sample's 640x360 images at half size
train_dataloader = dict(batch_size=8, num_workers=2, dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys={{_base_.meta_keys}}),
]))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.002, weight_decay=0.0001))
max_epochs = 36
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[28, 33], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=10))
randomness = dict(seed=0)  # the same demo model, and the same table, on every run
