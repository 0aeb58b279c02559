"""The zoo's ConvNeXt: mmpretrain's backbone, with mmcls 0.25's downsampling LayerNorm eps."""
import torch


def test_the_downsampling_norms_take_mmcls_eps_and_nothing_else_changes():
    from mmdet.registry import MODELS
    from mmpretrain.models.backbones import ConvNeXt

    import bddet.mm  # noqa: F401 - registers ConvNeXtMMCls

    args = dict(arch="tiny", out_indices=[0, 1, 2, 3], gap_before_final_norm=False, init_cfg=None)
    torch.manual_seed(0)
    ours = MODELS.build(dict(type="ConvNeXtMMCls", **args))
    torch.manual_seed(0)
    plain = ConvNeXt(**args)
    ours.eval(), plain.eval()  # (mmpretrain's train() returns None, so eval() cannot be chained)
    eps = {name: m.eps for name, m in ours.named_modules() if isinstance(m, torch.nn.LayerNorm)}
    downsampling = {f"downsample_layers.{i}.0" for i in (1, 2, 3)}
    assert {n: e for n, e in eps.items() if n in downsampling} == dict.fromkeys(downsampling, 1e-5)
    assert set(e for n, e in eps.items() if n not in downsampling) == {1e-6}  # stem, blocks, outputs
    assert ours.state_dict().keys() == plain.state_dict().keys()
    ours.load_state_dict(plain.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        a, b = ours(x)[-1], plain(x)[-1]
    assert a.shape == b.shape and not torch.equal(a, b)  # the eps is used
