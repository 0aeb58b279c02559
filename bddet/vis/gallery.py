"""visualize(): pictures of predictions, ground truth and errors, annotated videos, and a static
HTML gallery of them.

Drawing (drawing.py, video.py) runs in worker processes, one picture or video per task. With
``errors``, each shown detection's outcome at IoU 0.5 comes from evaluation.outcomes (the
evaluator's matching: per class, by score, ignore regions absorbing detections, the +1
convention): a true positive, a false positive or ignored; unmatched ground truth is a miss.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..callbacks import ProgressCallback
from ..data.categories import CLASSES
from ..data.gallery_layout import picture_path, thumb_path, url_attribute, video_path
from ..errors import BddetError, OptionsError
from .drawing import THUMB_WIDTH, FrameDrawing, draw_frame

if TYPE_CHECKING:  # annotations only: NumPy loads inside the functions, keeping `import bddet` light
    from ..data.det_labels import DetLabels

GALLERY_ORDERS = ("errors", "name")   # `bddet vis --sort`: worst first, or by frame name

class VisError(BddetError):
    """Visualisation inputs that cannot be used."""


def check_order(sort: str) -> None:
    """The one check of a gallery order (`--sort`): a usage error when unknown."""
    if sort not in GALLERY_ORDERS:
        raise OptionsError(f"--sort {sort}: choose {' or '.join(GALLERY_ORDERS)}")


@dataclass
class VisItem:
    name: str
    picture: str
    thumb: str
    detections: int
    false_positives: int | None
    misses: int | None


@dataclass
class VisVideo:
    """An annotated video in the gallery."""

    name: str                     # videoName
    video: str                    # the .mp4, relative to the gallery folder
    frames: int                   # frames written (every source frame)
    fps: float
    inferred_frames: int          # frames with detections of their own
    detections: int
    false_positives: int | None
    misses: int | None


@dataclass
class VisReport:
    out_dir: Path
    index_html: Path
    items: list[VisItem]
    missing_images: list[str]
    videos: list[VisVideo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a user should know about what was left out

    @property
    def index(self) -> Path:
        """The gallery page (index.html)."""
        return self.index_html

    @property
    def pictures(self) -> list[Path]:
        """The full-size pictures, in gallery order."""
        return [self.out_dir / item.picture for item in self.items]


def _rows(labels: DetLabels, bounds: list[int], frame: int):
    sel = slice(bounds[frame], bounds[frame + 1])
    return labels.box[sel], labels.cls[sel], (labels.score[sel] if labels.score is not None else None), labels.ignore[sel]


def render(preds: str | os.PathLike[str] | None, out_dir: str | os.PathLike[str], images: str | os.PathLike[str],
           gt: str | os.PathLike[str] | None = None, score_thr: float = 0.3, classes: Sequence[str] | None = None,
           limit: int | None = None, errors: bool = False, sort: str = "errors", workers: int | None = None,
           on_progress: ProgressCallback | None = None,
           videos: list[dict] | None = None, video: bool = True) -> VisReport:
    """Draw one picture per frame into ``out_dir`` and write ``out_dir/index.html``.

    Frames come from the predictions (and the ground truth, which adds frames without
    predictions). Images that cannot be found or decoded are listed and skipped. With
    ``videos`` (a run's videos.json entries), the frames of those videos are drawn as one
    annotated video each (``out_dir/videos/<videoName>.mp4``) instead of as pictures; with
    ``video`` False they are left out (a picture needs an image file), and the report says so.
    """
    import numpy as np

    from ..data.det_labels import read_det_labels
    from ..data.video_files import frame_name
    from ..evaluation.outcomes import match_outcomes

    check_order(sort)
    if preds is None and gt is None:
        raise VisError("nothing to draw: give predictions, ground truth or both")
    if errors and gt is None:
        raise VisError("--errors needs ground truth (--gt, or a run on a labelled set)")
    unknown = [c for c in classes or () if c not in CLASSES]
    if unknown:
        raise VisError(f"unknown class {', '.join(unknown)}; choose from {', '.join(CLASSES)}")
    pred = read_det_labels(preds, predictions=True) if preds else None
    truth = read_det_labels(gt, predictions=False) if gt else None
    if pred is not None and len(pred.names) == 0:
        raise VisError(f"{preds}: the prediction file holds no frames")
    images = Path(images)
    if not images.is_dir():
        raise VisError(f"{images}: no such image folder")
    names = list(pred.names) if pred else []
    if truth is not None and videos is None:
        seen = set(names)
        names += [n for n in truth.names if n not in seen]
    in_video = {frame_name(v["videoName"], k): (n, k) for n, v in enumerate(videos or ()) for k in range(len(v["kept"]))}
    pred_bounds = pred.frame_bounds() if pred else []
    truth_bounds = truth.frame_bounds() if truth is not None else []
    keep_cls = np.array([CLASSES.index(c) for c in classes]) if classes else np.arange(len(CLASSES))
    out_dir = Path(out_dir)
    jobs: list[FrameDrawing] = []
    stats: list[tuple[int, int | None, int | None]] = []
    video_jobs: dict[int, tuple[dict, dict, list[int]]] = {}  # video -> (dets, gts by frameIndex; counts)
    left_out = 0
    for name in names:
        d_box, d_cls, d_score = np.zeros((0, 4)), np.zeros(0, dtype=int), np.zeros(0)
        if pred is not None and name in pred.frame_index:
            d_box, d_cls, d_score, _ = _rows(pred, pred_bounds, pred.frame_index[name])
        shown = (d_score >= score_thr) & np.isin(d_cls, keep_cls)
        d_box, d_cls, d_score = d_box[shown], d_cls[shown], d_score[shown]
        g_box, g_cls, g_ign = np.zeros((0, 4)), np.zeros(0, dtype=int), np.zeros(0, dtype=bool)
        if truth is not None and name in truth.frame_index:
            g_box, g_cls, _, g_ign = _rows(truth, truth_bounds, truth.frame_index[name])
            g_in = np.isin(g_cls, keep_cls)
            g_box, g_cls, g_ign = g_box[g_in], g_cls[g_in], g_ign[g_in]
        outcome, missed = match_outcomes(d_box, d_cls, d_score, g_box, g_cls, g_ign) if truth is not None \
            else (np.array(["fp"] * len(d_cls), dtype=object), np.zeros(len(g_cls), dtype=bool))
        dets = [(*map(float, b), int(c), float(s), o) for b, c, s, o in zip(d_box, d_cls, d_score, outcome)]
        gts = [(*map(float, b), int(c), bool(i), bool(m)) for b, c, i, m in zip(g_box, g_cls, g_ign, missed)]
        frame_stats = (len(d_cls), int((outcome == "fp").sum()) if truth is not None else None,
                       int(missed.sum()) if truth is not None else None)
        if name in in_video:
            if not video:
                left_out += 1
                continue
            n, k = in_video[name]
            video_jobs.setdefault(n, ({}, {}, [0, 0, 0]))
            video_jobs[n][0][k], video_jobs[n][1][k] = dets, gts
            for j, v in enumerate(frame_stats):
                video_jobs[n][2][j] += v or 0
            continue
        jobs.append(FrameDrawing(name=name, image=str(images / name), out=str(picture_path(out_dir, name)),
                                 thumb=str(thumb_path(out_dir, name)), dets=dets, gts=gts, errors=errors))
        stats.append(frame_stats)
    order = list(range(len(jobs)))
    if sort == "name":
        order.sort(key=lambda i: jobs[i].name)
    elif truth is not None:  # worst first: false positives plus misses
        order.sort(key=lambda i: -((stats[i][1] or 0) + (stats[i][2] or 0)))
    if limit is not None:
        order = order[:limit]
    if left_out and not jobs:
        raise VisError(f"the frames of {preds} come from videos: pass --video to draw them as videos")
    missing: list[str] = []
    items: list[VisItem] = []
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or min(os.cpu_count() or 1, 8)
    done = 0
    total = len(order) + len(video_jobs)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, problem in zip(order, pool.map(draw_frame, [jobs[i] for i in order], chunksize=4)):
            done += 1
            if on_progress:
                on_progress(done, total)
            if problem:
                missing.append(problem)
                continue
            n, fp, miss = stats[i]
            items.append(VisItem(jobs[i].name, Path(jobs[i].out).relative_to(out_dir).as_posix(),
                                 Path(jobs[i].thumb).relative_to(out_dir).as_posix(), n, fp, miss))
    written = _draw_videos(videos or [], video_jobs, out_dir, errors and truth is not None, workers,
                           on_progress, done, total, missing)
    index = write_index(out_dir, items, with_errors=truth is not None, videos=written)
    notes = [f"{left_out} frames come from videos and were left out; pass --video to draw them"] if left_out else []
    return VisReport(out_dir, index, items, missing, written, notes)


def _draw_videos(videos: list[dict], video_jobs: dict, out_dir: Path, errors: bool, workers: int,
                 on_progress, done: int, total: int, missing: list[str]) -> list[VisVideo]:
    """One annotated video per video with frames to show, a process each (encoders share the cores)."""
    from concurrent.futures import ProcessPoolExecutor

    from .video import VideoDrawing, draw_video

    if not video_jobs:
        return []
    numbers = sorted(video_jobs)
    procs = max(1, min(workers, len(numbers)))
    tasks = [VideoDrawing(video_name=videos[n]["videoName"], source=videos[n]["path"],
                          out=str(video_path(out_dir, videos[n]["videoName"])),
                          source_frames=int(videos[n]["frames"]), kept=list(videos[n]["kept"]),
                          dets=video_jobs[n][0], gts=video_jobs[n][1], errors=errors,
                          threads=max(1, (os.cpu_count() or 1) // procs)) for n in numbers]
    written: list[VisVideo] = []
    with ProcessPoolExecutor(max_workers=procs) as pool:
        for n, result in zip(numbers, pool.map(draw_video, tasks)):
            done += 1
            if on_progress:
                on_progress(done, total)
            if isinstance(result, str):
                missing.append(result)
                continue
            dets, fps, misses = video_jobs[n][2]
            written.append(VisVideo(result.video_name, result.path.relative_to(out_dir).as_posix(), result.frames,
                                    float(result.fps), len(videos[n]["kept"]), dets, fps if errors else None,
                                    misses if errors else None))
    return written


def write_index(out_dir: Path, items: list[VisItem], with_errors: bool, videos: Sequence[VisVideo] = ()) -> Path:
    """A static gallery: annotated videos, then thumbnails linking to the pictures, counts per
    image, client-side sorting."""
    from ..atomic_write import atomic_write_text

    players = []
    for v in videos:
        counts = (f"{v.frames} frames at {v.fps:.3g} fps · {v.inferred_frames} inferred · {v.detections} det"
                  + (f" · {v.false_positives} FP · {v.misses} missed" if v.false_positives is not None else ""))
        players.append(f'<figure class="video" data-name="{html.escape(v.name)}"><video controls preload="metadata" '
                       f'src="{url_attribute(v.video)}" width="640"></video>'
                       f'<figcaption><a href="{url_attribute(v.video)}">{html.escape(v.name)}</a><br>{counts}'
                       "</figcaption></figure>")
    heading = f'<h2>{len(videos)} video{"s" if len(videos) != 1 else ""}</h2>' if items else ""
    video_section = (heading + '<div id="v">' + "".join(players) + "</div>") if videos else ""
    cards = []
    for it in items:
        errs = (it.false_positives or 0) + (it.misses or 0)
        counts = f"{it.detections} det" + (f" · {it.false_positives} FP · {it.misses} missed" if with_errors else "")
        cards.append(f'<figure data-name="{html.escape(it.name)}" data-errors="{errs}" data-dets="{it.detections}">'
                     f'<a href="{url_attribute(it.picture)}"><img src="{url_attribute(it.thumb)}" loading="lazy" '
                     f'alt="{html.escape(it.name)}"></a><figcaption>{html.escape(it.name)}<br>{counts}</figcaption>'
                     "</figure>")
    title = ", ".join(([f"{len(videos)} video{'s' if len(videos) != 1 else ''}"] if videos else [])
                      + ([f"{len(items)} images"] if items or not videos else []))
    buttons = ('<button onclick="by(\'errors\')">most errors first</button>' if with_errors else "") + \
        '<button onclick="by(\'name\')">by name</button><button onclick="by(\'dets\')">most detections first</button>'
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>bddet vis: {title}</title>
<style>body{{font-family:sans-serif;margin:1em;background:#222;color:#eee}}
#g{{display:flex;flex-wrap:wrap;gap:8px}}figure{{margin:0;width:{THUMB_WIDTH}px}}
img{{width:{THUMB_WIDTH}px;display:block}}figcaption{{font-size:12px;word-break:break-all}}
.key span{{padding:0 6px;margin-right:8px}}#v{{display:flex;flex-wrap:wrap;gap:12px}}
figure.video{{width:640px}}video{{width:640px;display:block;background:#000}}</style></head>
<body><h1>{title}</h1>
<p class="key">{'<span style="background:#00dc00;color:#000">true positive</span><span style="background:#ff0000">false positive</span><span style="background:#ffa000;color:#000">missed (dashed)</span><span style="background:#a0a0a0;color:#000">ignored</span>' if with_errors else 'boxes: predictions (solid, class colour); ground truth dashed'}</p>
{video_section}
{'<p>Sort: ' + buttons + '</p>' if items else ''}
<div id="g">
{chr(10).join(cards)}
</div>
<script>
function by(key){{const g=document.getElementById('g');const c=[...g.children];
c.sort((a,b)=>key==='name'?a.dataset.name.localeCompare(b.dataset.name):b.dataset[key]-a.dataset[key]);
c.forEach(x=>g.appendChild(x));}}
</script></body></html>
"""
    index = out_dir / "index.html"
    atomic_write_text(index, page)
    return index



def visualize(predictions: str | os.PathLike[str] | None = None, *, out: str | os.PathLike[str],
              images: str | os.PathLike[str] | None = None, gt: str | os.PathLike[str] | None = None,
              workspace=None, run: str | None = None, score_thr: float = 0.3, classes: Sequence[str] | None = None,
              limit: int | None = None, errors: bool = False, sort: str = "errors", workers: int | None = None,
              on_progress: ProgressCallback | None = None, video: bool = False) -> VisReport:
    """Draw predictions (and ground truth, and errors) on the images; return the gallery.

    ``predictions`` is a det.json (or a run folder holding one); without it, ``run`` (an
    inference run id or output folder) or the current run of ``workspace``. A workspace run's
    images and set labels are the defaults for ``images`` and ``gt``; a run on videos finds its
    videos (and images) from its videos.json, in a workspace or not. ``errors`` colours boxes
    by outcome at IoU 0.5 (needs ground truth). ``video`` draws the frames of a run on videos
    as one annotated MP4 per video, shown at the top of the gallery.
    """
    from ..data.layout import label_path
    from ..data.run_files import read_videos_record, videos_record_path
    from ..workspace import resolve_predictions

    check_order(sort)
    run, record, predictions = resolve_predictions(workspace, predictions, run)
    if run is not None and record.get("set") and gt is None and record["set"] != "test":
        gt = label_path(workspace.data_root(), record["set"])  # a workspace run on a set: its labels
    if not Path(predictions).exists():
        raise VisError(f"{predictions}: no such file")
    beside = videos_record_path(predictions)
    videos, image_root = None, None
    if beside.is_file():
        videos, image_root = read_videos_record(beside)
    elif video:
        raise VisError(f"--video: no videos.json beside {predictions}; it comes from `bddet infer` on videos")
    if images is None and videos is not None and record is None:
        images = Path(image_root or Path(predictions).parent)  # the run's own image folder
    if images is None:
        if record is None or not record.get("image_root"):
            raise VisError("say where the images are (--images)")
        images = Path(record["image_root"])
    report = render(predictions, out, images, gt, score_thr, list(classes) if classes else None, limit, errors, sort,
                    workers, on_progress, videos, video)
    if run is not None:  # eval --report links the run's worst frames into this gallery
        with workspace.edit() as manifest:
            if run in manifest["infer_runs"]:
                manifest["infer_runs"][run]["gallery"] = str(Path(out).resolve())
    return report
