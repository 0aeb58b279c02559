"""bddet eval vs the official evaluator and the COCO evaluators a speed-minded user would pick.

    .venv/bin/pip install -e '.[bench]'      # pycocotools, faster-coco-eval, hotcoco, ultrafast-pycocotools
    .venv/bin/python benchmarks/bench_eval.py [--frames 10000] [--repeat 5] [--official-repeat 1]

On a deterministic val-sized synthetic set (10,000 frames, about 180K boxes and 380K
predictions, with every rule the official evaluator has), each evaluator runs as its own
process:

- official: ``python -m bdd100k.eval.run -t det`` on the Scalabel files;
- bddet: ``bddet eval`` on the Scalabel files (the per-class table printed, the official JSON written);
- pycocotools, faster-coco-eval, hotcoco, ultrafast-pycocotools: COCOeval on COCO files
  converted beforehand exactly as the official converts (eval_peer.py); the conversion is not timed.

Every evaluator is first checked number for number against the official (bddet's 132 numbers,
the peers' 12 OVERALL ones) and only then timed: ``repeat`` runs each, in turn, so that drift of
a shared machine falls on all alike. Wall time and peak RSS are the child's (os.wait4). Prints
medians and each one's ratio to bddet, then bddet's warm figures: a second evaluation in the
same Python process (imports done), and with the ground truth already parsed, which is the most
a cache of parsed ground truth could give.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = {  # name: (module to import, what it reads)
    "pycocotools": ("pycocotools", "COCO JSON"),
    "faster-coco-eval": ("faster_coco_eval", "COCO JSON"),
    "hotcoco": ("hotcoco", "COCO JSON"),
    "ultrafast": ("ultrafast_pycocotools", "COCO JSON"),
}
OVERALL_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process.

    The peak comes from /usr/bin/time when there is one: the rusage of a child forked from this
    process would count this process's own pages from before the exec.
    """
    import shutil
    import tempfile

    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        full = [timer, "-f", "%M", "-o", rss_file.name, *cmd] if timer else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-2000:]}")
        peak = float(rss_file.read().strip().splitlines()[-1]) / 1024 if timer else usage.ru_maxrss / 1024
    return wall, peak


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return f"{len(os.sched_getaffinity(0))} CPUs ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


def compare_official(official: dict, ours: dict) -> tuple[int, int, float]:
    """(bit-identical, total, largest difference) over every number of the official JSON."""
    worst, exact, total = 0.0, 0, 0
    for metric, (per_class, overall) in official.items():
        for theirs, mine in ((per_class, ours[metric][0]), (overall, ours[metric][1])):
            for key, x in theirs.items():
                y = mine[key]
                total += 1
                if same(x, y):
                    exact += 1
                else:
                    worst = max(worst, abs(x - y)) if not (math.isnan(x) or math.isnan(y)) else math.inf
    return exact, total, worst


def compare_overall(official: dict, peer: dict) -> tuple[int, int, float]:
    worst, exact = 0.0, 0
    for metric in OVERALL_METRICS:
        x, y = official[metric][1]["OVERALL"], peer[metric]
        if same(x, y):
            exact += 1
        else:
            worst = max(worst, abs(x - y)) if not (math.isnan(x) or math.isnan(y)) else math.inf
    return exact, len(OVERALL_METRICS), worst


