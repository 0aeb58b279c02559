"""bddet download against a real HTTP server on 127.0.0.1 (Range, dropped connections, 404s)."""
import hashlib
import os
import subprocess
import sys
import time

import yaml

from bddet.zoo.cache import cached_path
from bddet.workspace import MANIFEST_NAME, init_workspace
from tests.conftest import closed_port_url

NAME = "faster_rcnn_r50_fpn_1x_det_bdd100k"
REL = f"models/{NAME}.pth"
PAYLOAD = os.urandom(3 * (1 << 20) + 12345)  # a few chunks, not a multiple of the chunk size


def weights_requests(server):
    return [r for r in server.requests if r[0].endswith(".pth")]


def test_download_verifies_md5_records_the_manifest_and_makes_the_model_current(cli, file_server, tmp_path):
    file_server.add(REL, PAYLOAD)
    init_workspace(tmp_path, None)
    result = cli("download", "faster_rcnn_r50_fpn_1x", "--mirror", file_server.url)
    assert result.exit_code == 0, result.output
    final = cached_path(REL)
    assert final == tmp_path / "cache" / "det" / REL and final.read_bytes() == PAYLOAD
    manifest = yaml.safe_load((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["weights"][NAME] == {"path": str(final), "md5": hashlib.md5(PAYLOAD).hexdigest(),
                                         "verified": True}
    assert manifest["current"]["model"] == NAME
    assert "(verified, from " in result.stdout and "unverified" not in result.stdout


def test_a_cached_verified_file_is_not_fetched_again(cli, file_server):
    file_server.add(REL, PAYLOAD)
    assert cli("download", NAME, "--mirror", file_server.url).exit_code == 0
    seen = len(file_server.requests)
    result = cli("download", NAME, "--mirror", file_server.url)
    assert result.exit_code == 0 and "already cached" in result.stdout
    assert len(file_server.requests) == seen  # no network at all


def test_resume_after_dropped_connection(cli, file_server):
    file_server.add(REL, PAYLOAD)
    file_server.drop_after, file_server.drops = 1_000_000, 1
    result = cli("download", NAME, "--mirror", file_server.url)
    assert result.exit_code == 0, result.output
    assert cached_path(REL).read_bytes() == PAYLOAD
    ranges = [rng for _, rng in weights_requests(file_server)]
    assert ranges == [None, "bytes=1000000-"]


def test_a_later_run_resumes_what_an_earlier_run_left(cli, file_server):
    file_server.add(REL, PAYLOAD)
    file_server.drop_after, file_server.drops = 0, 4  # four drops in a row with nothing received
    file_server.add(REL, PAYLOAD)
    (part := cached_path(REL).with_name(cached_path(REL).name + ".part")).parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(PAYLOAD[:2_000_000])  # what an earlier, killed run received
    first = cli("download", NAME, "--mirror", file_server.url)
    assert first.exit_code == 1 and "4 attempts in a row without progress" in first.stderr
    assert part.stat().st_size == 2_000_000 and not cached_path(REL).exists()
    second = cli("download", NAME, "--mirror", file_server.url)
    assert second.exit_code == 0
    assert weights_requests(file_server)[-1][1] == "bytes=2000000-"
    assert cached_path(REL).read_bytes() == PAYLOAD and not part.exists()


def test_a_mirror_that_drops_often_but_always_advances_is_followed_to_the_end(cli, file_server):
    file_server.add(REL, PAYLOAD)
    # more drops than the retry budget (4 attempts without progress), each after some progress
    file_server.drop_after, file_server.drops = 300_000, 9
    result = cli("download", NAME, "--mirror", file_server.url)
    assert result.exit_code == 0, result.output
    assert cached_path(REL).read_bytes() == PAYLOAD
    ranges = [rng for _, rng in weights_requests(file_server)]
    assert ranges == [None] + [f"bytes={300_000 * k}-" for k in range(1, 10)]


def test_md5_mismatch_deletes_the_download_and_names_both_digests(cli, file_server):
    file_server.add(REL, PAYLOAD, md5="0" * 32)
    result = cli("download", NAME, "--mirror", file_server.url)
    assert result.exit_code == 1
    actual = hashlib.md5(PAYLOAD).hexdigest()
    assert "0" * 32 in result.stderr and actual in result.stderr and result.stderr.count("\n") == 1
    folder = cached_path(REL).parent
    assert not any(p.suffix in (".pth", ".part") for p in folder.iterdir())


def test_missing_md5_stops_unless_no_verify(cli, file_server, tmp_path):
    file_server.add(REL, PAYLOAD, md5=None)
    init_workspace(tmp_path, None)
    refused = cli("download", NAME, "--mirror", file_server.url)
    assert refused.exit_code == 1 and "no MD5" in refused.stderr and "--no-verify" in refused.stderr
    assert weights_requests(file_server) == []  # nothing downloaded that could not be checked
    accepted = cli("download", NAME, "--mirror", file_server.url, "--no-verify")
    assert accepted.exit_code == 0 and "unverified" in accepted.output
    record = yaml.safe_load((tmp_path / MANIFEST_NAME).read_text())["weights"][NAME]
    assert record["verified"] is False and record["md5"] is None


def test_404_everywhere_lists_the_urls_tried_and_fails_fast(cli, file_server):
    file_server.add(f"models/{NAME}.md5", b"")  # md5 exists but is empty: treated as missing
    start = time.monotonic()
    result = cli("download", NAME, "--mirror", file_server.url, "--no-verify")
    assert time.monotonic() - start < 10
    assert result.exit_code == 1
    assert f"{file_server.url}{REL} (HTTP 404)" in result.stderr
    assert "(no connection)" in result.stderr  # the official host, down
    assert "--mirror" in result.stderr and "--from-file" in result.stderr


def test_unreachable_mirror_then_a_working_one(cli, file_server, monkeypatch):
    file_server.add(REL, PAYLOAD)
    monkeypatch.setenv("BDDET_MIRRORS", f"{closed_port_url()},{file_server.url}")
    result = cli("download", NAME)
    assert result.exit_code == 0, result.output
    assert cached_path(REL).read_bytes() == PAYLOAD


def test_manifest_mirrors_are_used_after_cli_and_env(cli, file_server, tmp_path):
    file_server.add(REL, PAYLOAD)
    init_workspace(tmp_path, None)
    text = (tmp_path / MANIFEST_NAME).read_text().replace("mirrors: []", f"mirrors: ['{file_server.url}']")
    (tmp_path / MANIFEST_NAME).write_text(text)
    assert cli("download", NAME).exit_code == 0


def test_from_file_imports_and_verifies(cli, file_server, tmp_path):
    file_server.add(REL, PAYLOAD)
    good = tmp_path / "mine.pth"
    good.write_bytes(PAYLOAD)
    bad = tmp_path / "bad.pth"
    bad.write_bytes(PAYLOAD[:-1])
    refused = cli("download", NAME, "--mirror", file_server.url, "--from-file", bad)
    assert refused.exit_code == 1 and "MD5 mismatch" in refused.stderr and not cached_path(REL).exists()
    result = cli("download", NAME, "--mirror", file_server.url, "--from-file", good)
    assert result.exit_code == 0 and "(verified, from " in result.stdout and "unverified" not in result.stdout
    assert cached_path(REL).read_bytes() == PAYLOAD
    assert weights_requests(file_server) == []  # only the .md5 was fetched


def test_from_file_without_any_md5_source_is_imported_unverified(cli, tmp_path):
    mine = tmp_path / "mine.pth"
    mine.write_bytes(b"weights")
    result = cli("download", NAME, "--from-file", mine)
    assert result.exit_code == 0 and "unverified" in result.output


def test_ambiguous_and_unknown_names(cli):
    amb = cli("download", "cascade_rcnn")
    assert amb.exit_code == 1 and "ambiguous" in amb.stderr and "cascade_rcnn_r50_fpn_1x" in amb.stderr
    unknown = cli("download", "yolov8")
    assert unknown.exit_code == 1 and "no zoo model is called 'yolov8'" in unknown.stderr


def test_other_artifacts_download_without_checksum(cli, file_server):
    file_server.add(f"preds/{NAME}.json", b"[]")
    result = cli("download", NAME, "--what", "preds", "--mirror", file_server.url)
    assert result.exit_code == 0 and "no checksum published" in result.stdout
    assert cached_path(f"preds/{NAME}.json").read_bytes() == b"[]"
    assert cli("download", NAME, "--what", "weights,bogus").exit_code == 2


def test_concurrent_downloads_of_the_same_file_fetch_it_once(file_server, tmp_path):
    file_server.add(REL, PAYLOAD)
    file_server.delay_per_chunk = 0.01  # ~0.5 s per download, so the two overlap
    cmd = [sys.executable, "-m", "bddet", "download", NAME, "--mirror", file_server.url]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(weights_requests(file_server)) == 1
    assert sum("already cached" in out for out, _ in outs) == 1
    assert cached_path(REL).read_bytes() == PAYLOAD
