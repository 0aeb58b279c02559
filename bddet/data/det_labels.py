"""Read Scalabel det JSON (BDD100K det_20 labels or predictions) into flat NumPy arrays.

One pass over orjson-parsed data, no pydantic: this is what makes label loading and
evaluation fast. Semantics follow scalabel 0.3.1 + bdd100k 1.0.1 (see categories.py):
labels without ``box2d`` are skipped, ``crowd``/``ignored`` attributes and the ignored
mapping mark ignore regions, and anything the official tools would crash on or silently
mangle is reported as a LabelError naming the file, frame and problem.

Boxes are inclusive pixel coordinates (width = x2 - x1 + 1), so ``x2 < x1`` is a valid box
less than one pixel wide, and the official evaluator scores even boxes of zero or negative
extent: they are kept (and counted in ``degenerate``), never refused.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import LabelError
from .categories import CLASSES, IGNORED_MAPPING, NAME_MAPPING, map_category

__all__ = ["DetLabels", "LabelError", "parse_det_frames", "read_det_labels"]


# scalabel types label attributes as Union[bool, int, float, str] under pydantic v1, which tries
# each type in turn; crowd/ignored are then taken by bool() of what it kept (to_coco.py).
_BOOL_TRUE = {1, "1", "on", "t", "true", "y", "yes"}     # pydantic.validators.BOOL_TRUE
_BOOL_FALSE = {0, "0", "off", "f", "false", "n", "no"}   # pydantic.validators.BOOL_FALSE


def _flag(value: object) -> bool:
    """Truthiness of a Scalabel attribute exactly as pydantic v1 coerces it for scalabel.

    bool first (True/False, 0/1 and their strings, case-insensitive), then int(), then float(),
    then the string itself: so 0.5 -> int 0 -> False, "0.0" -> 0.0 -> False, "abc" -> True.
    """
    if value is True or value is False:
        return value
    probe = value.lower() if isinstance(value, str) else value
    try:
        if probe in _BOOL_TRUE:
            return True
        if probe in _BOOL_FALSE:
            return False
    except TypeError:  # unhashable (a list): pydantic fails on it too; bool() as a fallback
        return bool(value)
    for cast in (int, float):
        try:
            return bool(cast(value))
        except (TypeError, ValueError, OverflowError):
            continue
    return bool(value)


@dataclass
class DetLabels:
    """Frames and their boxes. Box arrays are aligned; ``frame`` indexes ``names``.

    Boxes keep file order (frames in order, labels in order within a frame).
    """

    path: Path
    names: list[str]
    attributes: list[dict]
    frame: np.ndarray          # int64 (N,)
    cls: np.ndarray            # int64 (N,), index into CLASSES
    box: np.ndarray            # float64 (N, 4): x1, y1, x2, y2 as given
    ignore: np.ndarray         # bool (N,): crowd, ignored or ignored-mapped
    score: np.ndarray | None   # float64 (N,) for predictions
    frame_index: dict[str, int] = field(default_factory=dict)
    degenerate: int = 0        # boxes of zero or negative width or height (x2 - x1 + 1 <= 0)
    labels_without_id: int = 0  # the official evaluator's pydantic model requires 'id' on every label
    first_degenerate: str = ""  # "frame 'a.jpg' label #3 (x1=.., ...)": where the first one is

    def __len__(self) -> int:
        return len(self.cls)

    def frame_bounds(self) -> list[int]:
        """Box index where each frame starts, plus the end: frame i's boxes are bounds[i]:bounds[i+1]."""
        return np.r_[0, np.cumsum(np.bincount(self.frame, minlength=len(self.names)))].tolist()


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LabelError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LabelError(f"{path}: is a folder, expected a Scalabel JSON file") from None
    except OSError as e:
        raise LabelError(f"{path}: cannot be read ({e.strerror})") from None
    if not raw.strip():
        # json.load (the official reader) fails on it too; `[]` is the empty prediction list
        raise LabelError(f"{path}: the file is empty ({len(raw)} bytes), not a list of frames "
                         "(an empty prediction list is `[]`)")
    return raw


