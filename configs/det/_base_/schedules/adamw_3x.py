# The AdamW schedule (adamw_1x.py) over 36 epochs, steps at 27 and 33. A delta of mmdet's
# schedule_1x rather than of adamw_1x.py, so that swin_3x/convnext_3x stay within three levels.
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

train_cfg = dict(max_epochs=36)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=36, by_epoch=True, milestones=[27, 33], gamma=0.1),
]
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05))
auto_scale_lr = dict(base_batch_size=32)
