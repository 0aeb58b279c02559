# Runtime shared by every model: MMDetection 3.x's own default runtime, which holds exactly what
# the original's _base_/default_runtime.py set (checkpoint every epoch, log every 50 iterations,
# no released weights in load_from: training starts from the ImageNet backbones in init_cfg).
_base_ = 'mmdet::_base_/default_runtime.py'
