# 12 epochs, SGD, steps at epochs 8 and 11, linear warmup over 500 iterations: MMDetection's
# schedule_1x (SysCV/bdd100k-models _base_/schedules/schedule_1x.py is the same), with the zoo's
# lr 0.04 for a batch of 32 (8 GPUs x 4 images) instead of mmdet's 0.02 for 16.
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'

optim_wrapper = dict(optimizer=dict(lr=0.04))
# the batch the lr above was set for: `bddet train --auto-scale-lr` scales from it
auto_scale_lr = dict(base_batch_size=32)
