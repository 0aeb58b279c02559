import pytest

from bddet.errors import ModelNameError
from bddet.zoo.catalogue import filter_models, list_models, resolve_model_name


def test_catalogue_holds_the_64_seed_models_in_15_sections():
    models = list_models()
    assert len(models) == 64
    assert len({m.name for m in models}) == 64
    assert len({m.family for m in models}) == 15
    assert all(m.name.endswith("_det_bdd100k") for m in models)


@pytest.mark.parametrize("name, ap_val, ap_test", [
    ("faster_rcnn_r50_fpn_1x_det_bdd100k", 31.04, 29.78),
    ("cascade_rcnn_swin-t_fpn_3x_det_bdd100k", 35.95, 35.26),
    ("fcos_tricks_r50_fpn_1x_det_bdd100k", 26.59, 24.76),
    ("cascade_rcnn_convnext-s_fpn_fp16_3x_det_bdd100k", 36.11, 35.43),
])
def test_published_ap_is_the_seeds(name, ap_val, ap_test):
    m = resolve_model_name(name)
    assert (m.ap_val, m.ap_test) == (ap_val, ap_test)


def test_row_facts_are_parsed_from_the_seed_columns():
    m = resolve_model_name("faster_rcnn_swin-s_fpn_fp16_3x_strong")
    assert (m.family, m.network, m.backbone, m.schedule) == ("Swin Transformer", "Faster R-CNN", "Swin-S", "3x")
    assert m.ms_train and m.fp16 and m.strong
    assert resolve_model_name("sparse_rcnn_r50_fpn_1x").proposals == 100
    assert resolve_model_name("fcos_tricks").tricks


def test_prefix_and_alias_resolve_to_the_full_name():
    assert resolve_model_name("cascade_rcnn_swin-t").name == "cascade_rcnn_swin-t_fpn_3x_det_bdd100k"
    assert resolve_model_name("retinanet_pvtv2-b0_fpn_1x").name == "retinanet_pvtv2-b0_fpn_1x_det_bdd100k"
    assert resolve_model_name("configs/det/atss_r50_fpn_1x_det_bdd100k.py").name == "atss_r50_fpn_1x_det_bdd100k"
    assert resolve_model_name("ATSS_R101_FPN_DYHEAD").name == "atss_r101_fpn_dyhead_3x_det_bdd100k"


def test_an_alias_wins_over_longer_names_it_prefixes():
    # faster_rcnn_swin-s_fpn_fp16_3x is also a prefix of its _strong sibling.
    assert resolve_model_name("faster_rcnn_swin-s_fpn_fp16_3x").name == "faster_rcnn_swin-s_fpn_fp16_3x_det_bdd100k"


def test_an_ambiguous_prefix_lists_candidates():
    with pytest.raises(ModelNameError, match="ambiguous.*faster_rcnn_r50_fpn_1x"):
        resolve_model_name("faster_rcnn_r50_fpn")


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ModelNameError, match="did you mean.*cascade_rcnn_r50_fpn_1x"):
        resolve_model_name("cascade_rcnn_r5_fpn_1x")


def test_artifact_urls_are_built_from_one_base(monkeypatch):
    monkeypatch.delenv("BDDET_OFFICIAL_BASE")
    m = resolve_model_name("faster_rcnn_r50_fpn_1x")
    assert m.artifact_url("weights") == "https://dl.cv.ethz.ch/bdd100k/det/models/faster_rcnn_r50_fpn_1x_det_bdd100k.pth"
    assert m.artifact_url("md5", "http://m/x/") == "http://m/x/models/faster_rcnn_r50_fpn_1x_det_bdd100k.md5"
    assert m.artifact_url("visuals").endswith("/det/visuals/faster_rcnn_r50_fpn_1x_det_bdd100k.zip")


def test_filter_by_family_and_sort_by_ap():
    swin = filter_models(family="swin")
    assert len(swin) == 11 and all(m.family == "Swin Transformer" for m in swin)
    best = filter_models(sort="ap_val")
    assert best[0].name == "cascade_rcnn_convnext-s_fpn_fp16_3x_det_bdd100k"
    assert [m.ap_val for m in best] == sorted((m.ap_val for m in best), reverse=True)


def test_the_demo_sample_model_resolves_but_is_not_a_zoo_model():
    from bddet.zoo.catalogue import sample_models

    m = resolve_model_name("retinanet_tiny_sample")
    assert m in sample_models() and m not in list_models()
    assert m.config == "configs/demo/retinanet_tiny_sample.py" and m.ap_test is None
    assert all(x.name != m.name for x in filter_models())  # `bddet models` lists the 64 only
