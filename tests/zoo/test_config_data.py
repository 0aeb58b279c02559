"""Configs as data: the allow-list is the zoo's own, every zoo config round-trips through JSON
unchanged, and what MMEngine would turn into code is refused."""
import pytest
import yaml

from bddet.zoo.catalogue import list_models, sample_models
from bddet.zoo.config_data import (UnsafeConfigError, check_config_data, config_to_json, parse_config_json,
                                   zoo_config_types)
from bddet.zoo.config_files import config_path, load_config


def types_in(node, path=""):
    """Every ``type`` of a config but NMS settings' (mmcv's op names, checked apart)."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and path.rsplit(".", 1)[-1] != "nms":
            yield node["type"]
        for key, value in node.items():
            yield from types_in(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from types_in(value, path)


def test_the_allow_list_is_exactly_the_types_the_zoo_configs_use():
    """To regenerate bddet/zoo/mirror_config_types.yaml after changing configs/, write the sorted
    set computed here under its `types:` key."""
    found = {t for m in (*list_models(), *sample_models()) for t in types_in(load_config(config_path(m)).to_dict())}
    assert found == set(zoo_config_types())


@pytest.mark.parametrize("model", [m.name for m in list_models()[::7]] + ["retinanet_tiny_sample"])
def test_a_zoo_config_survives_json_and_passes_the_checks(model):
    from bddet.zoo.catalogue import resolve_model_name

    cfg = load_config(config_path(resolve_model_name(model)))
    back = parse_config_json(config_to_json(cfg, model), model)
    check_config_data(back, model)
    assert back == cfg.to_dict()  # tuples stay tuples, lists lists


def test_a_registered_model_part_outside_the_zoo_is_accepted_in_model_only():
    yolox = {"model": {"type": "YOLOX", "backbone": {"type": "CSPDarknet"}}}
    check_config_data(yolox, "yolox")
    with pytest.raises(UnsafeConfigError, match="CSPDarknet"):
        check_config_data({"train_dataloader": {"dataset": {"type": "CSPDarknet"}}}, "elsewhere")
    with pytest.raises(UnsafeConfigError, match="CameraMotionCompensation"):
        check_config_data({"model": {"type": "CameraMotionCompensation", "warp_mode": "cv2.MOTION_EUCLIDEAN"}}, "x")
    with pytest.raises(UnsafeConfigError, match="not a registered MMDetection model part"):
        check_config_data({"model": {"type": "NoSuchThing"}}, "x")


def test_the_catalogue_types_file_reads_as_plain_data():
    from importlib import resources

    data = yaml.safe_load(resources.files("bddet.zoo").joinpath("mirror_config_types.yaml").read_text())
    assert sorted(data["types"]) == data["types"] and "RetinaNet" in data["types"]
