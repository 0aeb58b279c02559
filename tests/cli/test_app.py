import json
import subprocess
import sys

from bddet.workspace import MANIFEST_NAME


def test_help_lists_the_commands_and_imports_no_heavy_library():
    code = ("import sys; from typer.testing import CliRunner; from bddet.cli.app import app; "
            "r = CliRunner().invoke(app, ['--help']); print(r.output); "
            "print('HEAVY', sorted(m for m in ('torch', 'mmdet', 'mmengine', 'mmcv', 'requests', 'numpy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in ("init", "models", "download", "train", "infer", "eval", "vis"):
        assert f" {name} " in out
    assert "HEAVY []" in out


def test_every_command_help_shows_a_worked_example(cli):
    for name in ("init", "models", "download", "train", "infer", "eval", "vis"):
        result = cli(name, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.output and f"bddet {name}" in result.output


def test_models_json_lists_all_64_with_published_ap(cli):
    result = cli("models", "--json")
    assert result.exit_code == 0
    models = json.loads(result.stdout)
    assert len(models) == 64
    by_name = {m["name"]: m for m in models}
    m = by_name["retinanet_r101_fpn_3x_det_bdd100k"]
    assert (m["ap_val"], m["ap_test"], m["family"], m["ms_train"]) == (31.29, 30.62, "RetinaNet", True)
    for key in ("name", "family", "network", "backbone", "schedule", "ms_train", "fp16", "ap_val", "ap_test",
                "config", "weights_url"):
        assert key in m


def test_models_table_filters_and_sorts(cli):
    result = cli("models", "convnext", "--sort", "ap_val")
    assert result.exit_code == 0
    lines = [ln for ln in result.stdout.splitlines() if "convnext" in ln]
    assert len(lines) == 8
    assert "cascade_rcnn_convnext-s_fpn_fp16_3x" in lines[0] and "36.11" in lines[0]


def test_models_markdown_is_a_table_of_every_model(cli):
    out = cli("models", "--markdown").stdout.splitlines()
    assert out[0].startswith("| Model |") and len(out) == 66


def test_bad_sort_key_is_a_usage_error(cli):
    result = cli("models", "--sort", "speed")
    assert result.exit_code == 2


def test_init_then_malformed_manifest_is_one_red_line_exit_1(cli, tmp_path):
    (tmp_path / "data").mkdir()
    assert cli("init", "ws", "--data-root", "data").exit_code == 0
    (tmp_path / "ws" / MANIFEST_NAME).write_text("version: 1\nmirrors: [\n")
    result = cli("download", "faster_rcnn_r50_fpn_1x", "--workspace", "ws")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "error:" in result.stderr and "malformed YAML" in result.stderr
    assert "Traceback" not in result.output


def test_errors_are_one_line_without_traceback_and_debug_shows_it():
    env_cmd = [sys.executable, "-m", "bddet", "download", "faster"]
    plain = subprocess.run(env_cmd, capture_output=True, text=True)
    assert plain.returncode == 1 and plain.stdout == ""
    assert plain.stderr.startswith("error: model name 'faster' is ambiguous") and plain.stderr.count("\n") == 1
    debug = subprocess.run([sys.executable, "-m", "bddet", "--debug", "download", "faster"], capture_output=True,
                           text=True)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "ModelNameError" in debug.stderr
