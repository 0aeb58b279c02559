"""A small synthetic dataset in the BDD100K layout, for the demo and the tests.

It is not BDD100K (which needs a registration): flat-coloured road scenes with boxes of the
ten classes, each class drawn with its own colour and shape, so that a detector learns it
in minutes on a CPU. Labels are real det_20 Scalabel JSON with frame attributes, crowd
boxes and mapped category names, so every code path that reads BDD100K runs on it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .categories import CLASSES

# The colour each class's objects are painted in the synthetic images (RGB), distinct enough to
# learn from. Data, not a display palette: changing it changes the sample and the demo model.
OBJECT_COLOURS = [(220, 20, 60), (255, 120, 0), (0, 60, 230), (0, 160, 80), (250, 220, 0), (140, 0, 200),
                 (0, 220, 220), (255, 0, 255), (255, 255, 255), (120, 70, 20)]
_WEATHER = ("clear", "overcast", "rainy")
_TIMEOFDAY = ("daytime", "night")
_SCENE = ("city street", "highway")


def _frame(rng: np.random.Generator, name: str, size: tuple[int, int], max_objects: int):
    from PIL import Image, ImageDraw

    w, h = size
    timeofday = _TIMEOFDAY[int(rng.integers(len(_TIMEOFDAY)))]
    sky = (40, 40, 70) if timeofday == "night" else (150, 180, 210)
    img = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, h // 2, w, h], fill=(70, 70, 70))  # road
    labels = []
    for k in range(int(rng.integers(1, max_objects + 1))):
        cls = int(rng.integers(len(CLASSES)))
        bw = int(rng.integers(w // 16, w // 4))
        bh = int(rng.integers(h // 10, h // 3))
        x1 = int(rng.integers(0, w - bw))
        y1 = int(rng.integers(0, h - bh))
        box = [x1, y1, x1 + bw - 1, y1 + bh - 1]
        colour = OBJECT_COLOURS[cls]
        if cls % 2:
            draw.ellipse(box, fill=colour, outline=(0, 0, 0))
        else:
            draw.rectangle(box, fill=colour, outline=(0, 0, 0))
        category = CLASSES[cls]
        if category == "car" and rng.random() < 0.3:
            category = "van"  # mapped to car by the official config
        attributes = {"occluded": False, "truncated": False}
        if rng.random() < 0.05:
            attributes["crowd"] = True
        labels.append({"id": f"{name}-{k}", "category": category, "attributes": attributes,
                       "box2d": {"x1": float(box[0]), "y1": float(box[1]), "x2": float(box[2]), "y2": float(box[3])}})
    frame = {"name": name, "attributes": {"weather": _WEATHER[int(rng.integers(len(_WEATHER)))],
                                          "scene": _SCENE[int(rng.integers(len(_SCENE)))],
                                          "timeofday": timeofday},
             "timestamp": 10000, "labels": labels}
    return img, frame


def make_sample_dataset(root: str | Path, n_train: int = 48, n_val: int = 16, n_test: int = 4,
                        size: tuple[int, int] = (640, 360), max_objects: int = 4, seed: int = 0,
                        n_videos: int = 0, grain: float = 0.0) -> Path:
    """Write ``images/100k/{train,val,test}`` and ``labels/det_20/det_{train,val}.json`` under ``root``,
    and ``n_videos`` val clips (``videos/val/``) with their ``labels/box_track_20/val/`` files.

    ``grain`` > 0 adds seeded Gaussian noise of that standard deviation to the images: flat
    regions make a detector score many boxes exactly alike, and which of two tied boxes NMS keeps
    is an accident of its sort (the export's parity check wants frames with texture, as real ones)."""
    from .layout import image_dir, label_path, track_label_dir, video_dir

    root = Path(root)
    rng = np.random.default_rng(seed)
    for split, count in (("train", n_train), ("val", n_val), ("test", n_test)):
        folder = image_dir(root, split)
        folder.mkdir(parents=True, exist_ok=True)
        frames = []
        for i in range(count):
            name = f"{split}-{i:04d}.jpg"
            img, frame = _frame(rng, name, size, max_objects)
            if grain > 0:
                from PIL import Image

                pixels = np.asarray(img, dtype=np.float32) + rng.normal(0.0, grain, (size[1], size[0], 3))
                img = Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8))
            img.save(folder / name, quality=92)
            frames.append(frame)
        if split != "test":
            label_path(root, split).parent.mkdir(parents=True, exist_ok=True)
            label_path(root, split).write_text(json.dumps(frames, indent=1))
    for k in range(n_videos):
        name = f"sample-drive-{k + 1}"
        frames = make_sample_video(video_dir(root, "val") / f"{name}.mp4", n_frames=60, size=size, fps=10,
                                   max_objects=max_objects, seed=seed + 100 + k)
        track_label_dir(root, "val").mkdir(parents=True, exist_ok=True)
        (track_label_dir(root, "val") / f"{name}.json").write_text(json.dumps(frames, indent=1))
    return root


