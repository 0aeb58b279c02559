"""The 64 zoo configs: they load, build on CPU, match the original recipes and take 2.x weights."""
from __future__ import annotations

import pytest

from bddet.zoo.checkpoint import load_weights_strictly
from bddet.zoo.config_files import config_path, load_config
from bddet.zoo.catalogue import list_models, resolve_model_name

MODELS = list_models()


@pytest.fixture(scope="module")
def registry():
    from mmdet.utils import register_all_modules

    register_all_modules()
    from mmdet.registry import MODELS as REG

    return REG


def build(cfg, registry):
    from mmengine.utils import import_modules_from_strings

    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    return registry.build(cfg.model)


@pytest.mark.parametrize("model", MODELS, ids=[m.alias for m in MODELS])
def test_every_zoo_model_builds_and_loads_a_2x_checkpoint_strictly(model, registry):
    cfg = load_config(config_path(model), "/data/bdd100k")
    detector = build(cfg, registry)
    assert sum(p.numel() for p in detector.parameters()) == model.params
    # an mmdet 2.x checkpoint: meta with the 2.x version and classes, weights under state_dict
    ckpt = {"meta": {"mmdet_version": "2.25.0", "CLASSES": tuple(range(10))},
            "state_dict": {k: v.clone() for k, v in detector.state_dict().items()}}
    load_weights_strictly(detector, ckpt, model.name)
    assert cfg.load_from is None  # never the released weights
    for ds in (cfg.train_dataloader.dataset, cfg.val_dataloader.dataset):
        inner = ds.get("dataset", ds)
        assert inner.data_root == "/data/bdd100k" and inner.type == "BDD100KDetDataset"
    heads = cfg.model.get("roi_head", {}).get("bbox_head", cfg.model.get("bbox_head"))
    for head in heads if isinstance(heads, list) else [heads]:
        assert head.num_classes == 10


def test_a_checkpoint_for_another_model_names_the_mismatch(registry):
    from bddet.zoo.checkpoint import CheckpointError

    small = build(load_config(config_path(resolve_model_name("retinanet_r50_fpn_1x"))), registry)
    other = build(load_config(config_path(resolve_model_name("faster_rcnn_r50_fpn_1x"))), registry)
    with pytest.raises(CheckpointError, match="does not fit the model.*missing: .*unexpected: "):
        load_weights_strictly(small, {"state_dict": other.state_dict()}, "faster.pth")


def _lrs(cfg):
    return cfg.optim_wrapper.optimizer.type, cfg.optim_wrapper.optimizer.lr, cfg.optim_wrapper.optimizer.weight_decay


def _steps(cfg):
    warm, step = cfg.param_scheduler
    return warm.type, warm.end, step.milestones, cfg.train_cfg.max_epochs


def _train_scales(cfg):
    ds = cfg.train_dataloader.dataset
    for t in ds.pipeline:
        if t.type == "Resize":
            return [tuple(t.scale)]
        if t.type == "RandomChoiceResize":
            return [tuple(s) for s in t.scales]
    return None


MS = [(1280, 600), (1280, 624), (1280, 648), (1280, 672), (1280, 696), (1280, 720)]
# (model, optimizer type, lr, weight decay, warmup type, warmup iters, milestones, epochs,
#  per-GPU batch, train scales), from SysCV/bdd100k-models det/configs (mmdet 2.x, resolved).
RECIPES = [
    ("faster_rcnn_r50_fpn_1x", "SGD", 0.04, 1e-4, "LinearLR", 500, [8, 11], 12, 4, [(1280, 720)]),
    ("faster_rcnn_r101_fpn_5x", "SGD", 0.04, 1e-4, "LinearLR", 500, [48, 55], 60, 4, MS),
    ("retinanet_r50_fpn_3x", "SGD", 0.02, 1e-4, "LinearLR", 500, [24, 33], 36, 4, MS),
    ("cascade_rcnn_r101_fpn_3x", "SGD", 0.04, 1e-4, "LinearLR", 500, [24, 33], 36, 4, MS),
    ("fcos_r50_fpn_1x", "SGD", 0.01, 1e-4, "ConstantLR", 500, [8, 11], 12, 4, [(1280, 720)]),
    ("fcos_tricks_r50_fpn_1x", "SGD", 0.01, 1e-4, "LinearLR", 500, [8, 11], 12, 4, [(1280, 720)]),
    ("faster_rcnn_r50_fpn_dconv_3x", "SGD", 0.04, 1e-4, "LinearLR", 500, [24, 33], 36, 4, MS),
    ("libra_faster_rcnn_r50_fpn_1x", "SGD", 0.04, 1e-4, "LinearLR", 500, [8, 11], 12, 4, [(1280, 720)]),
    ("faster_rcnn_hrnetv2p_w32_3x", "SGD", 0.02, 1e-4, "LinearLR", 500, [24, 33], 36, 2, MS),
    ("atss_r101_fpn_3x", "SGD", 0.02, 1e-4, "LinearLR", 500, [24, 33], 36, 4, MS),
    ("sparse_rcnn_r50_fpn_3x", "AdamW", 2.5e-5, 1e-4, "LinearLR", 500, [27, 33], 36, 4, MS),
    ("atss_r50_fpn_dyhead_1x", "SGD", 0.02, 1e-4, "LinearLR", 500, [8, 11], 12, 4, [(1280, 720)]),
    ("faster_rcnn_swin-t_fpn_1x", "AdamW", 1e-4, 0.05, "LinearLR", 1000, [9, 11], 12, 2, [(1280, 720)]),
    ("cascade_rcnn_swin-b_fpn_fp16_3x", "AdamW", 1e-4, 0.05, "LinearLR", 1000, [27, 33], 36, 2, MS),
    ("retinanet_pvtv2-b2_fpn_3x", "AdamW", 1e-4, 1e-4, "LinearLR", 500, [24, 33], 36, 2, MS),
    ("retinanet_pvt-s_fpn_3x", "AdamW", 1e-4, 1e-4, "LinearLR", 500, [24, 33], 36, 2, MS),
    ("faster_rcnn_r50_fpn_rsb_1x", "AdamW", 2e-4, 0.05, "LinearLR", 500, [8, 11], 12, 4, [(1280, 720)]),
    ("retinanet_r50_fpn_rsb_3x", "AdamW", 1e-4, 0.05, "LinearLR", 500, [24, 33], 36, 4, MS),
    ("faster_rcnn_convnext-b_fpn_fp16_3x", "AdamW", 1e-4, 0.05, "LinearLR", 1000, [27, 33], 36, 4, MS),
    ("cascade_rcnn_convnext-t_fpn_fp16_1x", "AdamW", 1e-4, 0.05, "LinearLR", 1000, [9, 11], 12, 4, [(1280, 720)]),
]


