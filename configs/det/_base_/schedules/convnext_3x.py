# The ConvNeXt rows' optimizer: AdamW (adamw_3x.py) with layer-wise lr decay 0.95 over the 6
# stages-and-blocks groups of ConvNeXt-T (S and B rows use 12), trained in FP16 (loss scale 512).
_base_ = './adamw_3x.py'

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale=dict(init_scale=512),
    constructor='LearningRateDecayOptimizerConstructor',
    paramwise_cfg=dict(decay_rate=0.95, decay_type='layer_wise', num_layers=6))
