"""Video: decoding never the bottleneck, and annotated videos written fast.

    .venv/bin/python benchmarks/bench_video.py [--frames 300] [--repeat 3]

Writes a 1280x720 H.264 clip at 30 fps (a textured road with moving boxes, about 6 Mbit/s,
a keyframe a second, B-frames: what a dashcam writes), then measures, each alone:

1. decode + preprocess: `bddet infer`'s own video dataset (seek, decode, BGR conversion,
   the demo model's test pipeline) through a torch DataLoader with the workers infer uses
   on this machine, and with one worker;
2. the model: the demo's tiny RetinaNet (random weights) on the preprocessed frames, batch 1,
   torch on all cores, as `bddet infer --device cpu` runs it;
3. `bddet vis --video`'s writer (decode, draw 15 boxes a frame, H.264 encode) on the clip.

Prints medians over ``--repeat`` runs and the ratio decode / model (goal >= 5) and the
writer's frames/s (goal >= 30).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

W, H = 1280, 720


def make_clip(path: Path, frames: int, fps: int = 30) -> None:
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, (H, W * 2, 3), dtype=np.uint8)
    texture[: H // 2] = texture[: H // 2] // 4 + 140  # sky: low contrast
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.bit_rate = 6_000_000
        stream.options = {"g": str(fps), "preset": "veryfast"}
        for i in range(frames):
            shift = (i * 8) % W
            img = np.ascontiguousarray(texture[:, shift:shift + W])
            for k in range(6):
                x = (100 + 180 * k + 5 * i) % (W - 160)
                img[380 + 20 * k:480 + 20 * k, x:x + 160] = (40 * k, 200, 255 - 40 * k)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def decode_fps(clip: Path, workers: int) -> float:
    import torch

    from bddet.zoo.config_files import load_config
    from bddet.data.video_files import VideoItem, probe_video, select_frames
    from bddet.engine.video_frames import VideoFrames, video_chunks, video_pipeline
    from bddet.engine.infer import collate_frames, quiet_loader_worker

    probe = probe_video(clip)
    item = VideoItem(probe, "clip", select_frames(probe))
    cfg = load_config(str(Path("bddet/configs/demo/retinanet_tiny_sample.py").resolve()), "")
    chunks = video_chunks([item], [list(range(len(item.kept)))], 1, 0, workers)
    dataset = VideoFrames([item], chunks, video_pipeline(cfg.test_dataloader.dataset.pipeline))
    loader = torch.utils.data.DataLoader(dataset, batch_size=1, num_workers=workers, collate_fn=collate_frames,
                                         worker_init_fn=quiet_loader_worker if workers else None)
    t = time.perf_counter()
    n = sum(len(names) for names, _, _ in loader)
    return n / (time.perf_counter() - t)


def model_fps(clip: Path, frames: int) -> float:
    import torch
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules

    from bddet.zoo.config_files import load_config
    from bddet.data.video_files import VideoItem, probe_video, select_frames
    from bddet.engine.infer import collate_frames
    from bddet.engine.video_frames import VideoFrames, video_chunks, video_pipeline

    register_all_modules()
    cfg = load_config(str(Path("bddet/configs/demo/retinanet_tiny_sample.py").resolve()), "")
    probe = probe_video(clip)
    item = VideoItem(probe, "clip", select_frames(probe)[:frames])
    dataset = VideoFrames([item], video_chunks([item], [list(range(len(item.kept)))], 1, 0, 0),
                          video_pipeline(cfg.test_dataloader.dataset.pipeline))
    batches = [collate_frames([x]) for x in dataset]
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    with torch.inference_mode():
        model.test_step(batches[0][1])  # first call: allocations and kernel choices
        t = time.perf_counter()
        for _, data, _ in batches:
            model.test_step(data)
    return len(batches) / (time.perf_counter() - t)


def writer_fps(clip: Path, out: Path) -> float:
    import numpy as np

    from bddet.data.video_files import probe_video
    from bddet.vis.video import VideoDrawing, draw_video

    probe = probe_video(clip)
    rng = np.random.default_rng(1)
    dets = {}
    for k in range(probe.frames):
        boxes = []
        for _ in range(15):
            x, y = float(rng.uniform(0, W - 200)), float(rng.uniform(0, H - 150))
            boxes.append((x, y, x + float(rng.uniform(20, 200)), y + float(rng.uniform(20, 150)),
                          int(rng.integers(10)), float(rng.uniform(0.3, 1)), "tp"))
        dets[k] = boxes
    job = VideoDrawing("clip", str(clip), str(out), probe.frames, list(range(probe.frames)), dets, {}, False,
                       threads=os.cpu_count() or 1)
    t = time.perf_counter()
    result = draw_video(job)
    seconds = time.perf_counter() - t
    assert not isinstance(result, str), result
    return result.frames / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from mmdet.utils import register_all_modules

    register_all_modules()  # as `bddet infer` does before it builds the pipeline
    work = Path(tempfile.mkdtemp(prefix="bddet-bench-video-"))
    clip = work / "clip.mp4"
    make_clip(clip, args.frames)
    import av

    with av.open(str(clip)) as c:
        rate = c.streams.video[0].bit_rate or os.path.getsize(clip) * 8 * 30 / args.frames
    cores = os.cpu_count() or 1
    workers = min(4, max(1, cores))  # what `bddet infer` takes on this machine with one process
    print(f"clip: {args.frames} frames of {W}x{H} H.264 at 30 fps, {rate / 1e6:.1f} Mbit/s; {cores} cores")
    runs = {"decode": [], "decode1": [], "model": [], "writer": []}
    for _ in range(args.repeat):
        runs["decode"].append(decode_fps(clip, workers))
        runs["decode1"].append(decode_fps(clip, 1))
        runs["model"].append(model_fps(clip, min(60, args.frames)))
        runs["writer"].append(writer_fps(clip, work / "annotated.mp4"))
    med = {k: statistics.median(v) for k, v in runs.items()}

    def show(v):
        return ", ".join(f"{x:.1f}" for x in v)

    print(f"decode+preprocess, {workers} workers: median {med['decode']:7.1f} frames/s  runs {show(runs['decode'])}")
    print(f"decode+preprocess, 1 worker : median {med['decode1']:7.1f} frames/s  runs {show(runs['decode1'])}")
    print(f"tiny demo model, CPU batch 1: median {med['model']:7.1f} frames/s  runs {show(runs['model'])}")
    print(f"annotated video writer      : median {med['writer']:7.1f} frames/s  runs {show(runs['writer'])}")
    print(f"decode+preprocess is {med['decode'] / med['model']:.1f}x the model's frames/s "
          f"({med['decode1'] / med['model']:.1f}x with one worker); the writer runs at {med['writer']:.0f} frames/s")


if __name__ == "__main__":
    main()
