"""bddet infer and vis on dashcam videos: real MMDetection, videos written and read back with PyAV."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2

from bddet.data.sample_dataset import make_sample_video
from tests.fixtures.browser import chromium_driver
from tests.fixtures.datasets import bad_videos, write_labels
from tests.fixtures.inference import SMALL, load_det, torch_threads
from tests.fixtures.official import assert_same, official


def strip_ids(frames):
    return [[{k: v for k, v in lb.items() if k != "id"} for lb in f["labels"]] for f in frames]


def test_frames_are_named_as_bdd100k_tracking_sets_and_ordered_by_video(cli, ws):
    media = ws / "media"
    make_sample_video(media / "a.mp4", n_frames=14)
    make_sample_video(media / "city" / "b.mkv", n_frames=9, container="matroska", seed=2)
    (media / "c.jpg").write_bytes((ws / "bdd100k/images/100k/val/val-0000.jpg").read_bytes())
    result = cli("infer", *SMALL, "--images", str(media), "--every", "4", "--out", "v")
    assert result.exit_code == 0, result.output
    det = load_det(ws / "v/det.json")
    assert [f["name"] for f in det] == ["a-0000001.jpg", "a-0000002.jpg", "a-0000003.jpg", "a-0000004.jpg", "c.jpg",
                                        "city/b-0000001.jpg", "city/b-0000002.jpg", "city/b-0000003.jpg"]
    assert [(f.get("videoName"), f.get("frameIndex")) for f in det] == [
        ("a", 0), ("a", 1), ("a", 2), ("a", 3), (None, None), ("city/b", 0), ("city/b", 1), ("city/b", 2)]
    videos = json.loads((ws / "v/videos.json").read_text())["videos"]
    assert [(v["videoName"], v["kept"], v["frames"], v["fps"]) for v in videos] == [
        ("a", [0, 4, 8, 12], 14, "10"), ("city/b", [0, 4, 8], 9, "10")]
    fps = cli("infer", *SMALL, "--images", str(media / "a.mp4"), "--fps", "2.5", "--out", "f")
    assert fps.exit_code == 0, fps.output
    assert json.loads((ws / "f/videos.json").read_text())["videos"][0]["kept"] == [0, 4, 8, 12]  # one per 0.4 s
    assert strip_ids(load_det(ws / "f/det.json")) == strip_ids(det[:4])


def test_detections_on_a_video_equal_those_on_its_frames_extracted_losslessly(cli, ws):
    torch_threads(1)
    make_sample_video(ws / "clip.mp4", n_frames=6, seed=4)
    frames = ws / "frames"
    frames.mkdir()
    with av.open(str(ws / "clip.mp4")) as c:
        for i, frame in enumerate(c.decode(video=0)):
            cv2.imwrite(str(frames / f"{i:03d}.png"), frame.to_ndarray(format="bgr24"))  # PNG: lossless
    assert cli("infer", *SMALL, "--images", str(ws / "clip.mp4"), "--out", "video").exit_code == 0
    assert cli("infer", *SMALL, "--images", str(frames), "--out", "pngs").exit_code == 0
    video, pngs = load_det(ws / "video/det.json"), load_det(ws / "pngs/det.json")
    assert len(video) == len(pngs) == 6
    assert strip_ids(video) == strip_ids(pngs) and sum(len(f["labels"]) for f in video) == 600


def test_two_processes_split_one_video_and_give_what_one_process_gives(cli, ws, monkeypatch):
    # No thread pinning: each CPU rank takes the threads this process has (2), and PyTorch's
    # results depend on the thread count, so that is what makes the two runs bit-identical.
    monkeypatch.delenv("OMP_NUM_THREADS")
    torch_threads(2)
    make_sample_video(ws / "long.mp4", n_frames=20, keyframe_every=4, seed=5)
    make_sample_video(ws / "short.mov", n_frames=3, seed=6)
    one = cli("infer", *SMALL, "--images", str(ws / "long.mp4"), "--images", str(ws / "short.mov"),
              "--workers", "0", "--out", "one")
    assert one.exit_code == 0, one.output
    two = cli("infer", *SMALL, "--images", str(ws / "long.mp4"), "--images", str(ws / "short.mov"),
              "--gpus", "2", "--workers", "2", "--out", "two")
    assert two.exit_code == 0, two.output
    assert load_det(ws / "two/det.json") == load_det(ws / "one/det.json")
    assert len(load_det(ws / "one/det.json")) == 23 and not (ws / "two/.parts").exists()


def test_a_killed_video_run_resumes_from_its_last_finished_frame(cli, ws):
    torch_threads(1)  # the killed run is a process of its own with OMP_NUM_THREADS=1: compute alike here
    make_sample_video(ws / "drive.mp4", n_frames=24, keyframe_every=5, seed=7)
    args = [*SMALL, "--images", str(ws / "drive.mp4"), "--workers", "1"]
    assert cli("infer", *args, "--out", "full").exit_code == 0
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "bddet", "infer", *args, "--out", "killed"], cwd=ws, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parts = ws / "killed/.parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait for a few finished frames, then kill it outright
        lines = sum(p.read_text().count("\n") for p in parts.glob("part-*.jsonl")) if parts.is_dir() else 0
        if lines >= 4 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (ws / "killed/det.json").exists(), "the run finished before it could be killed"
    finished = sum(p.read_text().count("\n") for p in parts.glob("part-*.jsonl"))
    assert 4 <= finished < 24
    other = cli("infer", *args, "--every", "2", "--out", "killed", "--resume")
    assert other.exit_code == 1 and "give the same frame selection" in other.stderr
    resumed = cli("infer", *args, "--out", "killed", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert load_det(ws / "killed/det.json") == load_det(ws / "full/det.json")


def test_vis_video_writes_browser_playable_h264_at_the_source_rate(cli, ws):
    gt = make_sample_video(ws / "in" / "clip.mp4", n_frames=12, seed=8)
    write_labels(ws / "gt" / "clip.json", gt)  # box_track_20 style: one file per video
    assert cli("infer", *SMALL, "--images", str(ws / "in"), "--every", "3", "--out", "run").exit_code == 0
    plain = cli("vis", "pics", "--preds", str(ws / "run/det.json"))
    assert plain.exit_code == 1 and "pass --video" in plain.stderr and plain.stderr.count("error:") == 1
    result = cli("vis", "gallery", "--preds", str(ws / "run/det.json"), "--video", "--gt", str(ws / "gt"),
                 "--errors", "--score-thr", "0")
    assert result.exit_code == 0, result.output
    out = ws / "gallery/videos/clip.mp4"
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert stream.average_rate == 10 and (stream.width, stream.height) == (320, 192)
        assert sum(1 for _ in c.decode(stream)) == 12  # every source frame, not only the 4 inferred
    assert out.read_bytes()[4:8] == b"ftyp" and b"moov" in out.read_bytes()[:4096]  # index first: plays while loading
    page = (ws / "gallery/index.html").read_text()
    assert '<video controls preload="metadata" src="videos/clip.mp4"' in page and "FP" in page
    assert not list((ws / "gallery/videos").glob(".*"))  # no temporary file left
    driver = chromium_driver()  # and Debian's chromium plays it from the gallery page
    try:
        driver.get((ws / "gallery/index.html").as_uri())
        player = driver.find_element("tag name", "video")
        state = "const v = arguments[0]; return [v.readyState, v.duration, v.videoWidth, v.error && v.error.code]"
        deadline = time.monotonic() + 20
        while driver.execute_script(state, player)[0] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        ready, duration, width, error = driver.execute_script(state, player)
        assert ready >= 1 and duration == 1.2 and width == 320 and error is None  # 12 frames at 10 fps
        driver.execute_script("arguments[0].muted = true; arguments[0].play();", player)
        while driver.execute_script("return arguments[0].currentTime", player) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert driver.execute_script("return arguments[0].currentTime", player) > 0  # it plays
    finally:
        driver.quit()


def test_bad_videos_are_named_in_one_line_or_skipped(cli, ws):
    make_sample_video(ws / "good.mp4", n_frames=3, seed=9)
    bad = bad_videos(ws / "bad", ws / "good.mp4")
    for kind, path in bad.items():
        result = cli("infer", *SMALL, "--images", str(path), "--images", str(ws / "good.mp4"), "--out", "x")
        assert result.exit_code == 1 and result.stderr.count("error:") == 1, (kind, result.output)
        assert path.name in result.stderr and "--skip-unreadable" in result.stderr and "Traceback" not in result.output
        assert not (ws / "x").exists()
    ok = cli("infer", *SMALL, "--images", str(ws / "bad" / "*"), "--images", str(ws / "good.mp4"),
             "--skip-unreadable", "--out", "y")
    assert ok.exit_code == 0, ok.output
    assert ok.stderr.count("skipped unreadable video") == len(bad)
    assert [f["name"] for f in load_det(ws / "y/det.json")] == ["good-0000001.jpg", "good-0000002.jpg",
                                                                "good-0000003.jpg"]


def test_a_video_run_is_scored_against_box_track_labels_and_drawn_as_typed(cli, ws):
    gt = make_sample_video(ws / "videos" / "clip.mp4", n_frames=8, seed=10)
    write_labels(ws / "box_track" / "clip.json", gt)
    assert cli("infer", *SMALL, "--images", str(ws / "videos")).exit_code == 0  # recorded as the current run
    missing = cli("eval")
    assert missing.exit_code == 1 and "frames from videos" in missing.stderr and "--gt" in missing.stderr
    scored = cli("eval", "--gt", str(ws / "box_track"), "--json")
    assert scored.exit_code == 0, scored.output
    result = json.loads(scored.stdout)
    ours = {m: [{k: float("nan") if v is None else v for k, v in row.items()} for row in rows]
            for m, rows in result["metrics"].items()}  # --json writes NaN as null
    assert_same(official(ws / "box_track", Path(result["preds"]), ws), ours)  # the official's numbers
    assert "labelled frames have no predictions" not in scored.stderr  # every frame name matched
    drawn = cli("vis", "out", "--video")
    assert drawn.exit_code == 0, drawn.output
    assert (ws / "out/videos/clip.mp4").is_file() and "videos/clip.mp4" in (ws / "out/index.html").read_text()
    run_folder = Path(result["preds"]).parent
    for name in ("infer-1", str(run_folder)):  # `bddet vis RUN --video`: by id or by folder, drawn into RUN/vis
        by_run = cli("vis", name, "--video")
        assert by_run.exit_code == 0, by_run.output
        assert (run_folder / "vis/videos/clip.mp4").is_file() and not (ws / "infer-1").exists()
    report = cli("eval", "--gt", str(ws / "box_track"), "--report", "rep")
    assert report.exit_code == 0, report.output
    page = (ws / "rep/index.html").read_text()  # worst frames link to their moment in the annotated video
    link = os.path.relpath(run_folder / "vis/videos/clip.mp4", ws / "rep")
    assert f'href="{link}#t=0.' in page and ".jpg\"" not in page


def test_a_video_that_breaks_partway_is_named_or_its_lost_frames_listed(cli, ws):
    import numpy as np

    make_sample_video(ws / "v" / "late.mp4", n_frames=30, keyframe_every=5, seed=3)
    make_sample_video(ws / "v" / "good.mp4", n_frames=2, seed=4)
    data = bytearray((ws / "v" / "late.mp4").read_bytes())
    a, b = len(data) * 6 // 10, len(data) * 8 // 10  # frames from the middle on: the index (at the end) intact
    data[a:b] = np.random.default_rng(0).integers(0, 256, b - a, dtype=np.uint8).tobytes()
    (ws / "v" / "late.mp4").write_bytes(bytes(data))
    failed = cli("infer", *SMALL, "--images", str(ws / "v"), "--out", "x")
    assert failed.exit_code == 1 and failed.stderr.count("error:") == 1, failed.output
    assert "late.mp4: the stream breaks after frame 15" in failed.stderr and not (ws / "x/det.json").exists()
    ok = cli("infer", *SMALL, "--images", str(ws / "v"), "--out", "y", "--skip-unreadable")
    assert ok.exit_code == 0, ok.output
    assert ok.stderr.count("skipped unreadable video") == 1  # one line for the video, not one per piece
    assert "late.mp4: 15 of its 30 frames could not be decoded (frames 16-30 of the output" in ok.stderr
    names = [f["name"] for f in load_det(ws / "y/det.json")]
    assert names == [f"good-{k:07d}.jpg" for k in (1, 2)] + [f"late-{k:07d}.jpg" for k in range(1, 16)]
    videos = json.loads((ws / "y/videos.json").read_text())["videos"]
    assert videos[1]["skipped"] == list(range(15, 30)) and len(videos[1]["kept"]) == 30
