"""A model from a mirror is data, never code: every hostile mirror below is refused in one line,
before anything is written to the cache or a catalogue, and no code it holds ever runs.

Each payload that could run would create a marker file; every test checks it was never made.
The mirrors are real: a folder, or a real HTTP server on 127.0.0.1 (tests/conftest.py).
"""
import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
import yaml

from tests.fixtures.own_models import export_demo_mirror

DEMO = Path(__file__).resolve().parents[2] / "configs/demo"
NAME = "tiny-a"


@pytest.fixture(scope="module")
def share(tmp_path_factory):
    """A mirror folder exported by bddet from the demo model, registered as a model of one's own."""
    return export_demo_mirror(tmp_path_factory.mktemp("exporter"), NAME)


@pytest.fixture
def mirror(share, tmp_path, monkeypatch):
    """A fresh copy of the mirror to tamper with, and an importing side with its own cache and catalogue."""
    copy = tmp_path / "mirror"
    shutil.copytree(share, copy)
    monkeypatch.setenv("BDDET_USER_MODELS", str(tmp_path / "user" / "models.yaml"))
    monkeypatch.setenv("BDDET_OFFLINE", "1")
    return copy


def marker(tmp_path) -> Path:
    return tmp_path / "code-ran"


def touch(tmp_path) -> str:
    return f"touch {marker(tmp_path)}"


def catalogue(mirror: Path) -> dict:
    return yaml.safe_load((mirror / "catalogue.yaml").read_text())


def set_entry(mirror: Path, **fields) -> None:
    data = catalogue(mirror)
    data["models"][0].update(fields)
    (mirror / "catalogue.yaml").write_text(yaml.safe_dump(data))


def set_config(mirror: Path, data_or_text) -> None:
    """Replace the config and give the catalogue its digest, as a hostile mirror would."""
    raw = data_or_text.encode() if isinstance(data_or_text, str) else json.dumps(data_or_text).encode()
    (mirror / "configs" / f"{NAME}.json").write_bytes(raw)
    set_entry(mirror, config_sha256=hashlib.sha256(raw).hexdigest())


def set_weights(mirror: Path, data: bytes) -> None:
    (mirror / "models" / f"{NAME}.pth").write_bytes(data)
    set_entry(mirror, md5=hashlib.md5(data).hexdigest(), size=len(data))


def config_data(mirror: Path) -> dict:
    return json.loads((mirror / "configs" / f"{NAME}.json").read_text())