@pytest.mark.parametrize("row", RECIPES, ids=[r[0] for r in RECIPES])
def test_recipe_matches_the_original(row):
    name, opt, lr, wd, warm, warm_iters, milestones, epochs, batch, scales = row
    model = resolve_model_name(name)
    cfg = load_config(config_path(model))
    assert _lrs(cfg) == (opt, lr, wd)
    assert _steps(cfg) == (warm, warm_iters, milestones, epochs)
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.auto_scale_lr.base_batch_size == 8 * batch  # lr was set for 8 GPUs
    assert _train_scales(cfg) == scales
    test_resize = [t for t in cfg.test_dataloader.dataset.pipeline if t.type == "Resize"]
    assert [tuple(t.scale) for t in test_resize] == [(1280, 720)]
    assert (cfg.optim_wrapper.get("type") == "AmpOptimWrapper") == model.fp16


def test_family_specific_settings():
    def cfg_of(name):
        return load_config(config_path(resolve_model_name(name)))

    fcos = cfg_of("fcos_r50_fpn_3x")
    assert fcos.model.data_preprocessor.mean == [102.9801, 115.9465, 122.7717]  # caffe-style
    assert fcos.model.data_preprocessor.std == [1.0, 1.0, 1.0] and fcos.model.data_preprocessor.bgr_to_rgb is False
    assert fcos.optim_wrapper.clip_grad.max_norm == 35 and fcos.optim_wrapper.paramwise_cfg.bias_lr_mult == 2.0
    assert cfg_of("fcos_tricks_r50_fpn_1x").model.test_cfg.nms.iou_threshold == 0.6
    assert cfg_of("atss_r50_fpn_1x").model.test_cfg.nms.iou_threshold == 0.6
    rcnn = cfg_of("faster_rcnn_r50_fpn_1x").model.test_cfg.rcnn
    assert (rcnn.score_thr, rcnn.nms.iou_threshold, rcnn.max_per_img) == (0.05, 0.5, 100)
    assert cfg_of("sparse_rcnn_r50_fpn_1x").optim_wrapper.clip_grad.max_norm == 1
    swin = cfg_of("faster_rcnn_swin-t_fpn_3x_strong")
    assert swin.optim_wrapper.paramwise_cfg.custom_keys.relative_position_bias_table.decay_mult == 0.0
    assert swin.train_dataloader.dataset.type == "MultiImageMixDataset"
    assert [t.type for t in swin.train_dataloader.dataset.pipeline][:2] == ["Mosaic", "MixUp"]
    assert swin.custom_hooks[0].type == "StrongAugmentSwitchHook" and swin.custom_hooks[0].num_last_epochs == 9
    # the original named these FP16 but never enabled it
    for name in ("cascade_rcnn_swin-s_fpn_fp16_3x", "cascade_rcnn_swin-b_fpn_fp16_3x"):
        assert cfg_of(name).optim_wrapper.type == "AmpOptimWrapper"
    convnext = cfg_of("faster_rcnn_convnext-s_fpn_fp16_3x")
    assert convnext.optim_wrapper.constructor == "LearningRateDecayOptimizerConstructor"
    assert convnext.optim_wrapper.paramwise_cfg == dict(decay_rate=0.95, decay_type="layer_wise", num_layers=12)
    assert convnext.optim_wrapper.loss_scale.init_scale == 512
    assert "mmpretrain.models" in convnext.custom_imports.imports
    assert cfg_of("faster_rcnn_swin-b_fpn_fp16_3x").model.backbone.init_cfg.checkpoint.endswith("_22k.pth")
    assert cfg_of("faster_rcnn_r50_fpn_dconv_1x").model.backbone.dcn.type == "DCN"


