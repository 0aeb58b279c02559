import multiprocessing
from pathlib import Path

import pytest
import yaml

from bddet.errors import ManifestError
from bddet.workspace import (MANIFEST_NAME, Workspace, find_workspace, find_workspace_or_none, init_workspace,
                             record_weights)


def make_data_root(root: Path) -> Path:
    for sub in ("images/100k/train", "images/100k/val", "images/100k/test", "labels/det_20"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for split in ("train", "val"):
        (root / f"labels/det_20/det_{split}.json").write_text("[]")
    return root


def test_init_writes_a_version_2_manifest_with_the_data_root_and_the_end_line(tmp_path):
    data = make_data_root(tmp_path / "bdd100k")
    result = init_workspace(tmp_path / "ws", data)
    assert result.created and result.warnings == ()
    manifest = yaml.safe_load((tmp_path / "ws" / MANIFEST_NAME).read_text())
    assert manifest["version"] == 2
    assert (tmp_path / "ws" / MANIFEST_NAME).read_text().endswith("\n# end of bddet.yaml\n")
    assert manifest["data_root"] == str(data)
    assert manifest["current"] == {"model": None, "run": None}


def test_init_warns_about_missing_layout_and_rejects_a_missing_root(tmp_path):
    (tmp_path / "empty").mkdir()
    result = init_workspace(tmp_path / "ws", tmp_path / "empty")
    assert "images/100k/val" in result.warnings[0]
    with pytest.raises(ManifestError, match="nope is not a folder"):
        init_workspace(tmp_path / "ws2", tmp_path / "nope")
    assert not (tmp_path / "ws2" / MANIFEST_NAME).exists()


def test_found_from_a_subfolder_from_the_option_and_from_the_environment(tmp_path, monkeypatch):
    init_workspace(tmp_path / "ws", None)
    deep = tmp_path / "ws" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace(start=deep).root == (tmp_path / "ws").resolve()
    assert find_workspace(tmp_path / "ws", start=tmp_path).root == (tmp_path / "ws").resolve()
    monkeypatch.setenv("BDDET_WORKSPACE", str(tmp_path / "ws"))
    assert find_workspace(start=tmp_path).root == (tmp_path / "ws").resolve()


def test_no_workspace_is_an_error_naming_the_folder(tmp_path):
    assert find_workspace_or_none(start=tmp_path) is None
    with pytest.raises(ManifestError, match="bddet init"):
        find_workspace(start=tmp_path)
    with pytest.raises(ManifestError, match="no bddet.yaml there"):
        find_workspace(tmp_path / "elsewhere")


@pytest.mark.parametrize("text, problem", [
    ("version: 1\ndata_root: [unclosed\n", "malformed YAML at line 3, column 1"),
    ("- just\n- a list\n", "not a YAML mapping"),
    ("version: 7\n", "version 7 is newer"),
    ("data_root: /x\n", "'version' must be 2"),
    ("version: 1\nmirror: http://x\n", "unknown key 'mirror'"),
    ("version: 1\nmirrors: http://x\n", "'mirrors' must be a list"),
    ("version: 1\nweights:\n  m: {md5: abc}\n", "weights record 'm' has no 'path'"),
])
def test_a_malformed_manifest_names_file_and_problem_and_is_never_overwritten(tmp_path, text, problem):
    (tmp_path / MANIFEST_NAME).write_text(text)
    ws = Workspace(tmp_path)
    with pytest.raises(ManifestError, match=problem) as err:
        with ws.edit() as m:
            m["mirrors"].append("http://y")
    assert str(tmp_path / MANIFEST_NAME) in str(err.value)
    assert (tmp_path / MANIFEST_NAME).read_text() == text


def test_a_failed_edit_writes_nothing(tmp_path):
    init_workspace(tmp_path, None)
    before = (tmp_path / MANIFEST_NAME).read_text()
    with pytest.raises(RuntimeError):
        with Workspace(tmp_path).edit() as m:
            m["mirrors"].append("http://y")
            raise RuntimeError("boom")
    assert (tmp_path / MANIFEST_NAME).read_text() == before


def test_writes_are_atomic_and_leave_no_temp_files(tmp_path):
    init_workspace(tmp_path, None)
    record_weights(Workspace(tmp_path), "faster_rcnn_r50_fpn_1x_det_bdd100k", tmp_path / "w.pth", "0" * 32, True)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    m = Workspace(tmp_path).read()
    assert m["weights"]["faster_rcnn_r50_fpn_1x_det_bdd100k"]["verified"] is True
    assert m["current"]["model"] == "faster_rcnn_r50_fpn_1x_det_bdd100k"


def _add_mirrors(root: str, worker: int, count: int) -> None:
    for i in range(count):
        with Workspace(Path(root)).edit() as m:
            m["mirrors"].append(f"http://w{worker}/{i}")


def test_concurrent_writers_from_several_processes_lose_no_update(tmp_path):
    init_workspace(tmp_path, None)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_add_mirrors, args=(str(tmp_path), w, 15)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    mirrors = Workspace(tmp_path).read()["mirrors"]
    assert sorted(mirrors) == sorted(f"http://w{w}/{i}" for w in range(4) for i in range(15))


def _full_manifest(tmp_path: Path) -> Path:
    ws = Workspace.create(tmp_path / "ws", make_data_root(tmp_path / "bdd100k"))
    record_weights(ws, "faster_rcnn_r50_fpn_1x_det_bdd100k", tmp_path / "w.pth", "0" * 32, True)
    with ws.edit() as m:
        m["mirrors"] += ["http://mirror.example/a/", "http://mirror.example/b/"]
        m["infer_runs"]["infer-1"] = {"model": "faster_rcnn_r50_fpn_1x_det_bdd100k", "set": "val",
                                      "predictions": "runs/x/det.json"}
        m["current"]["run"] = "infer-1"
    return ws.manifest_path


def test_a_manifest_cut_short_at_any_byte_is_refused_and_left_as_it_was(tmp_path):
    path = _full_manifest(tmp_path)
    full = path.read_bytes()
    ws = Workspace(path.parent)
    offsets = sorted(set(range(0, len(full) - 1, 7)) | {len(full) - 2, len(full) - len(b"bddet.yaml\n")})
    for n in offsets:
        path.write_bytes(full[:n])
        with pytest.raises(ManifestError) as err:
            with ws.edit() as m:
                m["mirrors"].append("http://y")
        assert str(path) in str(err.value), n
        assert "\n" not in str(err.value)
        assert path.read_bytes() == full[:n], n  # the evidence is kept byte for byte
    path.write_bytes(full[:-1])  # only the final newline lost: the content is whole
    assert ws.read()["current"]["run"] == "infer-1"


def test_hand_edits_and_hand_written_manifests_are_accepted(tmp_path):
    path = _full_manifest(tmp_path)
    ws = Workspace(path.parent)
    # an edit inside a file bddet wrote keeps its last line
    path.write_text(path.read_text().replace("http://mirror.example/b/", "http://mirror.example/c/"))
    assert ws.read()["mirrors"][-1] == "http://mirror.example/c/"
    # a file written from scratch has no header and no end line: nothing to check, and bddet completes it
    path.write_text("version: 2\nmirrors: [http://m/]\n")
    with ws.edit() as m:
        m["mirrors"].append("http://n/")
    assert path.read_text().endswith("# end of bddet.yaml\n") and ws.read()["mirrors"] == ["http://m/", "http://n/"]
    # a manifest of bddet before the end line (version 1) is read and upgraded by the next write
    path.write_text("# bddet workspace manifest (see bddet README). Safe to edit by hand;\nversion: 1\nmirrors: []\n")
    with ws.edit() as m:
        m["mirrors"].append("http://o/")
    assert yaml.safe_load(path.read_text())["version"] == 2 and path.read_text().endswith("# end of bddet.yaml\n")


def test_written_files_get_the_umask_mode_and_keep_an_existing_one(tmp_path):
    import os
    import stat

    from bddet.atomic_write import atomic_write_text

    old = os.umask(0o022)
    try:
        init_workspace(tmp_path / "ws", None)
        assert stat.S_IMODE((tmp_path / "ws" / MANIFEST_NAME).stat().st_mode) == 0o644
        atomic_write_text(tmp_path / "det.json", "[]")
        assert stat.S_IMODE((tmp_path / "det.json").stat().st_mode) == 0o644
        os.chmod(tmp_path / "det.json", 0o640)
        atomic_write_text(tmp_path / "det.json", "[1]")
        assert stat.S_IMODE((tmp_path / "det.json").stat().st_mode) == 0o640
        os.umask(0o077)
        atomic_write_text(tmp_path / "private.json", "[]")
        assert stat.S_IMODE((tmp_path / "private.json").stat().st_mode) == 0o600
    finally:
        os.umask(old)
