# 60 epochs, steps at epochs 48 and 55 (the original schedule_5x.py).
_base_ = './schedule_1x.py'

train_cfg = dict(max_epochs=60)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=60, by_epoch=True, milestones=[48, 55], gamma=0.1),
]
