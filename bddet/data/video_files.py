"""Dashcam videos as frame sources: what a file holds, which frames to keep, and decoding ranges.

Decoding is PyAV (FFmpeg). A video is probed once, in the main process, by demuxing its
packets without decoding them: that gives the frame count, the presentation timestamps and
the keyframes cheaply, and a damaged file is named before any work starts. A frame's index
is its position in presentation order, so a process that seeks to a keyframe in the middle
of a video knows which frames it decodes, and any split of a video gives the frames one
process would.

Containers whose packets carry real presentation timestamps (MP4, MOV, Matroska) are split
and sought by them. AVI stores decode order only (its B-frames come back with meaningless
timestamps), so an AVI is decoded from its start, in one piece, counting frames as they come.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

from ..errors import BddetError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".mkv")
# Containers where decode order is all that is stored: split nothing, count frames as decoded.
_SEQUENTIAL_FORMATS = ("avi",)
# Leading bytes: ISO media (MP4/MOV) has 'ftyp' (or another atom) at offset 4, Matroska an EBML header.
_ISO_ATOMS = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")


class VideoError(BddetError):
    """A video file that cannot be used, in plain words."""


def is_video(path: str | os.PathLike[str]) -> bool:
    return os.path.splitext(str(path))[1].lower() in VIDEO_EXTENSIONS


def frame_name(video_name: str, frame_index: int) -> str:
    """The Scalabel name of a kept frame, as BDD100K's tracking sets name theirs (1-based, 7 digits)."""
    return f"{video_name}-{frame_index + 1:07d}.jpg"


@dataclass(frozen=True)
class VideoProbe:
    """What demuxing a video told: its frames in presentation order and where decoding may start."""

    path: str
    fps: Fraction                 # the stream's average frame rate
    width: int
    height: int
    pts: tuple[int, ...]          # presentation timestamps, ascending (empty when sequential)
    time_base: Fraction
    keyframes: tuple[int, ...]    # frame indices where decoding may start
    frames: int
    sequential: bool              # decode from the start, counting (no usable timestamps)

    def seconds(self, index: int) -> Fraction:
        """When frame ``index`` is shown, from the first frame."""
        if self.sequential or not self.pts:
            return Fraction(index) / self.fps
        return (self.pts[index] - self.pts[0]) * self.time_base


@dataclass(frozen=True)
class VideoItem:
    """A video to run on: its probe, its name in the output and the frames kept."""

    probe: VideoProbe
    name: str                     # videoName
    kept: tuple[int, ...]         # source frame indices, ascending; kept[k] is frameIndex k

    def frame_names(self) -> list[str]:
        return [frame_name(self.name, k) for k in range(len(self.kept))]


def _signature(path: str) -> str | None:
    with open(path, "rb") as f:
        head = f.read(12)
    if head[4:8] in _ISO_ATOMS:
        return "MP4/MOV"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "Matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    return None


