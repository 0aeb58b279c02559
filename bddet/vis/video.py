"""Annotated videos for `bddet vis --video`: every source frame, boxes drawn, H.264 in MP4.

A run's ``videos.json`` (written by `bddet infer` beside det.json) says which source frame
each frameIndex is. The video is decoded from its start and written again at its own frame
rate, each frame at its source time (a variable-rate video keeps its timing); a frame that
was not inferred (``--every``, ``--fps``) shows the boxes of the last frame that was. The
boxes are drawn by ``drawing.annotate``, as on the pictures. The MP4 has its index first
(faststart) and yuv420p H.264, so browsers play it while it loads.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path


@dataclass
class VideoDrawing:
    """One video to draw (plain data for a worker process)."""

    video_name: str
    source: str                   # the video file
    out: str                      # the .mp4 to write
    source_frames: int            # frames the source had at inference
    kept: list[int]               # source frame of each frameIndex
    dets: dict[int, list] = field(default_factory=dict)   # frameIndex -> detections as FrameDrawing.dets
    gts: dict[int, list] = field(default_factory=dict)    # frameIndex -> ground truth as FrameDrawing.gts
    errors: bool = False
    threads: int = 0              # encoder threads (0: FFmpeg's choice)


@dataclass
class VideoWritten:
    video_name: str
    path: Path
    frames: int
    fps: Fraction


def _even(n: int) -> int:
    return n + (n % 2)


def draw_video(job: VideoDrawing) -> VideoWritten | str:
    """Decode, draw and encode one video to ``job.out`` (atomically); a message instead of raising."""
    import av
    import numpy as np
    from PIL import Image

    from ..data.video_files import VideoError, decode_range, probe_video
    from .drawing import annotate

    try:
        probe = probe_video(job.source)
    except VideoError as e:
        return e.args[0]
    if probe.frames != job.source_frames:
        return (f"{job.source}: has {probe.frames} frames now, {job.source_frames} when the run was made; "
                "the video changed since")
    shown_at = {source: k for k, source in enumerate(job.kept)}
    out = Path(job.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    width, height = _even(probe.width), _even(probe.height)  # yuv420p needs even sides
    written = 0
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=probe.fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"crf": "23", "preset": "veryfast"}
            # Each frame keeps its source time, so a variable-rate video keeps its timing.
            time_base = Fraction(1, 1) / probe.fps if probe.sequential else probe.time_base
            stream.codec_context.time_base = time_base
            if job.threads:
                stream.codec_context.thread_count = job.threads
            current = None
            for source, frame in decode_range(probe, 0, probe.frames, threads=job.threads or 1):
                k = shown_at.get(source, current)
                current = k
                img = frame.to_image()
                if (width, height) != img.size:
                    padded = Image.new("RGB", (width, height))
                    padded.paste(img)
                    img = padded
                if k is not None:
                    annotate(img, job.dets.get(k, ()), job.gts.get(k, ()), job.errors)
                out_frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
                out_frame.pts = source if probe.sequential else probe.pts[source] - probe.pts[0]
                out_frame.time_base = time_base
                for packet in stream.encode(out_frame):
                    container.mux(packet)
                written += 1
            for packet in stream.encode():
                container.mux(packet)
        os.replace(tmp, out)
    except VideoError as e:
        return e.args[0]
    except (av.FFmpegError, OSError) as e:
        return f"{out}: writing the video failed ({e})"
    finally:
        tmp.unlink(missing_ok=True)
    return VideoWritten(job.video_name, out, written, probe.fps)
