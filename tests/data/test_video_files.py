"""Video probing, frame selection and decoding by ranges, on videos the tests write with PyAV."""
import av
import numpy as np
import pytest

from bddet.data.sample_dataset import make_sample_video
from bddet.data.video_files import (VideoError, decode_range, frame_name, plan_chunks, probe_video, select_frames,
                                    VideoItem)
from tests.fixtures.datasets import bad_videos


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    kinds = {"mp4": None, "mov": None, "mkv": "matroska", "avi": "avi"}
    return {ext: (make_sample_video(root / f"clip.{ext}", n_frames=37, keyframe_every=6, container=fmt),
                  root / f"clip.{ext}") for ext, fmt in kinds.items()}


def _all_frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]


@pytest.mark.parametrize("ext", ["mp4", "mov", "mkv", "avi"])
def test_any_range_decodes_the_frames_a_straight_decode_gives(clips, ext):
    frames, path = clips[ext]
    probe = probe_video(path)
    assert probe.frames == len(frames) == 37 and (probe.width, probe.height) == (320, 192) and probe.fps == 10
    assert probe.sequential == (ext == "avi")  # AVI keeps decode order only
    if ext != "avi":
        assert probe.keyframes == (0, 6, 12, 18, 24, 30, 36)
    whole = _all_frames(path)
    for start, stop in [(0, 37), (5, 13), (6, 7), (7, 20), (30, 37), (36, 37), (12, 12)]:
        got = [(i, f.to_ndarray(format="bgr24")) for i, f in decode_range(probe, start, stop)]
        assert [i for i, _ in got] == list(range(start, stop))
        assert all(np.array_equal(whole[i], img) for i, img in got)


def test_every_and_fps_select_source_frames(clips):
    probe = probe_video(clips["mp4"][1])
    assert select_frames(probe) == tuple(range(37))
    assert select_frames(probe, every=5) == (0, 5, 10, 15, 20, 25, 30, 35)
    assert select_frames(probe, fps=2.5) == (0, 4, 8, 12, 16, 20, 24, 28, 32, 36)  # 10 fps source: every 0.4 s
    assert select_frames(probe, fps=30) == tuple(range(37))  # never more than the source has
    with pytest.raises(VideoError):
        select_frames(probe, every=2, fps=3)
    assert frame_name("a/b", 0) == "a/b-0000001.jpg" and frame_name("v", 41) == "v-0000042.jpg"


def test_pieces_cover_every_frame_once_and_cut_at_keyframes(clips):
    probe = probe_video(clips["mp4"][1])
    item = VideoItem(probe, "clip", select_frames(probe))
    todo = [k for k in range(37) if k not in (3, 4, 20)]  # some frames done already
    for parts, pieces in ((1, 1), (2, 2), (3, 3), (7, 6)):
        chunks = plan_chunks([(0, item, todo)], parts, min_frames=4)
        assert [k for _, ks in chunks for k in ks] == todo and len(chunks) == pieces
        assert all(item.kept[ks[0]] in probe.keyframes for _, ks in chunks[1:])  # each piece starts at a keyframe
    sequential = VideoItem(probe_video(clips["avi"][1]), "clip", tuple(range(37)))
    assert plan_chunks([(0, sequential, todo)], 4, min_frames=4) == [(0, tuple(todo))]  # an AVI stays whole


@pytest.mark.parametrize("kind, words", [
    ("empty", "an empty file (0 bytes)"),
    ("not_a_video", "not a video"),
    ("truncated_mp4", "a truncated or damaged MP4/MOV file"),
    ("truncated_mkv", "truncated"),
    ("undecodable", "cannot be decoded"),
])
def test_bad_videos_are_named_in_plain_words(tmp_path, clips, kind, words):
    path = bad_videos(tmp_path / "bad", clips["mp4"][1])[kind]
    with pytest.raises(VideoError) as e:
        probe_video(path)
    assert str(path) in e.value.args[0] and words in e.value.args[0]
    assert "\n" not in e.value.args[0]