def test_the_shipped_demo_checkpoint_matches_its_md5_and_its_config(registry):
    import hashlib

    from bddet.zoo.checkpoint import load_checkpoint_file
    from bddet.zoo.config_files import PACKAGE_DIR
    from bddet.zoo.catalogue import sample_models

    model = sample_models()[0]
    weights = PACKAGE_DIR / "configs/demo/mirror" / model.artifact_path("weights")
    published = (PACKAGE_DIR / "configs/demo/mirror" / model.artifact_path("md5")).read_text().split()[0]
    assert hashlib.md5(weights.read_bytes()).hexdigest() == published
    detector = build(load_config(config_path(model)), registry)
    assert sum(p.numel() for p in detector.parameters()) == model.params
    load_weights_strictly(detector, load_checkpoint_file(weights), str(weights))


def _without_mmdet_scope(node):
    if isinstance(node, dict):
        return {k: _without_mmdet_scope(v) for k, v in node.items() if not (k == "_scope_" and v == "mmdet")}
    if isinstance(node, list):
        return [_without_mmdet_scope(v) for v in node]
    return node


def _intended(name: str, cfg: dict) -> dict:
    """The changes made on purpose since the dump, undone so that everything else must be equal.

    - custom_imports: the dataset, metric and hooks moved into one package, ``bddet.mm``, which
      the configs import once instead of naming three modules.
    - ``_scope_: 'mmdet'``: the runtime now inherits ``mmdet::_base_/default_runtime.py``, and
      mmengine marks what comes from an ``mmdet::`` base with that scope. Every config's
      ``default_scope`` is mmdet already, so the registries resolve the same types.
    - StrongAugmentSwitchHook: the strong recipes now name the transforms it skips, the list
      that was the hook's built-in constant.

    The original-stack parity issue changed these, each to what the zoo's mmdet 2.28 stack did:
    - ``test_cfg.min_bbox_size`` 0 -> -1 in the 22 single-stage configs (RetinaNet, PVT, PVTv2,
      ATSS, DyHead, FCOS): mmdet 3.x drops zero-width boxes at min_bbox_size >= 0, 2.x's dense
      heads kept them.
    - the FCOS test pipeline loads float32 images (``to_float32=True``), as the original's did.
    - the ConvNeXt backbone is ``ConvNeXtMMCls`` (bddet.mm): mmpretrain's ``ConvNeXt`` with mmcls
      0.25's downsampling LayerNorm eps; the same arguments and parameters.
    - ``test_mixed_precision = True`` in the 12 configs whose original had ``fp16`` (the zoo's
      test.py then ran them with mixed precision).
    """
    cfg = _without_mmdet_scope(cfg)
    cfg.pop("test_mixed_precision", None)
    test_cfg = (cfg.get("model") or {}).get("test_cfg") or {}
    if test_cfg.get("min_bbox_size") == -1:
        test_cfg["min_bbox_size"] = 0
    backbone = (cfg.get("model") or {}).get("backbone") or {}
    if backbone.get("type") == "ConvNeXtMMCls":
        backbone["type"] = "mmpretrain.ConvNeXt"
    for pipeline in (cfg.get("test_pipeline"), cfg.get("val_dataloader", {}).get("dataset", {}).get("pipeline"),
                     cfg.get("test_dataloader", {}).get("dataset", {}).get("pipeline")):
        if pipeline and pipeline[0].get("type") == "LoadImageFromFile" and name.startswith("fcos"):
            assert pipeline[0].pop("to_float32") is True
    for hook in cfg.get("custom_hooks", []):
        if hook.get("type") == "StrongAugmentSwitchHook":
            assert hook.pop("skip_type_keys") == ["Mosaic", "MixUp", "RandomResize", "RandomCrop"]
    imports = list(cfg["custom_imports"]["imports"])
    if "bddet.mm" in imports:
        k = imports.index("bddet.mm")
        imports[k:k + 1] = ["bddet.data.mmdet_dataset", "bddet.mmdet_metric", "bddet.mmdet_hooks"]
    cfg["custom_imports"] = {**cfg["custom_imports"], "imports": imports}
    return cfg


def test_every_effective_config_equals_the_dump_made_before_the_refactor():
    import gzip
    import json

    from tests.fixtures.config_dump import DUMP, effective_config

    before = json.loads(gzip.open(DUMP, "rt").read())
    assert sorted(before) == sorted(m.name for m in MODELS)
    for model in MODELS:
        now = _intended(model.name, effective_config(config_path(model)))
        then = _without_mmdet_scope(before[model.name])
        if now != then:
            changed = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
            raise AssertionError(f"{model.name}: effective config changed in {changed}")
