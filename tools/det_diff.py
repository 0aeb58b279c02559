"""By hand, not in CI: how close two det.json files are, box for box.

Run it on bddet's det.json and one from the original stack (mmdet 2.28 + the zoo's test.py
--format-only) or a published `preds` file of the same model on the same images:

    .venv/bin/python tools/det_diff.py runs/infer/x/det.json original/det.json [--iou 0.5] [--score-tol T]

It prints the share of boxes matched 1:1 within frame and class (IoU >= --iou, |Δscore| <= --score-tol),
the largest coordinate and score differences over matched pairs, and the boxes left unmatched.
Exit status 0 when the files are identical box for box, 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from bddet.data.det_labels import read_det_labels
    from bddet.errors import BddetError
    from bddet.evaluation.det_diff import diff_detections

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="det.json (e.g. bddet's)")
    parser.add_argument("b", help="det.json to hold it against (e.g. the original stack's)")
    parser.add_argument("--iou", type=float, default=0.5, help="least IoU of a matched pair (default 0.5)")
    parser.add_argument("--score-tol", type=float, default=None, help="largest |Δscore| of a matched pair")
    parser.add_argument("--show", type=int, default=20, help="unmatched boxes to list per side")
    args = parser.parse_args(argv)
    try:
        a = read_det_labels(args.a, predictions=True)
        b = read_det_labels(args.b, predictions=True)
    except BddetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    d = diff_detections(a, b, iou_min=args.iou, score_tol=args.score_tol)
    print(f"frames: {d.frames} shared, {len(d.frames_only_a)} only in A, {len(d.frames_only_b)} only in B")
    print(f"boxes: A {d.boxes_a}, B {d.boxes_b}; matched 1:1 {d.matched} ({d.matched_share:.2%})")
    print(f"max |Δcoord| {d.max_coord_diff:.6g} px, max |Δscore| {d.max_score_diff:.6g} over matched pairs")
    for side, boxes in (("A", d.unmatched_a), ("B", d.unmatched_b)):
        print(f"unmatched in {side}: {len(boxes)}")
        for u in boxes[:args.show]:
            x1, y1, x2, y2 = u.box
            print(f"  {u.frame}  {u.category:<13} score {u.score:.4f}  ({x1:.2f}, {y1:.2f}, {x2:.2f}, {y2:.2f})")
    print("identical box for box" if d.identical else "not identical")
    return 0 if d.identical else 1


if __name__ == "__main__":
    sys.exit(main())
