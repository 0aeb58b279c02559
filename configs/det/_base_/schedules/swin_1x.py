# The Swin rows' optimizer: AdamW (adamw_1x.py) without weight decay on position tables and norms.
_base_ = './adamw_1x.py'

optim_wrapper = dict(paramwise_cfg=dict(custom_keys=dict(absolute_pos_embed=dict(decay_mult=0.0),
                                                         relative_position_bias_table=dict(decay_mult=0.0),
                                                         norm=dict(decay_mult=0.0))))
