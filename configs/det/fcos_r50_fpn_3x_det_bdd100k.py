# FCOS, R-50-FPN, 3x schedule, multi-scale training.
# BDD100K zoo model fcos_r50_fpn_3x_det_bdd100k: published box AP 30.60 val, 28.96 test.
_base_ = [
    './_base_/models/fcos_r50-caffe_fpn_gn-head.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/schedule_3x.py',
    './_base_/default_runtime.py',
]

# SGD lr 0.01 with doubled bias lr, no bias decay, gradient clipping at 35 (the original fcos rows)
optim_wrapper = dict(
    optimizer=dict(lr=0.01), paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='ConstantLR', factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=36, by_epoch=True, milestones=[24, 33], gamma=0.1),
]
# The original tested FCOS on float32 images (LoadImageFromFile(to_float32=True)): an image that
# is resized (any size but 1280x720) is interpolated from float32 pixels, not rounded uint8 ones.
test_pipeline = [
    dict(type='LoadImageFromFile', to_float32=True, backend_args={{_base_.backend_args}}),
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