WARM = """
import gc, json, statistics, sys, time
import bddet
from bddet.data.det_labels import read_det_labels
from bddet.evaluation.metrics import evaluate_labels
gt, pred, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
bddet.evaluate(pred, gt=gt)  # the first call: what every later one finds imported and warm
second = []
for _ in range(reps):
    t = time.perf_counter(); bddet.evaluate(pred, gt=gt); second.append(time.perf_counter() - t)
labels = read_det_labels(gt, predictions=False)
parsed = []
for _ in range(reps):
    t = time.perf_counter(); evaluate_labels(labels, read_det_labels(pred, predictions=True)); parsed.append(time.perf_counter() - t)
print(json.dumps({"second": statistics.median(second), "gt_parsed": statistics.median(parsed)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--official-repeat", type=int, default=1,
                    help="timed runs of the official (minutes each); 0 reuses its numbers from an earlier run here")
    ap.add_argument("--peers", nargs="*", default=list(PEERS), choices=list(PEERS))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bddet-bench-eval"))
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    w = args.workdir
    gt, pred = w / "det_val.json", w / "det.json"
    if not gt.exists():
        from bddet.data.synthetic_labels import make_det_frames

        gt_frames, pred_frames = make_det_frames(args.frames, seed=2026)
        gt.write_text(json.dumps(gt_frames))
        pred.write_text(json.dumps(pred_frames))
        del gt_frames, pred_frames
    # counted in a child: this process stays small, and so do the children it forks
    count = "import json,sys; print(*(sum(len(f['labels']) for f in json.load(open(p))) for p in sys.argv[1:]))"
    n_gt, n_pred = subprocess.run([sys.executable, "-c", count, str(gt), str(pred)], capture_output=True, text=True,
                                  check=True).stdout.split()
    print(f"machine: {machine()}")
    print(f"set: {args.frames} frames, {n_gt} ground-truth boxes, {n_pred} predictions "
          f"({gt.stat().st_size / 2**20:.0f} + {pred.stat().st_size / 2**20:.0f} MiB Scalabel JSON)")
    peer_script = str(HERE / "eval_peer.py")
    gt_coco, dt_coco = w / "gt_coco.json", w / "dt_coco.json"
    if not (gt_coco.exists() and dt_coco.exists()) or gt_coco.stat().st_mtime < gt.stat().st_mtime:
        t = time.perf_counter()
        run([sys.executable, peer_script, "convert", str(gt), str(pred), str(gt_coco), str(dt_coco)])
        print(f"converted to COCO JSON as the official converts, once, in {time.perf_counter() - t:.1f} s (not timed)")

    bddet = str(Path(sys.executable).with_name("bddet"))
    outs = {name: w / f"out-{name}.json" for name in ["official", "bddet", *args.peers]}
    cmds = {
        "official": [sys.executable, "-m", "bdd100k.eval.run", "-t", "det", "-g", str(gt), "-r", str(pred),
                     "--out-file", str(outs["official"])],
        "bddet": [bddet, "eval", "--gt", str(gt), "--preds", str(pred), "--out", str(outs["bddet"])],
        **{name: [sys.executable, peer_script, name, str(gt_coco), str(dt_coco), str(outs[name])] for name in args.peers},
    }
    inputs = {"official": "Scalabel JSON", "bddet": "Scalabel JSON", **{n: PEERS[n][1] for n in args.peers}}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    mems: dict[str, list[float]] = {k: [] for k in cmds}

    # the checks: each evaluator's numbers against the official's, before any is timed
    for name in cmds:
        if name == "official" and args.official_repeat == 0 and outs["official"].exists() \
                and outs["official"].stat().st_mtime > max(gt.stat().st_mtime, pred.stat().st_mtime):
            continue  # its numbers from the earlier run on these files; not timed
        wall, rss = run(cmds[name])
        times[name].append(wall)
        mems[name].append(rss)
    official = json.loads(outs["official"].read_text())
    checks = {"bddet": compare_official(official, json.loads(outs["bddet"].read_text()))}
    for name in args.peers:
        checks[name] = compare_overall(official, json.loads(outs[name].read_text()))
    for name, (exact, total, worst) in checks.items():
        print(f"check {name:17s} {exact}/{total} numbers bit-identical to the official, largest difference {worst:g}")
    # the check run was the first timed run; repeat the rest in turn
    for i in range(1, args.repeat):
        for name, cmd in cmds.items():
            if name == "official" and i >= args.official_repeat:
                continue
            wall, rss = run(cmd)
            times[name].append(wall)
            mems[name].append(rss)

    ours = statistics.median(times["bddet"])
    print()
    print(f"{'evaluator':18s} {'input':14s} {'median':>8s} {'peak RSS':>9s}  {'bddet is':>9s}  runs")
    order = sorted(cmds, key=lambda n: statistics.median(times[n]) if times[n] else math.inf)
    for name in order:
        if not times[name]:
            continue
        med = statistics.median(times[name])
        ratio = "" if name == "bddet" else f"{med / ours:8.2f}x"
        ok = "" if name not in checks or checks[name][0] == checks[name][1] else "  (numbers differ!)"
        print(f"{name:18s} {inputs[name]:14s} {med:7.2f}s {max(mems[name]):7.0f} MiB  {ratio:>9s}  "
              f"{', '.join(f'{t:.2f}' for t in times[name])}{ok}")
    matching = [n for n in args.peers if checks[n][0] == checks[n][1]]
    if matching:
        fastest = min(matching, key=lambda n: statistics.median(times[n]))
        f_med = statistics.median(times[fastest])
        print(f"fastest peer with the official numbers: {fastest}; bddet eval is {f_med / ours:.2f}x its speed, "
              f"with {max(mems['bddet']) / max(mems[fastest]):.2f}x its peak memory")
    warm = subprocess.run([sys.executable, "-c", WARM, str(gt), str(pred), str(max(3, args.repeat))],
                          capture_output=True, text=True, check=True)
    figures = json.loads(warm.stdout.strip().splitlines()[-1])
    print(f"bddet warm: a second bddet.evaluate() in one process {figures['second']:.2f} s; with the ground "
          f"truth already parsed {figures['gt_parsed']:.2f} s (medians); cold, as above: {ours:.2f} s")


if __name__ == "__main__":
    main()
