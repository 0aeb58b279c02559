"""Video frames for `bddet infer`: the loader's dataset and the split of videos into pieces.

Kept apart from infer.py because the dataset class must subclass torch's IterableDataset,
and infer.py imports torch only inside its functions (the CLI starts without it).
"""
from __future__ import annotations

import torch


def video_pipeline(pipeline) -> list:
    """The test pipeline for decoded frames: the image arrives as an array, and no labels are read."""
    steps = []
    for step in pipeline:
        kind = str(step.get("type", ""))
        if kind.split(".")[-1] == "LoadImageFromFile":
            steps.append(dict(type="mmdet.LoadImageFromNDArray"))
        elif kind.split(".")[-1] != "LoadAnnotations":
            steps.append(step)
    return steps


class VideoFrames(torch.utils.data.IterableDataset):
    """The kept frames of some video pieces, decoded in order; an iterable dataset for the loader.

    Each loader worker takes every n-th piece, seeks to its keyframe and decodes straight
    through it. A piece that fails to decode yields error records for the frames it had left.
    """

    def __init__(self, videos, chunks: list[tuple[int, tuple[int, ...]]], pipeline: list) -> None:
        from mmengine.dataset import Compose

        # Built here, where mmdet's registry scope is set; the workers get the built transforms
        # (they may be spawned, and a fresh interpreter has no default scope to look names up in).
        self.videos, self.chunks, self.transform = videos, chunks, Compose(pipeline)

    def __iter__(self):
        from ..data.video_files import VideoError, decode_range, frame_name

        info = torch.utils.data.get_worker_info()
        mine = self.chunks[info.id::info.num_workers] if info else self.chunks
        for number, positions in mine:
            video = self.videos[number]
            wanted = {video.kept[p]: p for p in positions}
            left = set(positions)
            try:
                for source_index, frame in decode_range(video.probe, video.kept[positions[0]],
                                                        video.kept[positions[-1]] + 1):
                    k = wanted.get(source_index)
                    if k is None:
                        continue
                    img = frame.to_ndarray(format="bgr24")
                    name = frame_name(video.name, k)
                    data = self.transform(dict(img=img, img_id=k, file_name=name))
                    left.discard(k)
                    yield name, data, None
            except VideoError as e:
                for k in sorted(left):
                    yield frame_name(video.name, k), None, e.args[0]
                continue
            for k in sorted(left):  # the stream ended before these frames
                why = f"{video.probe.path}: the stream ended before frame {video.kept[k] + 1}"
                yield frame_name(video.name, k), None, why


def video_chunks(videos, todo: list[list[int]], world: int, rank: int, workers: int) -> list:
    """This rank's pieces of the videos: about 4 per loader worker over all ranks, balanced by frames."""
    from ..data.video_files import plan_chunks

    chunks = plan_chunks([(n, v, t) for n, (v, t) in enumerate(zip(videos, todo))], world * max(workers, 1) * 4)
    # Longest first, each to the least loaded rank: every rank computes the same plan.
    load = [0] * world
    mine = []
    for chunk in sorted(chunks, key=lambda c: (-len(c[1]), c[0], c[1][0])):
        r = min(range(world), key=lambda j: (load[j], j))
        load[r] += len(chunk[1])
        if r == rank:
            mine.append(chunk)
    return sorted(mine, key=lambda c: (c[0], c[1][0]))
