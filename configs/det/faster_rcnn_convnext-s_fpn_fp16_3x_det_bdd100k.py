# Faster R-CNN, ConvNeXt-S, 3x schedule, multi-scale training, FP16.
# BDD100K zoo model faster_rcnn_convnext-s_fpn_fp16_3x_det_bdd100k: published box AP 34.79 val, 34.49 test.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/adamw_3x.py',
    './_base_/default_runtime.py',
]

custom_imports = dict(
    imports=['bddet.data.mmdet_dataset', 'bddet.mmdet_metric', 'bddet.mmdet_hooks', 'mmpretrain.models'],
    allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ConvNeXt',
        arch='small',
        out_indices=[0, 1, 2, 3],
        drop_path_rate=0.6,
        layer_scale_init_value=1.0,
        gap_before_final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint='https://download.openmmlab.com/mmclassification/v0/convnext/downstream/convnext-small_3rdparty_32xb128-noema_in1k_20220301-303e75e3.pth', prefix='backbone.')),
    neck=dict(in_channels=[96, 192, 384, 768]),
    roi_head=dict(bbox_head=dict(num_classes=10)))
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale=dict(init_scale=512),
    constructor='LearningRateDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=12))