def _av_reason(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return text.rstrip(".")


def probe_video(path: str | os.PathLike[str]) -> VideoProbe:
    """Demux ``path`` (no decoding but of its first frame); raises VideoError saying what is wrong."""
    import av

    path = str(path)
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise VideoError(f"{path}: no such file") from None
    except OSError as e:
        raise VideoError(f"{path}: cannot be read ({e.strerror})") from None
    if size == 0:
        raise VideoError(f"{path}: an empty file (0 bytes)")
    try:
        kind = _signature(path)
    except OSError as e:
        raise VideoError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        container = av.open(path)
    except av.FFmpegError as e:
        if kind:
            raise VideoError(f"{path}: a truncated or damaged {kind} file; its index cannot be read "
                             f"(FFmpeg: {_av_reason(e)})") from None
        raise VideoError(f"{path}: not a video (no MP4, MOV, Matroska or AVI signature; "
                         f"FFmpeg: {_av_reason(e)})") from None
    with container:
        if not container.streams.video:
            raise VideoError(f"{path}: holds no video stream")
        stream = container.streams.video[0]
        if stream.codec_context is None:
            raise VideoError(f"{path}: its video codec cannot be decoded (this FFmpeg build has no decoder for it)")
        codec = stream.codec_context.name
        sequential = container.format.name in _SEQUENTIAL_FORMATS
        pts: list[int] = []
        keys: list[int] = []     # packet positions in decode order (sequential) or keyframe pts
        count = 0
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:
                    continue  # the flush packet, or frames an edit list hides
                beyond = packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > size
                if packet.is_corrupt or beyond:
                    raise VideoError(f"{path}: truncated or damaged at byte {packet.pos} (frame {count + 1})")
                if packet.pts is None:
                    sequential = True
                if packet.is_keyframe:
                    keys.append(count if sequential else packet.pts)
                if not sequential:
                    pts.append(packet.pts)
                count += 1
        except av.FFmpegError as e:
            raise VideoError(f"{path}: truncated or damaged after {count} frames (FFmpeg: {_av_reason(e)})") from None
        if count == 0:
            raise VideoError(f"{path}: holds no frames")
        declared = stream.frames or 0
        if declared > count:
            raise VideoError(f"{path}: truncated: {count} of its {declared} frames are there")
        fps = Fraction(stream.average_rate or stream.guessed_rate or 30)
        time_base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1)
        if not sequential and len(set(pts)) != len(pts):
            sequential = True  # repeated timestamps cannot say which frame is which
        keyframes: list[int]
        if sequential:
            pts, keyframes = [], [0]
        else:
            pts.sort()
            where = {p: i for i, p in enumerate(pts)}
            keyframes = sorted(where[p] for p in keys if p in where) or [0]
            span = (pts[-1] - pts[0]) * time_base + 1 / fps
            # The duration the header declares: the stream's, else the file's when the video is
            # its only stream (an audio track may run on past the last frame).
            declared_s = (Fraction(stream.duration) * time_base if stream.duration
                          else Fraction(container.duration, 1_000_000)
                          if container.duration and len(container.streams) == 1 else None)
            if declared_s is not None and span < declared_s - max(Fraction(1, 2), 2 / fps, declared_s / 20):
                raise VideoError(f"{path}: truncated: its frames end at {float(span):.2f} s of the "
                                 f"{float(declared_s):.2f} s it declares")
        width, height = stream.codec_context.width, stream.codec_context.height
    probe = VideoProbe(path=path, fps=fps, width=width, height=height, pts=tuple(pts), time_base=time_base,
                       keyframes=tuple(keyframes), frames=count, sequential=sequential)
    # One frame decoded now: a stream the decoder rejects is named before any process starts.
    try:
        next(decode_range(probe, 0, 1))
    except (StopIteration, VideoError, av.FFmpegError) as e:
        why = e.args[0].split(": ", 1)[-1] if isinstance(e, VideoError) else (_av_reason(e) or "no frame came out")
        raise VideoError(f"{path}: its {codec} stream cannot be decoded ({why})") from None
    return probe


def select_frames(probe: VideoProbe, every: int | None = None, fps: float | None = None) -> tuple[int, ...]:
    """The source frames kept: every ``every``-th from the first, or the first of each 1/``fps`` s.

    ``fps`` at or above the source rate keeps every frame (frames are never repeated).
    """
    if every is not None and fps is not None:
        raise VideoError("give --every or --fps, not both")
    if every is not None:
        if every < 1:
            raise VideoError(f"--every {every}: must be 1 or more")
        return tuple(range(0, probe.frames, every))
    if fps is None:
        return tuple(range(probe.frames))
    if not fps > 0:
        raise VideoError(f"--fps {fps}: must be above 0")
    rate = Fraction(str(fps))
    kept, slot = [], -1
    for i in range(probe.frames):
        s = int(probe.seconds(i) * rate)  # floor: times are never negative
        if s > slot:
            kept.append(i)
            slot = s
    return tuple(kept)


