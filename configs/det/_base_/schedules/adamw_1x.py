# AdamW schedule of the Swin and ConvNeXt rows: lr 1e-4, weight decay 0.05, linear warmup over
# 1000 iterations, 12 epochs with steps at 9 and 11 (SysCV/bdd100k-models swin/convnext configs).
# Self-contained rather than a delta of schedule_1x.py, so that swin_3x/convnext_3x stay within
# three levels of _base_.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[9, 11], gamma=0.1),
]
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05))
# the batch the lr above was set for (8 GPUs x 4 images): `bddet train --auto-scale-lr` scales from it
auto_scale_lr = dict(enable=False, base_batch_size=32)
