"""Where `bddet vis` puts each frame's picture, thumbnail and annotated video in a gallery folder,
and how a page links to them: the one place both the gallery and the HTML report spell it."""
from __future__ import annotations

import html
import os
from pathlib import Path

THUMBS_DIR = "thumbs"
VIDEO_DIR = "videos"


def picture_path(gallery: Path, frame: str) -> Path:
    """The full-size picture of a frame: its name with a .jpg suffix (folders in the name kept)."""
    return Path(gallery) / Path(frame).with_suffix(".jpg")


def thumb_path(gallery: Path, frame: str) -> Path:
    return Path(gallery) / THUMBS_DIR / Path(frame).with_suffix(".jpg")


def video_path(gallery: Path, video_name: str) -> Path:
    """The annotated MP4 of a video (`bddet vis --video`)."""
    return Path(gallery) / VIDEO_DIR / f"{video_name}.mp4"


def url_attribute(relative_path: str) -> str:
    """A relative path as an HTML attribute value: '#', '%', '?' and spaces in file names escaped."""
    from urllib.parse import quote

    return html.escape(quote(relative_path))


def page_link(target: Path, page_dir: Path) -> str:
    """``target`` as a link from a page in ``page_dir`` (relative, escaped for an attribute)."""
    return url_attribute(os.path.relpath(target, page_dir))