def _load_json(path: Path, raw: bytes | None = None):
    import orjson

    raw = _read_bytes(path) if raw is None else raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # orjson is strict; Python's json (which wrote many such files) also reads NaN and Infinity,
    # and the official evaluator reads with it, so it has the last word.
    import json

    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        where = f" at line {e.lineno}, column {e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        msg = e.msg if isinstance(e, json.JSONDecodeError) else "not UTF-8 text"
        raise LabelError(f"{path}: malformed JSON{where}: {msg}") from None


def read_det_labels(path: str | os.PathLike[str], *, predictions: bool) -> DetLabels:
    """Read a Scalabel det file: a list of frames, or ``{"frames": [...]}``.

    ``predictions`` requires a finite ``score`` on every box. Raises LabelError for an empty
    file, malformed JSON (line and column), unknown categories, NaN/inf coordinates, missing
    scores and duplicate frame names, each naming the frame.
    """
    import gc

    path = Path(path)
    raw = _read_bytes(path)
    # Millions of small objects come and go here; the cyclic collector would walk them all
    # again and again for nothing (they hold no cycles).
    enabled = gc.isenabled()
    gc.disable()
    try:
        fast = _parse_typed(raw, path, predictions)
        return fast if fast is not None else parse_det_frames(_load_json(path, raw), path, predictions=predictions)
    finally:
        if enabled:
            gc.enable()


def _parse_typed(raw: bytes, path: Path, predictions: bool) -> DetLabels | None:
    """The file as DetLabels when it is a plain list of well-typed frames, else None.

    Anything else (the {"frames": ...} form, NaN, strings where numbers belong, a missing
    coordinate...) goes to parse_det_frames, which coerces as pydantic does or names the
    problem; both give the same DetLabels for what both accept.
    """
    import msgspec

    from .det_schema import FRAMES

    try:
        frames = FRAMES.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    unset = msgspec.UNSET
    names: list[str] = []
    attributes: list[dict] = []
    index: dict[str, int] = {}
    frame_ids: list[int] = []
    classes: list[int] = []
    ignores: list[bool] = []
    coords: list[float] = []
    scores: list[float] = []
    degenerate, first_degenerate, without_id = 0, "", 0
    finite = math.isfinite
    mapping: dict = {}
    for fi, frame in enumerate(frames):
        name = frame.name
        if name in index:
            raise LabelError(f"{path}: frame name '{name}' appears more than once (frames #{index[name]} and #{fi})")
        index[name] = fi
        names.append(name)
        attributes.append(frame.attributes or {})
        for li, label in enumerate(frame.labels or ()):
            if label.id is unset:
                without_id += 1
            box = label.box2d
            if box is None:
                continue  # the official converter skips labels without a box
            category = label.category
            try:
                mapped = mapping[category]
            except KeyError:
                mapped = mapping[category] = map_category(category)
            except TypeError:  # unhashable
                mapped = None
            if mapped is None:
                raise LabelError(f"{path}: frame '{name}' label #{li}: unknown category {category!r}; "
                                 f"expected one of {', '.join(CLASSES)} or "
                                 f"{', '.join(sorted({**NAME_MAPPING, **IGNORED_MAPPING}))}")
            x1, y1, x2, y2 = box.x1, box.y1, box.x2, box.y2
            if not (finite(x1) and finite(y1) and finite(x2) and finite(y2)):
                raise LabelError(f"{path}: frame '{name}' label #{li}: box2d has a NaN or infinite coordinate")
            if x2 - x1 + 1 <= 0 or y2 - y1 + 1 <= 0:
                degenerate += 1
                if degenerate == 1:
                    first_degenerate = f"frame '{name}' label #{li} (x1={x1:g}, y1={y1:g}, x2={x2:g}, y2={y2:g})"
            cls, ignored = mapped
            attrs = label.attributes
            if attrs and not ignored:
                ignored = _flag(attrs.get("crowd", False)) or _flag(attrs.get("ignored", False))
            if predictions:
                score = label.score
                if score is unset:
                    raise LabelError(f"{path}: frame '{name}' label #{li}: prediction has no 'score'")
                if not finite(score):
                    raise LabelError(f"{path}: frame '{name}' label #{li}: score is NaN or infinite")
                scores.append(score)
            frame_ids.append(fi)
            classes.append(cls)
            ignores.append(ignored)
            coords += (x1, y1, x2, y2)
    return DetLabels(
        path=path, names=names, attributes=attributes,
        frame=np.asarray(frame_ids, dtype=np.int64), cls=np.asarray(classes, dtype=np.int64),
        box=np.asarray(coords, dtype=np.float64).reshape(-1, 4), ignore=np.asarray(ignores, dtype=bool),
        score=np.asarray(scores, dtype=np.float64) if predictions else None, frame_index=index,
        degenerate=degenerate, first_degenerate=first_degenerate, labels_without_id=without_id)


