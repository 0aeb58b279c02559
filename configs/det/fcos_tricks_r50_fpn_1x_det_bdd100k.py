# FCOS, R-50-FPN, 1x schedule.
# BDD100K zoo model fcos_tricks_r50_fpn_1x_det_bdd100k: published box AP 26.59 val, 24.76 test.
_base_ = [
    './_base_/models/fcos_r50-caffe_fpn_gn-head.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

# center sampling, normalised boxes, centerness on the regression branch, GIoU loss
# (mmdet's fcos ...-center-normbbox-centeronreg-giou config); the original kept the caffe
# mean of the plain FCOS rows rather than the detectron2 one, and so do we.
model = dict(
    backbone=dict(init_cfg=dict(checkpoint='open-mmlab://detectron2/resnet50_caffe')),
    bbox_head=dict(norm_on_bbox=True, centerness_on_reg=True, dcn_on_last_conv=False, center_sampling=True,
                   conv_bias=True, loss_bbox=dict(type='GIoULoss', loss_weight=1.0)),
    test_cfg=dict(nms=dict(iou_threshold=0.6)))
optim_wrapper = dict(optimizer=dict(lr=0.01), paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
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
