# Faster R-CNN, Swin-B, 3x schedule, multi-scale training, FP16.
# BDD100K zoo model faster_rcnn_swin-b_fpn_fp16_3x_det_bdd100k: published box AP 34.46 val, 33.35 test.
_base_ = [
    './_base_/models/faster-rcnn_swin-t_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/swin_3x.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        depths=[2, 2, 18, 2],
        embed_dims=128,
        num_heads=[4, 8, 16, 32],
        init_cfg=dict(checkpoint='https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_base_patch4_window7_224_22k.pth')),
    neck=dict(in_channels=[128, 256, 512, 1024]))
train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained Swin with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale=dict(init_scale=512))  # FP16

# The original's det/test.py ran this model with mixed precision (wrap_fp16_model, for a config with
# `fp16`): on a GPU, bddet infer does the same (autocast, with 2.x's fp32 box decoding, NMS and
# RoIAlign; bddet.engine.mmdet2_parity); `--fp32` turns it off. On a CPU both ran in fp32.
test_mixed_precision = True
