"""bddet.download as a library: the cache, the MD5 check, the workspace record."""
import hashlib

import pytest

import bddet

NAME = "retinanet_tiny_sample"


def test_download_into_a_workspace_returns_a_verified_result_and_records_it(tmp_path, file_server):
    from pathlib import Path

    weights = (Path(__file__).resolve().parents[2] / "configs/demo/mirror/models" / f"{NAME}.pth").read_bytes()
    file_server.add(f"models/{NAME}.pth", weights)
    ws = bddet.Workspace.create(tmp_path / "ws")
    result = bddet.download(NAME, workspace=ws, mirrors=[file_server.url])
    assert isinstance(result, bddet.DownloadResult)
    assert result.verified and result.md5 == hashlib.md5(weights).hexdigest()
    assert result.path.read_bytes() == weights and result.source.startswith(file_server.url)
    assert ws.read()["weights"][NAME]["path"] == str(result.path) and ws.read()["current"]["model"] == NAME
    again = bddet.download(NAME, workspace=ws, mirrors=[file_server.url])
    assert again.source == "cache" and again.path == result.path


def test_a_corrupt_mirror_is_an_integrity_error(tmp_path, file_server):
    file_server.add(f"models/{NAME}.pth", b"not the weights", md5="0" * 32)
    with pytest.raises(bddet.IntegrityError, match="0" * 32):
        bddet.download(NAME, mirrors=[file_server.url])
