"""Where inference takes its images from: a BDD100K split, or a user's folder, files and globs."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import BddetError
from .layout import image_dir, image_prefix, label_file, label_path


class ImageSourceError(BddetError):
    """Images that cannot be found or used."""


@dataclass(frozen=True)
class ImageSource:
    """Where the images are: a data root with a prefix, an optional label file, optional explicit names."""

    data_root: str
    img_prefix: str
    ann_file: str = ""
    names: tuple[str, ...] | None = None
    description: str = ""


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


def images_source(inputs: Sequence[str]) -> ImageSource:
    """Images given as one folder, files, or glob patterns; names are relative to their common folder."""
    from .image_files import IMAGE_EXTENSIONS, list_images

    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        root = Path(inputs[0]).resolve()
        names = list_images(root)
        if not names:
            raise ImageSourceError(f"{root}: no images in this folder ({', '.join(IMAGE_EXTENSIONS)})")
        return ImageSource(str(root), "", "", tuple(names), f"images {root}")
    files: list[Path] = []
    for item in inputs:
        if any(ch in item for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(item, recursive=True)
                             if Path(p).suffix.lower() in IMAGE_EXTENSIONS)
            if not matched:
                raise ImageSourceError(f"{item}: the pattern matches no image")
            files += matched
        elif Path(item).is_file():
            if Path(item).suffix.lower() not in IMAGE_EXTENSIONS:
                raise ImageSourceError(f"{item}: not an image file ({', '.join(IMAGE_EXTENSIONS)})")
            files.append(Path(item))
        elif Path(item).is_dir():
            raise ImageSourceError(f"{item}: give a single folder on its own, or files and patterns")
        else:
            raise ImageSourceError(f"{item}: no such file or folder")
    files = [f.resolve() for f in dict.fromkeys(files)]
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    return ImageSource(str(root), "", "", tuple(f.relative_to(root).as_posix() for f in files),
                       f"{len(files)} images under {root}")


