# Cascade R-CNN, Swin-T, 3x schedule, multi-scale training.
# BDD100K zoo model cascade_rcnn_swin-t_fpn_3x_det_bdd100k: published box AP 35.95 val, 35.26 test.
_base_ = [
    './_base_/models/cascade-rcnn_swin-t_fpn.py',
    './_base_/datasets/bdd100k_ms.py',
    './_base_/schedules/swin_3x.py',
    './_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained Swin with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
