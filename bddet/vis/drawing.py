"""Drawing boxes on a frame: ground truth dashed (ignore regions shaded), detections solid with
class and score, in class colours or, for `--errors`, by outcome (TP, FP, missed, ignored).

Pillow, one picture per task, so that worker processes draw in parallel; the pictures and the
annotated videos share annotate().
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..atomic_write import atomic_path
from ..data.categories import CLASS_PALETTE, CLASSES

# Drawing colours per outcome for --errors (per class: CLASS_PALETTE).
TP_COLOUR, FP_COLOUR, MISS_COLOUR, IGNORED_COLOUR = (0, 220, 0), (255, 0, 0), (255, 160, 0), (160, 160, 160)
THUMB_WIDTH = 320


@dataclass
class FrameDrawing:
    """Everything one worker needs to draw one picture (plain data, cheap to pickle)."""

    name: str
    image: str
    out: str
    thumb: str
    dets: list = field(default_factory=list)      # (x1, y1, x2, y2, class, score, outcome)
    gts: list = field(default_factory=list)       # (x1, y1, x2, y2, class, ignored, missed)
    errors: bool = False



def _dashed_rectangle(draw, box, colour, width: int, dash: int = 8) -> None:
    x1, y1, x2, y2 = box
    for (ax, ay, bx, by) in ((x1, y1, x2, y1), (x2, y1, x2, y2), (x2, y2, x1, y2), (x1, y2, x1, y1)):
        length = max(abs(bx - ax), abs(by - ay))
        steps = max(int(length // dash), 1)
        for s in range(0, steps, 2):
            t0, t1 = s / steps, min((s + 1) / steps, 1.0)
            draw.line([(ax + (bx - ax) * t0, ay + (by - ay) * t0), (ax + (bx - ax) * t1, ay + (by - ay) * t1)],
                      fill=colour, width=width)


def annotate(img, dets: list, gts: list, errors: bool) -> None:
    """Draw boxes on a PIL RGB image in place: ground truth dashed (ignore regions shaded),
    detections solid with class and score, in class colours or, with ``errors``, by outcome."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    line = max(3, round(img.width / 480))
    draw = ImageDraw.Draw(img)
    ignored = [g for g in gts if g[5]]
    if ignored:  # a translucent shade needs a composite: only frames with ignore regions pay for it
        overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
        shade = ImageDraw.Draw(overlay)
        for x1, y1, x2, y2, *_ in ignored:
            shade.rectangle([x1, y1, x2, y2], fill=IGNORED_COLOUR + (90,))
        img.paste(Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB"))
        draw = ImageDraw.Draw(img)
    for x1, y1, x2, y2, cls, is_ignored, missed in gts:
        if is_ignored:
            continue
        colour = (MISS_COLOUR if missed else TP_COLOUR) if errors else CLASS_PALETTE[cls]
        _dashed_rectangle(draw, (x1, y1, x2, y2), colour, max(1, line - 1))
    for x1, y1, x2, y2, cls, score, outcome in dets:
        colour = {"tp": TP_COLOUR, "fp": FP_COLOUR, "ignored": IGNORED_COLOUR}[outcome] if errors \
            else CLASS_PALETTE[cls]
        draw.rectangle([x1, y1, x2, y2], outline=colour, width=line)
        text = f"{CLASSES[cls]} {score:.2f}"
        tx, ty = x1, max(0, y1 - 11)
        tw = draw.textlength(text, font=font)
        draw.rectangle([tx, ty, tx + tw + 2, ty + 10], fill=colour)
        draw.text((tx + 1, ty), text, fill=(0, 0, 0), font=font)


def draw_frame(job: FrameDrawing) -> str | None:
    """Draw one picture and its thumbnail; returns an error message instead of raising."""
    from PIL import Image

    try:
        with Image.open(job.image) as im:
            img = im.convert("RGB")
    except (OSError, ValueError) as e:
        return f"{job.image}: {e}"
    annotate(img, job.dets, job.gts, job.errors)
    with atomic_path(job.out) as tmp:
        img.save(tmp, format="JPEG", quality=90)
    thumb = img.resize((THUMB_WIDTH, max(1, round(img.height * THUMB_WIDTH / img.width))))
    with atomic_path(job.thumb) as tmp:
        thumb.save(tmp, format="JPEG", quality=80)
    return None
