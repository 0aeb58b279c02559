"""Scalabel det frames as msgspec types: what a well-formed det file holds, decoded in one pass.

(No ``from __future__ import annotations`` here: msgspec reads these annotations as types.)
"""
from typing import Any, Optional, Union

import msgspec


class Box2D(msgspec.Struct):
    x1: float
    y1: float
    x2: float
    y2: float


class Label(msgspec.Struct):
    category: Any = None
    box2d: Optional[Box2D] = None
    score: Union[float, msgspec.UnsetType] = msgspec.UNSET
    attributes: Optional[dict] = None
    id: Any = msgspec.UNSET


class Frame(msgspec.Struct):
    name: str
    labels: Optional[list[Label]] = None
    attributes: Optional[dict] = None


FRAMES = msgspec.json.Decoder(list[Frame])
