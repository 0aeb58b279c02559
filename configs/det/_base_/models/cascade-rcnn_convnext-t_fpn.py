# Cascade R-CNN with the ConvNeXt-T backbone (mmpretrain's, at mmcls 0.25's eps; ImageNet-1k
# weights), 10 classes; the S and B rows override arch, drop path and checkpoint. Needs `mmpretrain.models` in custom_imports.
_base_ = './cascade-rcnn_r50_fpn.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='ConvNeXtMMCls',  # mmpretrain's ConvNeXt with mmcls 0.25's downsampling eps (bddet.mm)
        arch='tiny',
        out_indices=[0, 1, 2, 3],
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        gap_before_final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint='https://download.openmmlab.com/mmclassification/v0/convnext/downstream/convnext-tiny_3rdparty_32xb128-noema_in1k_20220301-795e9634.pth', prefix='backbone.')),
    neck=dict(in_channels=[96, 192, 384, 768]))
