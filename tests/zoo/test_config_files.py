"""Config loading and `--cfg-options` as MMDetection's tools read them."""
import pytest

from bddet.cli._options import expand_multi_value_options
from bddet.zoo.config_files import ConfigError, parse_cfg_options


def test_values_mean_what_mmengine_dictaction_makes_of_them():
    parsed = parse_cfg_options(["a=false", "b=True", "c=None", "d=1,2", "e=[1,2]", "f=(1,2)", "g=[a,b]",
                                "h=[(1,2),(3,4)]", "i=0.5", "j=7", "k=text", "l=[[1,2],[3,[4,5]]]"])
    assert parsed == {"a": False, "b": True, "c": None, "d": [1, 2], "e": [1, 2], "f": (1, 2), "g": ["a", "b"],
                      "h": [(1, 2), (3, 4)], "i": 0.5, "j": 7, "k": "text", "l": [[1, 2], [3, [4, 5]]]}
    assert parse_cfg_options([]) == {} and parse_cfg_options(None) == {}


@pytest.mark.parametrize("item", ["novalue", "=1"])
def test_a_pair_without_a_key_and_value_is_one_clear_error(item):
    with pytest.raises(ConfigError, match=f"'{item}' is not KEY=VALUE"):
        parse_cfg_options(["a=1", item])


def test_several_pairs_after_one_flag_become_repeated_flags():
    argv = ["train", "m", "--cfg-options", "a=1", "b=[1,2]", "--device", "cpu", "--cfg-options=c=3", "d=4"]
    assert expand_multi_value_options(argv) == ["train", "m", "--cfg-options", "a=1", "--cfg-options", "b=[1,2]",
                                                "--device", "cpu", "--cfg-options", "c=3", "--cfg-options", "d=4"]
    assert expand_multi_value_options(["infer", "--cfg-options"]) == ["infer", "--cfg-options"]
    assert expand_multi_value_options(["infer", "--", "--cfg-options", "a"]) == ["infer", "--", "--cfg-options", "a"]
