# 36 epochs, steps at epochs 24 and 33 (the original schedule_3x.py).
_base_ = './schedule_1x.py'

train_cfg = dict(max_epochs=36)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=36, by_epoch=True, milestones=[24, 33], gamma=0.1),
]
