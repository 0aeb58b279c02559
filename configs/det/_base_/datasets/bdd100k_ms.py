# Multi-scale training: each image resized to 1280 x one of {600, ..., 720}
# (the original's Resize(img_scale=[...], multiscale_mode='value')); testing stays 1280x720.
_base_ = './bdd100k.py'

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize', scales=[(1280, 600), (1280, 624), (1280, 648), (1280, 672), (1280, 696),
                                            (1280, 720)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
