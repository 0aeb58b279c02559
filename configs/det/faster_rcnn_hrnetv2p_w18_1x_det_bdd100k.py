# Faster R-CNN, HRNet-w18, 1x schedule.
# BDD100K zoo model faster_rcnn_hrnetv2p_w18_1x_det_bdd100k: published box AP 31.74 val, 30.64 test.
_base_ = [
    './_base_/models/faster-rcnn_hrnetv2p-w18.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=2, num_workers=2)  # the original trained HRNet with 2 images per GPU
auto_scale_lr = dict(base_batch_size=16)  # 8 GPUs x 2 images
optim_wrapper = dict(optimizer=dict(lr=0.02))  # for its batch of 16
