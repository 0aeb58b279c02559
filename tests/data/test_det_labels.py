"""The compiled reader reads every plain det file as the general (official-semantics) reader
does, number for number, and leaves every other file to it."""
import json
import random
from pathlib import Path

import numpy as np
import orjson
import pytest

from bddet.data.det_labels import _parse_fast, parse_det_frames, read_det_labels


def agree(raw: bytes, predictions: bool):
    fast = _parse_fast(raw, Path("x.json"), predictions)
    general = parse_det_frames(json.loads(raw), Path("x.json"), predictions=predictions)
    assert fast is not None
    for key in ("names", "attributes", "frame_index", "degenerate", "first_degenerate", "labels_without_id"):
        assert getattr(fast, key) == getattr(general, key), key
    for key in ("frame", "cls", "box", "ignore", "score"):
        a, b = getattr(fast, key), getattr(general, key)
        assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b)), key
    return fast


def number_text(rng: random.Random) -> str:
    """A JSON number as files write them: plain, many digits, exponents, negative zero."""
    kind = rng.random()
    if kind < 0.3:
        return repr(rng.uniform(-50, 1400))
    if kind < 0.5:
        return f"{rng.uniform(0, 1300):.{rng.randint(0, 20)}f}"
    if kind < 0.6:
        return f"{rng.uniform(0.1, 9.9):.{rng.randint(1, 17)}f}e{rng.randint(-30, 30)}"
    if kind < 0.7:
        return str(rng.randint(-2000, 2000))
    if kind < 0.75:
        return "-0.0" if rng.random() < 0.5 else "0"
    if kind < 0.85:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(16, 40))).lstrip("0") or "7"
    return f"{rng.randint(1, 9)}.{''.join(rng.choice('0123456789') for _ in range(rng.randint(15, 30)))}E+{rng.randint(0, 3)}"


def test_numbers_convert_exactly_as_pythons_float():
    rng = random.Random(7)
    frames = []
    for f in range(200):
        labels = []
        for k in range(10):
            box = {c: "@" for c in ("x1", "y1", "x2", "y2")}
            labels.append({"id": str(k), "category": "car", "box2d": box, "score": "@"})
        frames.append({"name": f"f{f}.jpg", "labels": labels})
    text = json.dumps(frames)
    while "\"@\"" in text:
        text = text.replace("\"@\"", number_text(rng), 1)
    fast = agree(text.encode(), True)
    assert len(fast) == 2000 and fast.box.tolist() == [[float(v) for v in b] for b in fast.box.tolist()]


def test_names_attributes_flags_and_layouts_read_as_the_general_reader():
    frames = [
        {"name": "caf\u00e9/\u2603 \"quoted\" \\back\\slash\n.jpg", "attributes": {"weather": "rainy", "x": [1, {"y": None}]},
         "labels": [{"id": 1, "category": "person", "box2d": {"x1": 1, "y1": 2, "x2": 3, "y2": 4}, "score": 0.5,
                     "attributes": {"crowd": "yes", "occluded": True}},
                    {"category": "car", "box2d": None, "score": 0.1},
                    {"id": None, "category": "trailer", "box2d": {"y2": 9, "x1": 0, "extra": [1, 2], "y1": 1, "x2": 5},
                     "score": 1, "attributes": {"crowd": 0.5, "ignored": "0.0"}},
                    {"id": "z", "category": "van", "box2d": {"x1": 5, "y1": 5, "x2": 3.9, "y2": 5.3}, "score": 0.9,
                     "attributes": {"ignored": 2}},
                    {"id": "w", "category": "bike", "box2d": {"x1": 0, "y1": 0, "x2": 9, "y2": 9}, "score": 0.2,
                     "attributes": {"crowd": False, "ignored": None}, "poly2d": [[0, 0, "L"]]}]},
        {"name": "\U0001F697 emoji.jpg", "labels": None, "attributes": None, "videoName": "v", "frameIndex": 3},
        {"labels": [], "name": "plain.jpg"},
    ]
    for indent in (None, 2):
        raw = json.dumps(frames, indent=indent, ensure_ascii=indent is None).encode()
        fast = agree(raw, True)
    assert fast.names[0].startswith("café/☃") and fast.ignore.tolist() == [True, True, True, False]
    assert fast.labels_without_id == 1 and fast.degenerate == 1
    agree(raw, False)


@pytest.mark.parametrize("text", [
    '{"frames": []}',                                                       # the object form
    '[{"name": "a", "labels": [{"category": "car", "box2d": {"x1": NaN, "y1": 0, "x2": 1, "y2": 1}, "score": 1}]}]',
    '[{"name": "a", "labels": [{"category": "car", "box2d": {"x1": "1", "y1": 0, "x2": 1, "y2": 1}, "score": 1}]}]',
    '[{"name": "a", "labels": [{"category": "dog", "box2d": {"x1": 1, "y1": 0, "x2": 1, "y2": 1}, "score": 1}]}]',
    '[{"name": "a", "labels": [{"category": "car", "box2d": {"x1": 1, "y1": 0, "x2": 1}, "score": 1}]}]',
    '[{"name": "a", "labels": [{"category": "car", "box2d": {"x1": 1, "y1": 0, "x2": 1, "y2": 1}}]}]',
    '[{"name": "a"}, {"name": "a"}]',                                       # a duplicate name
    '[{"name": 5}]', '[{"labels": []}]', '[1]', '[{"name": "a"}] x', '[{"name": "a",}]',
    '[{"name": "\\ud800"}]',                                                # a lone surrogate
    '[{"name": "a", "attributes": {"weather": "\\udc00"}}]',                 # one orjson refuses
    '[{"name": "a", "labels": [{"category": "car", "attributes": {"crowd": "\\ud800"}, "score": 1,'
    ' "box2d": {"x1": 1, "y1": 0, "x2": 1, "y2": 1}}]}]',
])
def test_what_the_compiled_reader_does_not_read_goes_to_the_general_one(text):
    assert _parse_fast(text.encode(), Path("x.json"), True) is None


def test_a_big_file_reads_the_same_both_ways(tmp_path):
    from bddet.data.synthetic_labels import make_det_frames

    gt, pred = make_det_frames(300, seed=5)
    agree(orjson.dumps(gt), False)
    agree(orjson.dumps(pred), True)
    path = tmp_path / "p.json"
    path.write_bytes(orjson.dumps(pred))
    assert len(read_det_labels(path, predictions=True)) == sum(len(f["labels"]) for f in pred)


@pytest.mark.parametrize("bad", [b"\xb2", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"])
def test_bytes_that_are_not_utf8_are_refused_as_the_official_reader_refuses_them(tmp_path, bad):
    """In a name, in a key it skips or in a value it skips: json.load (the official reader) fails."""
    from bddet.errors import LabelError

    for text in (b'[{"name": "a%s"}]', b'[{"name": "a", "extra%s": 1}]', b'[{"name": "a", "id": "%s"}]'):
        raw = text % bad
        with pytest.raises(UnicodeDecodeError):
            raw.decode()
        assert _parse_fast(raw, Path("x.json"), False) is None
        (tmp_path / "x.json").write_bytes(raw)
        with pytest.raises(LabelError, match="not UTF-8"):
            read_det_labels(tmp_path / "x.json", predictions=False)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf[]")  # json.load of the text fails on it, as here
    with pytest.raises(LabelError, match="byte order mark"):
        read_det_labels(tmp_path / "bom.json", predictions=True)
    agree('[{"name": "caf\u00e9 \u65e5 \U0001f697"}]'.encode().decode("unicode_escape").encode(), False)
