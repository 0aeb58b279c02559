"""ConvNeXt as mmcls 0.25 built it for the zoo: mmpretrain's backbone with the original eps.

mmcls 0.22-0.25, which trained the zoo's ConvNeXt detectors, built the three downsampling
LayerNorm2d layers with nn.LayerNorm's default eps, 1e-5 (``LayerNorm2d(self.channels[i - 1])``);
mmpretrain builds them from ``norm_cfg`` like every other norm, eps 1e-6 (since 1.0.0rc5,
commit b6351511), and its constructor has no setting for them alone. eps is a plain attribute,
not a weight, so it is set after building: the parameters, their names and the checkpoints are
mmpretrain's. With it the backbone's outputs are bit-identical to mmcls 0.25's.
"""
from mmdet.registry import MODELS

MMCLS_DOWNSAMPLE_EPS = 1e-5


@MODELS.register_module(name="ConvNeXtMMCls")
def convnext_mmcls(**kwargs):
    """mmpretrain's ConvNeXt(**kwargs), its downsampling LayerNorms at mmcls 0.25's eps."""
    from mmpretrain.models.backbones import ConvNeXt

    backbone = ConvNeXt(**kwargs)
    for layer in backbone.downsample_layers[1:]:  # layer 0 is the stem, built from norm_cfg in both
        layer[0].eps = MMCLS_DOWNSAMPLE_EPS
    return backbone
