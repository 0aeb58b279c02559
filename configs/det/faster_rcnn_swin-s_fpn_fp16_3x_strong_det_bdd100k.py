# Faster R-CNN, Swin-S, 3x schedule, multi-scale training, FP16, strong augmentation.
# BDD100K zoo model faster_rcnn_swin-s_fpn_fp16_3x_strong_det_bdd100k: published box AP 35.06 val, 33.69 test.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k_strong.py',
    './_base_/schedules/adamw_3x.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='SwinTransformer',
        embed_dims=96,
        depths=[2, 2, 18, 2],
        num_heads=[3, 6, 12, 24],
        window_size=7,
        mlp_ratio=4,
        qkv_bias=True,
        qk_scale=None,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.2,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        with_cp=False,
        convert_weights=True,
        init_cfg=dict(type='Pretrained', checkpoint='https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_small_patch4_window7_224.pth')),
    neck=dict(in_channels=[96, 192, 384, 768]),
    roi_head=dict(bbox_head=dict(num_classes=10)))
train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained Swin with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale=dict(init_scale=512),
    # no weight decay on position tables and norms
    paramwise_cfg=dict(custom_keys=dict(absolute_pos_embed=dict(decay_mult=0.0),
                                        relative_position_bias_table=dict(decay_mult=0.0),
                                        norm=dict(decay_mult=0.0))))