def assert_refused(result, needle, tmp_path):
    assert result.exit_code == 1, result.output
    assert needle in result.stderr, result.stderr
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.output, result.output
    assert "internal error" not in result.stderr
    assert not marker(tmp_path).exists()
    cache = tmp_path / "cache"
    left = [p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert left == [], left                                     # nothing in the cache, nothing half-written
    assert not (tmp_path / "user" / "models.yaml").exists()     # nor in the catalogue


def test_an_exported_config_is_json_data_with_its_digest_and_imports(cli, mirror, tmp_path):
    entry = catalogue(mirror)["models"][0]
    raw = (mirror / entry["config_file"]).read_bytes()
    assert entry["config_file"] == f"configs/{NAME}.json" and entry["config_sha256"] == hashlib.sha256(raw).hexdigest()
    assert entry["size"] == (mirror / "models" / f"{NAME}.pth").stat().st_size and len(entry["md5"]) == 32
    assert "_base_" not in json.loads(raw) and {"__tuple__": [320, 180]} in json.loads(raw)["test_pipeline"][1].values()
    result = cli("models", "import", mirror, "--user")
    assert result.exit_code == 0, result.output
    assert "config: read as data" in result.stdout


@pytest.mark.parametrize("case, needle", [
    ("python text, digest unchanged", "SHA-256 differs"),
    ("python text", "not a JSON config"),
    ("dotted type", "type 'subprocess.run' is not one the zoo's configs use"),
    ("nms eval", "NMS type"),
    ("custom import", "custom_imports ['os']"),
    ("base file", "has _base_"),
    ("writes a file", "default_hooks.checkpoint.out_dir: names a file to write"),
    ("deep", "nested too deeply"),
])
def test_a_tampered_config_is_refused_before_anything_is_written(cli, mirror, tmp_path, case, needle):
    data = config_data(mirror)
    if case == "python text, digest unchanged":
        path = mirror / "configs" / f"{NAME}.json"
        path.write_text(f'__import__("os").system("{touch(tmp_path)}")\n' + path.read_text())
    elif case == "python text":
        set_config(mirror, f'__import__("os").system("{touch(tmp_path)}")\n')
    elif case == "dotted type":
        data["model"] = {"type": "subprocess.run", "args": touch(tmp_path), "shell": True}
        set_config(mirror, data)
    elif case == "nms eval":
        data["model"]["test_cfg"]["nms"]["type"] = f"__import__('os').system('{touch(tmp_path)}')"
        set_config(mirror, data)
    elif case == "custom import":
        data["custom_imports"] = {"imports": ["os"]}
        set_config(mirror, data)
    elif case == "base file":
        data["_base_"] = "/etc/passwd"
        set_config(mirror, data)
    elif case == "writes a file":
        data["default_hooks"]["checkpoint"]["out_dir"] = str(tmp_path / "elsewhere")
        set_config(mirror, data)
    else:
        set_config(mirror, '{"a": ' * 5000 + "1" + "}" * 5000)
    assert_refused(cli("models", "import", mirror, "--user"), needle, tmp_path)


@pytest.mark.parametrize("fields, needle", [
    ({"config_file": "../../../etc/passwd"}, "'config_file' must be configs/tiny-a.json"),
    ({"config_file": "/etc/passwd"}, "'config_file' must be configs/tiny-a.json"),
    ({"config_file": "configs/tiny-a.py"}, "'config_file' must be configs/tiny-a.json"),
    ({"name": "../../evil"}, "is not a plain lower-case name"),
    ({"name": "/tmp/evil"}, "is not a plain lower-case name"),
    ({"md5": "not-hex-" * 4}, "'md5' must be the weights' MD5"),
    ({"size": -1}, "'size' must be the weights' size"),
    ({"config_sha256": None}, "'config_sha256' must be the config's SHA-256"),
    ({"run_this": "now"}, "unknown fields run_this"),
])
def test_a_catalogue_entry_pointing_outside_or_malformed_is_refused(cli, mirror, tmp_path, fields, needle):
    set_entry(mirror, **fields)
    assert_refused(cli("models", "import", mirror, "--user"), needle, tmp_path)


@pytest.mark.parametrize("text, needle", [
    ("models: [ {name: x", "not a YAML catalogue"),
    ("just words", "not a bddet catalogue"),
    ("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nmodels: [*b]\n", "an alias (*a)"),
    ("models:\n" + "  " * 2 + "- " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    ("models: []\n# " + "x" * (2 << 20) + "\n", "more than the 1048576 allowed"),
])
def test_a_catalogue_that_is_not_yaml_huge_or_deep_is_refused(cli, mirror, tmp_path, text, needle):
    (mirror / "catalogue.yaml").write_text(text)
    assert_refused(cli("models", "import", mirror, "--user"), needle, tmp_path)


def test_weights_whose_md5_matches_but_that_do_not_fit_the_config_are_refused(cli, mirror, tmp_path):
    import torch

    other = tmp_path / "other.pth"
    torch.save({"state_dict": {"backbone.conv1.weight": torch.zeros(8, 3, 3, 3)}}, other)
    set_weights(mirror, other.read_bytes())
    assert_refused(cli("models", "import", mirror, "--user"), "does not fit the model", tmp_path)


def test_weights_that_are_a_pickle_running_code_are_refused_unrun(cli, mirror, tmp_path):
    class Payload:
        def __reduce__(self):
            return os.system, (touch(tmp_path),)

    set_weights(mirror, pickle.dumps({"state_dict": Payload()}, protocol=2))
    assert_refused(cli("models", "import", mirror, "--user"), "nothing from it was run", tmp_path)


def test_a_link_out_of_a_folder_mirror_is_refused(cli, mirror, tmp_path):
    outside = tmp_path / "outside.pth"
    shutil.copy(mirror / "models" / f"{NAME}.pth", outside)
    (mirror / "models" / f"{NAME}.pth").unlink()
    (mirror / "models" / f"{NAME}.pth").symlink_to(outside)
    assert_refused(cli("models", "import", mirror, "--user"), "outside the mirror folder", tmp_path)


def redirect(location):
    def answer(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


def endless(handler):
    handler.send_response(200)  # no Content-Length: the body runs until the client stops reading
    handler.end_headers()
    try:
        while True:
            handler.wfile.write(b"\0" * 65536)
    except OSError:
        pass


@pytest.mark.parametrize("path, route, needle", [
    ("/catalogue.yaml", "other host", "another host or scheme"),
    (f"/configs/{NAME}.json", "file", "another host or scheme"),
    (f"/models/{NAME}.pth", "other host", "another host or scheme"),
    ("/catalogue.yaml", "endless", "sends more than"),
    (f"/models/{NAME}.pth", "endless", "sends more than"),
])
def test_http_redirects_elsewhere_and_endless_bodies_are_refused(cli, mirror, tmp_path, file_server, path, route,
                                                                  needle):
    shutil.copytree(mirror, file_server.root, dirs_exist_ok=True)
    other_host = file_server.url.replace("127.0.0.1", "localhost")  # the same server under another host name
    file_server.routes[path] = {"other host": redirect(other_host + path.lstrip("/")),
                                "file": redirect("file:///etc/passwd"), "endless": endless}[route]
    assert_refused(cli("models", "import", file_server.url, "--user"), needle, tmp_path)


def test_a_redirect_within_the_mirror_is_followed(cli, mirror, tmp_path, file_server):
    shutil.copytree(mirror, file_server.root, dirs_exist_ok=True)
    (file_server.root / "moved.yaml").write_bytes((mirror / "catalogue.yaml").read_bytes())
    file_server.routes["/catalogue.yaml"] = redirect(file_server.url + "moved.yaml")
    result = cli("models", "import", file_server.url, "--user")
    assert result.exit_code == 0, result.output


def test_a_config_changed_in_the_cache_after_import_is_refused_on_use(cli, mirror, tmp_path):
    assert cli("models", "import", mirror, "--user").exit_code == 0
    config = tmp_path / "cache" / "det" / "configs" / f"{NAME}.json"
    data = json.loads(config.read_text())
    data["model"]["type"] = "subprocess.run"
    config.write_text(json.dumps(data))
    (tmp_path / "imgs").mkdir()
    shutil.copy(DEMO.parent.parent / "docs" / "vis-errors-example.jpg", tmp_path / "imgs" / "a.jpg")
    result = cli("infer", NAME, "--images", tmp_path / "imgs", "--device", "cpu", "--out", tmp_path / "o")
    assert result.exit_code == 1 and "the config changed since it was imported" in result.stderr
    assert result.stderr.count("error:") == 1 and not (tmp_path / "o" / "det.json").exists()


def test_a_model_imported_by_an_older_bddet_with_a_python_config_is_refused_not_run(cli, tmp_path, monkeypatch):
    legacy = tmp_path / "cache" / "det" / "configs" / "old.py"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(f'__import__("os").system("{touch(tmp_path)}")\n')
    user = tmp_path / "user" / "models.yaml"
    user.parent.mkdir()
    user.write_text(yaml.safe_dump({"models": [{"name": "old", "config_file": str(legacy), "md5": "0" * 32,
                                                "mirror": "http://colleague:8000/"}]}))
    monkeypatch.setenv("BDDET_USER_MODELS", str(user))
    (tmp_path / "imgs").mkdir()
    result = cli("infer", "old", "--images", tmp_path / "imgs", "--weights", DEMO / "mirror/models/retinanet_tiny_sample.pth",
                 "--device", "cpu", "--out", tmp_path / "o")
    assert result.exit_code == 1 and "config is Python from the mirror and is not run" in result.stderr
    assert not marker(tmp_path).exists()


@pytest.mark.parametrize("text, needle", [
    ("model = dict(\n", "SyntaxError"),
    (f"import os\n_base_ = '{DEMO / 'retinanet_tiny_sample.py'}'\n", "cannot be loaded (ConfigParsingError"),
    ("model = dict(type='RetinaNet')\n", "has no test_dataloader.dataset.pipeline"),
    (f"_base_ = '{DEMO / 'retinanet_tiny_sample.py'}'\nmodel = dict(type='NoSuchDetector')\n",
     "the model does not build (KeyError"),
])
def test_a_config_mmengine_refuses_is_one_line_naming_the_file(cli, tmp_path, text, needle):
    config = tmp_path / "mine.py"
    config.write_text(text)
    (tmp_path / "imgs").mkdir()
    shutil.copy(DEMO.parent.parent / "docs" / "vis-errors-example.jpg", tmp_path / "imgs" / "a.jpg")
    result = cli("infer", config, "--images", tmp_path / "imgs", "--weights", DEMO / "mirror/models/retinanet_tiny_sample.pth",
                 "--device", "cpu", "--out", tmp_path / "o")
    assert result.exit_code == 1 and needle in result.stderr and str(config) in result.stderr, result.output
    assert result.stderr.count("error:") == 1 and "internal error" not in result.stderr
