# AdamW schedule of the Swin and ConvNeXt rows: lr 1e-4, weight decay 0.05, linear warmup over
# 1000 iterations, 12 epochs with steps at 9 and 11 (SysCV/bdd100k-models swin/convnext configs),
# for the same batch of 32 as schedule_1x.py.
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[9, 11], gamma=0.1),
]
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05))
auto_scale_lr = dict(base_batch_size=32)
