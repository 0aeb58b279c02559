"""The files of an inference run: det.json, the per-process parts it is merged from, videos.json.

``<out>/det.json`` holds the run's frames (Scalabel), ``<out>/run.json`` what made them (model,
config, weights, set or images, image folder), so that the folder says what it is without a
workspace. While a run goes on, each process appends
its frames to ``<out>/.parts/part-*.jsonl``, one JSON record a line; a resumed run reads them
back by frame name. A run on videos writes ``<out>/videos.json`` beside det.json: which source
frame each frameIndex is, for drawing annotated videos and linking to a moment in them. A folder
holding det.json is a run wherever it lies, in a workspace or not.
"""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from ..errors import BddetError

RESULT_NAME = "det.json"
PARTS_DIR = ".parts"
VIDEOS_NAME = "videos.json"              # beside det.json when frames came from videos
VIDEO_SETTINGS = "video-settings.json"   # in .parts: the frame selection a resumed run must keep
RUN_RECORD = "run.json"                  # beside det.json: the run's record, as a workspace keeps it
RUN_LOCK = ".bddet-run.lock"             # held by the run writing to the folder


class VideoRecordError(BddetError):
    """A videos.json that cannot be used."""


def predictions_in(folder: str | os.PathLike[str]) -> Path | None:
    """The det.json of a run folder, or None when ``folder`` holds none."""
    path = Path(folder) / RESULT_NAME
    return path if path.is_file() else None


def write_run_record(out: Path, record: dict) -> None:
    """Write the run's record beside its det.json."""
    import orjson

    from ..atomic_write import atomic_write_bytes

    atomic_write_bytes(Path(out) / RUN_RECORD, orjson.dumps(record, option=orjson.OPT_INDENT_2))


def read_run_record(folder: str | os.PathLike[str]) -> dict | None:
    """The record a run folder carries (run.json), or None when it has none that reads."""
    import orjson

    try:
        record = orjson.loads((Path(folder) / RUN_RECORD).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def read_parts(parts: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Frames and unreadable inputs recorded so far by any process, by frame name.

    Keyed by name, not by position in the image list: a folder that gained or lost images
    between a killed run and its resume still gets each current image exactly once. A last
    line cut short by a crash is left out, so that frame is done again.
    """
    import orjson

    frames: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    for part in sorted(parts.glob("part-*.jsonl")):
        with open(part, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break
                rec = orjson.loads(line)
                if "frame" in rec:
                    frames[rec["frame"]["name"]] = rec["frame"]
                else:
                    skipped[rec["name"]] = rec["error"]
    return frames, skipped


def videos_record_path(predictions: str | os.PathLike[str]) -> Path:
    """Where the videos.json of a det.json lies (it may not exist: a run on images has none)."""
    return Path(predictions).parent / VIDEOS_NAME


def read_videos_record(path: str | os.PathLike[str]) -> tuple[list[dict], str | None]:
    """The videos of a run from its videos.json, and the run's image folder; raises
    VideoRecordError naming the file."""
    import orjson

    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
        videos = data["videos"]
        for v in videos:
            v["videoName"], v["path"], v["frames"], v["kept"]  # noqa: B018 - fields every entry needs
    except FileNotFoundError:
        raise VideoRecordError(f"{path}: no such file (`bddet infer` writes it beside det.json for videos)") from None
    except (orjson.JSONDecodeError, KeyError, TypeError) as e:
        raise VideoRecordError(f"{path}: not a videos.json written by bddet infer ({type(e).__name__}: {e})") from None
    return videos, data.get("image_root")


def video_frame_times(predictions: str | os.PathLike[str]) -> dict[str, tuple[str, float]]:
    """Each frame from a video, by name: (videoName, seconds into the video), from the videos.json
    beside ``predictions``; empty when there is none (or it cannot be read)."""
    from .video_files import frame_name

    beside = videos_record_path(predictions)
    if not beside.is_file():
        return {}
    try:
        videos, _ = read_videos_record(beside)
    except VideoRecordError:
        return {}
    times = {}
    for v in videos:
        fps = Fraction(v.get("fps") or "30")
        for k, source in enumerate(v["kept"]):
            times[frame_name(v["videoName"], k)] = (v["videoName"], float(source / fps))
    return times
