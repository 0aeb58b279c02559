# Cascade R-CNN, Swin-S, 3x schedule, multi-scale training, FP16.
# BDD100K zoo model cascade_rcnn_swin-s_fpn_fp16_3x_det_bdd100k: published box AP 35.49 val, 34.86 test.
# The original declared FP16 for this row but never enabled it (no `fp16` key): enabled here.
_base_ = [
    './_base_/models/cascade-rcnn_swin-t_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/swin_3x.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        depths=[2, 2, 18, 2],
        init_cfg=dict(checkpoint='https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_small_patch4_window7_224.pth')))
train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained Swin with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale=dict(init_scale=512))  # FP16
