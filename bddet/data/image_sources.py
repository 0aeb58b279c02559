"""Where inference takes its frames from: a BDD100K split, or a user's folder, files and globs
of images and videos."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import BddetError
from .layout import image_dir, image_prefix, label_file, label_path
from .video_files import VideoItem


class ImageSourceError(BddetError):
    """Images that cannot be found or used."""


@dataclass(frozen=True)
class ImageSource:
    """Where the frames are: a data root with a prefix, an optional label file, optional explicit
    image names, and videos.

    ``order`` lists the inputs in output order, each an image name or ``"video:<n>"`` for
    ``videos[n]``; empty means the images alone, in their order.
    """

    data_root: str
    img_prefix: str
    ann_file: str = ""
    names: tuple[str, ...] | None = None
    description: str = ""
    videos: tuple[VideoItem, ...] = ()
    order: tuple[str, ...] = ()

    def video_frame_names(self) -> list[list[str]]:
        """Each video's frame names, in video order."""
        return [v.frame_names() for v in self.videos]

    def output_order(self, image_names: list[str], video_names: list[list[str]]) -> list[str]:
        """All frame names in det.json's order: inputs as listed, a video's frames (``video_names``,
        from video_frame_names) in place, by frame."""
        if not self.order:
            return list(image_names)
        out: list[str] = []
        for entry in self.order:
            if entry.startswith("video:"):
                out += video_names[int(entry[6:])]
            else:
                out.append(entry)
        return out


def set_source(data_root: Path, split: str) -> ImageSource:
    """A BDD100K split: labelled val/train (frame names from the labels) or the test image folder."""
    folder = image_dir(data_root, split)
    if not folder.is_dir():
        raise ImageSourceError(f"{folder}: no such folder (the {split} images of the data root)")
    ann = label_path(data_root, split)
    if split != "test" and not ann.is_file():
        raise ImageSourceError(f"{ann}: no such label file (needed for the {split} frame list)")
    return ImageSource(str(data_root), image_prefix(split), label_file(split) if split != "test" else "", None,
                       f"set {split}")


def images_source(inputs: Sequence[str], every: int | None = None, fps: float | None = None,
                  skip_unreadable: bool = False) -> tuple[ImageSource, list[str]]:
    """Images and videos given as one folder, files, or glob patterns; names relative to their common folder.

    Videos are probed here, so that a damaged one is named before any work starts; with
    ``skip_unreadable`` it is left out instead and listed in the second value ("path: why").
    """
    from .image_files import IMAGE_EXTENSIONS, list_images
    from .video_files import VIDEO_EXTENSIONS

    media = IMAGE_EXTENSIONS + VIDEO_EXTENSIONS
    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        root = Path(inputs[0]).resolve()
        names = list_images(root, media)
        if not names:
            raise ImageSourceError(f"{root}: no images in this folder, nor videos ({', '.join(media)})")
        return _with_videos(root, names, f"in {root}", every, fps, skip_unreadable)
    files: list[Path] = []
    for item in inputs:
        if any(ch in item for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).suffix.lower() in media)
            if not matched:
                raise ImageSourceError(f"{item}: the pattern matches no image or video")
            files += matched
        elif Path(item).is_file():
            if Path(item).suffix.lower() not in media:
                raise ImageSourceError(f"{item}: not an image file, nor a video ({', '.join(media)})")
            files.append(Path(item))
        elif Path(item).is_dir():
            raise ImageSourceError(f"{item}: give a single folder on its own, or files and patterns")
        else:
            raise ImageSourceError(f"{item}: no such file or folder")
    files = [f.resolve() for f in dict.fromkeys(files)]
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    return _with_videos(root, [f.relative_to(root).as_posix() for f in files], f"under {root}", every, fps,
                        skip_unreadable)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _with_videos(root: Path, names: list[str], where: str, every: int | None, fps: float | None,
                 skip_unreadable: bool) -> tuple[ImageSource, list[str]]:
    """The source for these relative names: videos probed and expanded, frame names checked unique."""
    from concurrent.futures import ThreadPoolExecutor

    from .video_files import VideoError, VideoItem, is_video, probe_video, select_frames

    video_names = [n for n in names if is_video(n)]
    if not video_names:
        if every is not None or fps is not None:
            raise ImageSourceError("--every and --fps apply to videos, and no video is given")
        return ImageSource(str(root), "", "", tuple(names), f"{_count(len(names), 'image')} {where}"), []
    stem_of = {n: n.rsplit(".", 1)[0] for n in video_names}  # the videoName: the path without its extension
    owner: dict[str, str] = {}
    for n, stem in stem_of.items():
        if stem in owner:
            raise ImageSourceError(f"{root / owner[stem]} and {root / n}: both would give video name '{stem}'; "
                                   "rename one")
        owner[stem] = n

    def probe(name: str):
        try:
            return probe_video(root / name)
        except VideoError as e:
            return e

    # Demuxing is I/O and FFmpeg code that releases the GIL: threads probe many files at once.
    with ThreadPoolExecutor(max_workers=min(8, len(video_names))) as pool:
        probes = dict(zip(video_names, pool.map(probe, video_names)))
    skipped: list[str] = []
    videos: list[VideoItem] = []
    order: list[str] = []
    seen: dict[str, str] = {}
    for n in names:
        if not is_video(n):
            frames, entry = [n], n
        else:
            p = probes[n]
            if isinstance(p, VideoError):
                if not skip_unreadable:
                    raise ImageSourceError(f"unreadable video {p.args[0]} (pass --skip-unreadable to go on without it)")
                skipped.append(p.args[0])
                continue
            try:
                item = VideoItem(p, stem_of[n], select_frames(p, every, fps))
            except VideoError as e:
                raise ImageSourceError(e.args[0]) from None
            frames, entry = item.frame_names(), f"video:{len(videos)}"
            videos.append(item)
        for f in frames:
            if f in seen:
                raise ImageSourceError(f"{root / n} and {root / seen[f]} would both give the frame name '{f}'; "
                                       "rename one")
            seen[f] = n
        order.append(entry)
    images = tuple(e for e in order if not e.startswith("video:"))
    if not order:
        raise ImageSourceError(f"{where}: no readable image or video left")
    counts = [_count(len(images), "image")] if images else []
    counts.append(f"{_count(len(videos), 'video')} ({_count(sum(len(v.kept) for v in videos), 'frame')})")
    description = f"{' and '.join(counts)} {where}"
    return ImageSource(str(root), "", "", images, description, tuple(videos), tuple(order)), skipped
