"""Read Scalabel det JSON (BDD100K det_20 labels or predictions) into flat NumPy arrays.

One compiled pass over the bytes into arrays (_scalabel_reader.c), no Python object per box:
this is what makes label loading and evaluation fast; a file it does not read goes to the
general reader here, over orjson-parsed data, which names every problem. Semantics follow scalabel 0.3.1 + bdd100k 1.0.1 (see categories.py):
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
    # and the official evaluator reads with it, so it has the last word. It reads text opened as
    # strict UTF-8 (scalabel's open_read_text), not bytes, which json.loads would decode with
    # 'surrogatepass' and past a byte order mark: decode as it does, refuse what it refuses.
    import json

    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            raise LabelError(f"{path}: starts with a UTF-8 byte order mark, which the official reader "
                             "(json.load) refuses; save the file without it")
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        where = f" at line {e.lineno}, column {e.colno}" if isinstance(e, json.JSONDecodeError) else ""
        msg = e.msg if isinstance(e, json.JSONDecodeError) else "not UTF-8 text"
        raise LabelError(f"{path}: malformed JSON{where}: {msg}") from None


def read_det_labels(path: str | os.PathLike[str], *, predictions: bool) -> DetLabels:
    """Read a Scalabel det file: a list of frames, or ``{"frames": [...]}``; or a folder of them.

    A folder is read as the official reader (scalabel's ``load``) reads one: its ``*.json``
    files, not those in subfolders, in sorted order, their frames one list (BDD100K's
    box_track_20 labels come as one file per video).

    ``predictions`` requires a finite ``score`` on every box. Raises LabelError for an empty
    file, malformed JSON (line and column), unknown categories, NaN/inf coordinates, missing
    scores and duplicate frame names, each naming the frame.
    """
    import gc

    path = Path(path)
    if path.is_dir():
        return _read_folder(path, predictions)
    raw = _read_bytes(path)
    # Millions of small objects come and go here; the cyclic collector would walk them all
    # again and again for nothing (they hold no cycles).
    enabled = gc.isenabled()
    gc.disable()
    try:
        fast = _parse_fast(raw, path, predictions)
        return fast if fast is not None else parse_det_frames(_load_json(path, raw), path, predictions=predictions)
    finally:
        if enabled:
            gc.enable()


def read_det_label_pair(gt_path: str | os.PathLike[str], pred_path: str | os.PathLike[str]) -> tuple[DetLabels, DetLabels]:
    """The ground truth and the predictions of an evaluation, read at once on two threads.

    The compiled reader releases the GIL while it scans, so the two files take about as long
    as the larger alone. Errors are the ground truth's first, as reading them in turn would give.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        gt = pool.submit(read_det_labels, gt_path, predictions=False)
        pred = pool.submit(read_det_labels, pred_path, predictions=True)
        return gt.result(), pred.result()


def _read_folder(folder: Path, predictions: bool) -> DetLabels:
    """The frames of every ``*.json`` in ``folder`` (sorted, as glob's pattern leaves out hidden files)."""
    files = sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
    if not files:
        raise LabelError(f"{folder}: a folder with no .json files (expected Scalabel frame lists, one per video)")
    parts = [read_det_labels(f, predictions=predictions) for f in files]
    names: list[str] = []
    attributes: list[dict] = []
    index: dict[str, int] = {}
    frames = []
    for f, part in zip(files, parts):
        for name in part.names:
            if name in index:
                other = next(p for p, q in zip(files, parts) if name in q.frame_index)
                raise LabelError(f"{folder}: frame name '{name}' is in both {other.name} and {f.name}")
            index[name] = len(index)
        frames.append(part.frame + len(names))
        names += part.names
        attributes += part.attributes
    degenerate = [p for p in parts if p.degenerate]
    return DetLabels(
        path=folder, names=names, attributes=attributes, frame=np.concatenate(frames),
        cls=np.concatenate([p.cls for p in parts]), box=np.concatenate([p.box for p in parts]).reshape(-1, 4),
        ignore=np.concatenate([p.ignore for p in parts]),
        score=np.concatenate([p.score for p in parts]) if predictions else None, frame_index=index,
        degenerate=sum(p.degenerate for p in parts),
        first_degenerate=f"{degenerate[0].path.name}: {degenerate[0].first_degenerate}" if degenerate else "",
        labels_without_id=sum(p.labels_without_id for p in parts))


_NO_SCORE = object()


def _where_box(name: str, li: int, x1: float, y1: float, x2: float, y2: float) -> str:
    return f"frame '{name}' label #{li} (x1={x1:g}, y1={y1:g}, x2={x2:g}, y2={y2:g})"


class _Builder:
    """Collects frames and boxes into DetLabels; the checks both readers share live here."""

    def __init__(self, path: Path, predictions: bool) -> None:
        self.path, self.predictions = path, predictions
        self.names: list[str] = []
        self.attributes: list[dict] = []
        self.index: dict[str, int] = {}
        self.frame_ids: list[int] = []
        self.classes: list[int] = []
        self.ignores: list[bool] = []
        self.coords: list[float] = []
        self.scores: list[float] = []
        self.degenerate, self.first_degenerate, self.without_id = 0, "", 0
        self._mapping: dict = {}

    def frame(self, fi: int, name: str, attributes: dict | None) -> None:
        if name in self.index:
            raise LabelError(f"{self.path}: frame name '{name}' appears more than once "
                             f"(frames #{self.index[name]} and #{fi})")
        self.index[name] = fi
        self.names.append(name)
        self.attributes.append(attributes or {})

    def category(self, name: str, li: int, category) -> tuple[int, bool]:
        """(class index, ignored) of a label's category, or the error naming it."""
        try:
            mapped = self._mapping[category]
        except KeyError:
            mapped = self._mapping[category] = map_category(category)
        except TypeError:  # unhashable: no category
            mapped = None
        if mapped is None:
            raise LabelError(f"{self.path}: frame '{name}' label #{li}: unknown category {category!r}; "
                             f"expected one of {', '.join(CLASSES)} or "
                             f"{', '.join(sorted({**NAME_MAPPING, **IGNORED_MAPPING}))}")
        return mapped

    def label(self, fi: int, name: str, li: int, category, x1: float, y1: float, x2: float, y2: float,
              attrs: dict | None, score) -> None:
        """One box: mapped category, finite coordinates, crowd/ignored flags, and a score for predictions."""
        mapped = self.category(name, li, category)
        finite = math.isfinite
        if not (finite(x1) and finite(y1) and finite(x2) and finite(y2)):
            raise LabelError(f"{self.path}: frame '{name}' label #{li}: box2d has a NaN or infinite coordinate")
        if x2 - x1 + 1 <= 0 or y2 - y1 + 1 <= 0:
            self.degenerate += 1
            if self.degenerate == 1:
                self.first_degenerate = _where_box(name, li, x1, y1, x2, y2)
        cls, ignored = mapped
        if attrs and not ignored:
            ignored = _flag(attrs.get("crowd", False)) or _flag(attrs.get("ignored", False))
        if self.predictions:
            if score is _NO_SCORE:
                raise LabelError(f"{self.path}: frame '{name}' label #{li}: prediction has no 'score'")
            if not finite(score):
                raise LabelError(f"{self.path}: frame '{name}' label #{li}: score is NaN or infinite")
            self.scores.append(score)
        self.frame_ids.append(fi)
        self.classes.append(cls)
        self.ignores.append(ignored)
        self.coords += (x1, y1, x2, y2)

    def result(self) -> DetLabels:
        return DetLabels(
            path=self.path, names=self.names, attributes=self.attributes,
            frame=np.asarray(self.frame_ids, dtype=np.int64), cls=np.asarray(self.classes, dtype=np.int64),
            box=np.asarray(self.coords, dtype=np.float64).reshape(-1, 4),
            ignore=np.asarray(self.ignores, dtype=bool),
            score=np.asarray(self.scores, dtype=np.float64) if self.predictions else None, frame_index=self.index,
            degenerate=self.degenerate, first_degenerate=self.first_degenerate,
            labels_without_id=self.without_id)


def _category_table() -> list[tuple[bytes, int, bool]]:
    """Every category name a det file may use, with its (class, ignored): the fast reader's table."""
    names = (*CLASSES, *NAME_MAPPING, *IGNORED_MAPPING)
    return [(name.encode(), *map_category(name)) for name in dict.fromkeys(names)]


def _parse_fast(raw: bytes, path: Path, predictions: bool) -> DetLabels | None:
    """The file as DetLabels when it is a plain list of well-typed frames, else None.

    The C reader (_scalabel_reader.c) does the one pass over the bytes, without the GIL, and
    builds the arrays; only the frame names and attributes become Python objects. Anything it
    does not read (the {"frames": ...} form, NaN, strings where numbers belong, an unknown
    category, a duplicate frame name...) goes to parse_det_frames, which coerces as pydantic
    does or names the problem; both give the same DetLabels for what both accept.
    """
    import orjson

    from ._scalabel_reader import parse

    parsed = parse(raw, predictions, _category_table())
    if parsed is None:
        return None
    names, attr_spans, frame, position, cls, ignore, box, score, pending, without_id = parsed
    index = dict(zip(names, range(len(names))))
    if len(index) != len(names):
        return None  # a duplicate frame name: the general reader says which
    spans = np.frombuffer(attr_spans, dtype=np.int64).reshape(-1, 2).tolist()
    ignore = np.frombuffer(ignore, dtype=np.uint8).astype(bool)
    try:
        attributes = [orjson.loads(raw[a:b]) if a >= 0 else {} for a, b in spans]
        for label, crowd_a, crowd_b, ign_a, ign_b in np.frombuffer(pending, dtype=np.int64).reshape(-1, 5).tolist():
            # crowd/ignored values pydantic coerces (strings, other numbers): as the general reader does
            crowd = orjson.loads(raw[crowd_a:crowd_b]) if crowd_a >= 0 else False
            ignored = orjson.loads(raw[ign_a:ign_b]) if ign_a >= 0 else False
            ignore[label] = _flag(crowd) or _flag(ignored)
    except orjson.JSONDecodeError:
        return None  # what orjson refuses and Python's json reads (a lone surrogate escape): the general reader
    boxes = np.frombuffer(box, dtype=np.float64).reshape(-1, 4)
    frame = np.frombuffer(frame, dtype=np.int64)
    degenerate = (boxes[:, 2] - boxes[:, 0] + 1 <= 0) | (boxes[:, 3] - boxes[:, 1] + 1 <= 0)
    first = ""
    if degenerate.any():
        k = int(np.argmax(degenerate))
        fi, li = int(frame[k]), int(np.frombuffer(position, dtype=np.int32)[k])
        x1, y1, x2, y2 = boxes[k].tolist()
        first = _where_box(names[fi], li, x1, y1, x2, y2)
    return DetLabels(
        path=path, names=names, attributes=attributes, frame=frame, cls=np.frombuffer(cls, dtype=np.int64),
        box=boxes, ignore=ignore, score=np.frombuffer(score, dtype=np.float64) if predictions else None,
        frame_index=index, degenerate=int(degenerate.sum()), first_degenerate=first, labels_without_id=int(without_id))


def parse_det_frames(data, path: Path, *, predictions: bool) -> DetLabels:
    """Like read_det_labels, for frames already in memory (``path`` names them in messages)."""
    if isinstance(data, dict) and "frames" in data:
        data = data["frames"]
    if not isinstance(data, list):
        raise LabelError(f"{path}: expected a list of frames (or an object with 'frames')")
    out = _Builder(path, predictions)
    for fi, frame in enumerate(data):
        if not isinstance(frame, dict) or "name" not in frame:
            raise LabelError(f"{path}: frame #{fi} has no 'name'")
        name = str(frame["name"])
        out.frame(fi, name, frame.get("attributes"))
        for li, label in enumerate(frame.get("labels") or ()):
            if not isinstance(label, dict):
                raise LabelError(f"{path}: frame '{name}' label #{li} is not an object with category and box2d")
            if "id" not in label:
                out.without_id += 1
            box = label.get("box2d")
            if box is None:
                continue  # the official converter skips labels without a box
            out.category(name, li, label.get("category"))  # an unknown category is named first
            try:
                x1, y1, x2, y2 = (float(box["x1"]), float(box["y1"]), float(box["x2"]), float(box["y2"]))
            except (KeyError, TypeError, ValueError):
                raise LabelError(f"{path}: frame '{name}' label #{li}: box2d needs numeric x1, y1, x2, y2") from None
            score = _NO_SCORE
            if predictions and "score" in label:
                try:  # as pydantic's float: "0.5" is 0.5
                    score = float(label["score"])
                except (TypeError, ValueError):
                    raise LabelError(f"{path}: frame '{name}' label #{li}: score {label['score']!r} "
                                     "is not a number") from None
            out.label(fi, name, li, label.get("category"), x1, y1, x2, y2, label.get("attributes"), score)
    return out.result()