def decode_range(probe: VideoProbe, start: int, stop: int, threads: int = 1) -> Iterator[tuple[int, object]]:
    """Yield (frame index, av.VideoFrame) for frames ``start`` .. ``stop - 1``, in order.

    Decoding starts at the last keyframe at or before ``start`` (found by seeking); frames
    before ``start`` are decoded and dropped. Raises VideoError when the stream fails.
    """
    import av

    if start >= stop:
        return
    key = probe.keyframes[max(0, bisect.bisect_right(probe.keyframes, start) - 1)]
    sought = not probe.sequential and key > 0
    while True:
        with av.open(probe.path) as container:
            stream = container.streams.video[0]
            if threads > 1:
                stream.thread_type = "AUTO"
                stream.thread_count = threads
            if sought:
                container.seek(probe.pts[key], stream=stream, backward=True)
            counter = 0
            last = key - 1 if sought else -1  # the last frame decoded, for the message when the stream breaks
            first = True
            try:
                for frame in container.decode(stream):
                    if probe.sequential:
                        index, counter = counter, counter + 1
                    else:
                        if frame.pts is not None and frame.pts < probe.pts[0]:
                            continue  # pre-roll before the first shown frame (an edit list hides it)
                        index = bisect.bisect_left(probe.pts, frame.pts) if frame.pts is not None else -1
                        if index < 0 or index >= len(probe.pts) or probe.pts[index] != frame.pts:
                            if first and sought:
                                break  # not where the index says: decode from the start instead
                            raise VideoError(f"{probe.path}: a decoded frame's timestamp ({frame.pts}) is not in "
                                             "the container's index")
                    if first and sought and index > start:
                        break  # the seek landed past the start: decode from the start instead
                    first = False
                    last = index
                    if index < start:
                        continue
                    if index >= stop:
                        return
                    yield index, frame
                else:
                    if not first or not sought:
                        return
            except av.FFmpegError as e:
                where = f"after frame {last + 1}" if last >= 0 else "at its first frame"
                raise VideoError(f"{probe.path}: the stream breaks {where} ({_av_reason(e)})") from None
        if not sought:
            return
        sought = False  # one retry, from the first frame


def plan_chunks(items: list[tuple[int, VideoItem, list[int]]], parts: int, min_frames: int = 16
                ) -> list[tuple[int, tuple[int, ...]]]:
    """Split the frames still to do into about ``parts`` pieces: (item number, kept positions).

    ``items`` holds (item number, video, kept positions still to do). Pieces hold about the
    same number of frames; a cut moves to the nearest keyframe within half a piece, so that
    a piece rarely decodes frames it does not keep. A sequential video stays whole.
    """
    total = sum(len(todo) for _, _, todo in items)
    if total == 0:
        return []
    size = max(min_frames, -(-total // max(parts, 1)))
    chunks: list[tuple[int, tuple[int, ...]]] = []
    for number, item, todo in items:
        if not todo:
            continue
        if item.probe.sequential:
            chunks.append((number, tuple(todo)))
            continue
        keys = item.probe.keyframes
        lo = 0
        while lo < len(todo):
            hi = min(lo + size, len(todo))
            if hi < len(todo):
                cut = item.kept[todo[hi]]  # the source frame a cut at hi would start
                k = bisect.bisect_right(keys, cut) - 1
                candidates = [keys[j] for j in (k, k + 1) if 0 <= j < len(keys)]
                best = min(candidates, key=lambda f: abs(f - cut))
                pos = bisect.bisect_left(todo, bisect.bisect_left(item.kept, best), lo + 1)
                if lo < pos < len(todo) and abs(pos - hi) <= size // 2:
                    hi = pos
                if len(todo) - hi < size // 2:
                    hi = len(todo)  # no sliver of a piece at the end
            chunks.append((number, tuple(todo[lo:hi])))
            lo = hi
    return chunks