def parse_det_frames(data, path: Path, *, predictions: bool) -> DetLabels:
    """Like read_det_labels, for frames already in memory (``path`` names them in messages)."""
    if isinstance(data, dict) and "frames" in data:
        data = data["frames"]
    if not isinstance(data, list):
        raise LabelError(f"{path}: expected a list of frames (or an object with 'frames')")
    names: list[str] = []
    attributes: list[dict] = []
    index: dict[str, int] = {}
    frame_ids: list[int] = []
    classes: list[int] = []
    ignores: list[bool] = []
    coords: list[float] = []
    scores: list[float] = []
    degenerate, first_degenerate, without_id = 0, "", 0
    finite = math.isfinite
    for fi, frame in enumerate(data):
        if not isinstance(frame, dict) or "name" not in frame:
            raise LabelError(f"{path}: frame #{fi} has no 'name'")
        name = str(frame["name"])
        if name in index:
            raise LabelError(f"{path}: frame name '{name}' appears more than once (frames #{index[name]} and #{fi})")
        index[name] = fi
        names.append(name)
        attributes.append(frame.get("attributes") or {})
        for li, label in enumerate(frame.get("labels") or ()):
            if not isinstance(label, dict):
                raise LabelError(f"{path}: frame '{name}' label #{li} is not an object with category and box2d")
            if "id" not in label:
                without_id += 1
            box = label.get("box2d")
            if box is None:
                continue  # the official converter skips labels without a box
            category = label.get("category")
            mapped = map_category(category)
            if mapped is None:
                raise LabelError(f"{path}: frame '{name}' label #{li}: unknown category {category!r}; "
                                 f"expected one of {', '.join(CLASSES)} or "
                                 f"{', '.join(sorted({**NAME_MAPPING, **IGNORED_MAPPING}))}")
            try:
                x1, y1, x2, y2 = (float(box["x1"]), float(box["y1"]), float(box["x2"]), float(box["y2"]))
            except (KeyError, TypeError, ValueError):
                raise LabelError(f"{path}: frame '{name}' label #{li}: box2d needs numeric x1, y1, x2, y2") from None
            if not (finite(x1) and finite(y1) and finite(x2) and finite(y2)):
                raise LabelError(f"{path}: frame '{name}' label #{li}: box2d has a NaN or infinite coordinate")
            if x2 - x1 + 1 <= 0 or y2 - y1 + 1 <= 0:
                degenerate += 1
                if degenerate == 1:
                    first_degenerate = f"frame '{name}' label #{li} (x1={x1:g}, y1={y1:g}, x2={x2:g}, y2={y2:g})"
            cls, ignored = mapped
            attrs = label.get("attributes") or {}
            ignored = ignored or _flag(attrs.get("crowd", False)) or _flag(attrs.get("ignored", False))
            if predictions:
                try:
                    score = float(label["score"])
                except KeyError:
                    raise LabelError(f"{path}: frame '{name}' label #{li}: prediction has no 'score'") from None
                except (TypeError, ValueError):
                    raise LabelError(f"{path}: frame '{name}' label #{li}: score {label['score']!r} "
                                     "is not a number") from None
                if not finite(score):
                    raise LabelError(f"{path}: frame '{name}' label #{li}: score is NaN or infinite")
                scores.append(score)
            frame_ids.append(fi)
            classes.append(cls)
            ignores.append(ignored)
            coords += (x1, y1, x2, y2)
    return DetLabels(
        path=path, names=names, attributes=attributes,
        frame=np.asarray(frame_ids, dtype=np.int64), cls=np.asarray(classes, dtype=np.int64),
        box=np.asarray(coords, dtype=np.float64).reshape(-1, 4), ignore=np.asarray(ignores, dtype=bool),
        score=np.asarray(scores, dtype=np.float64) if predictions else None, frame_index=index,
        degenerate=degenerate, first_degenerate=first_degenerate, labels_without_id=without_id)