def make_sample_video(path: str | Path, n_frames: int = 30, size: tuple[int, int] = (320, 192), fps: int = 10,
                      keyframe_every: int = 8, max_objects: int = 4, seed: int = 0, codec: str = "libx264",
                      container: str | None = None) -> list[dict]:
    """Write a synthetic dashcam clip (objects of the sample's classes moving over a road) and
    return its ground truth as BDD100K box_track_20 frames (videoName, frameIndex, track ids).

    H.264 with B-frames and a keyframe every ``keyframe_every`` frames, so that readers meet
    reordered timestamps and can seek; ``codec``/``container`` write other kinds for tests.
    """
    import av
    from PIL import Image, ImageDraw

    path = Path(path)
    rng = np.random.default_rng(seed)
    w, h = size
    video_name = path.stem
    objects = []
    for k in range(int(rng.integers(1, max_objects + 1))):
        cls = int(rng.integers(len(CLASSES)))
        bw, bh = int(rng.integers(w // 10, w // 4)), int(rng.integers(h // 8, h // 3))
        objects.append(dict(id=str(k + 1), cls=cls, w=bw, h=bh, x=float(rng.uniform(0, w - bw)),
                            y=float(rng.uniform(h // 3, h - bh)), vx=float(rng.uniform(-3, 3)),
                            vy=float(rng.uniform(-1, 1))))
    frames = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"g": str(keyframe_every), "crf": "20", "preset": "veryfast"} if codec == "libx264" \
            else {"g": str(keyframe_every)}
        for i in range(n_frames):
            img = Image.new("RGB", size, (150, 180, 210))
            draw = ImageDraw.Draw(img)
            draw.rectangle([0, h // 2, w, h], fill=(70, 70, 70))
            labels = []
            for o in objects:
                x1 = int(np.clip(o["x"] + o["vx"] * i, 0, w - o["w"]))
                y1 = int(np.clip(o["y"] + o["vy"] * i, 0, h - o["h"]))
                box = [x1, y1, x1 + o["w"] - 1, y1 + o["h"] - 1]
                shape = draw.ellipse if o["cls"] % 2 else draw.rectangle
                shape(box, fill=OBJECT_COLOURS[o["cls"]], outline=(0, 0, 0))
                labels.append({"id": o["id"], "category": CLASSES[o["cls"]],
                               "attributes": {"occluded": False, "truncated": False, "crowd": False},
                               "box2d": {"x1": float(box[0]), "y1": float(box[1]), "x2": float(box[2]),
                                         "y2": float(box[3])}})
            for packet in stream.encode(av.VideoFrame.from_image(img)):
                out.mux(packet)
            frames.append({"name": f"{video_name}-{i + 1:07d}.jpg", "videoName": video_name, "frameIndex": i,
                           "labels": labels})
        for packet in stream.encode():
            out.mux(packet)
    return frames
