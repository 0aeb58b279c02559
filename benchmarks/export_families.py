"""`bddet export` on one model of each zoo family, with seeded random weights, at 1280x720.

    .venv/bin/python benchmarks/export_families.py [--check 3] [--out /tmp/bddet-export-families] [MODEL ...]

The zoo's weights are offline, so each model gets seeded random weights, with its classifiers
and box regressors scaled on one noise image (logits of std 2, deltas of std 0.3) so that scores
vary and boxes stay in the image, as a trained model's do: untouched random weights score every
box alike (and the parity check then compares ties) or send Sparse R-CNN's boxes to 1e5 pixels.
Each model runs in its own process: export_onnx() with the parity gate on ``--check`` textured
sample frames of 1280x720 (its default outside a workspace). Prints one JSON line per model and
a Markdown table for the README.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
import logging
from pathlib import Path

FAMILIES = {  # family: a model of it (the smallest backbone and schedule)
    "Faster R-CNN": "faster_rcnn_r50_fpn_1x", "RetinaNet": "retinanet_r50_fpn_1x",
    "Cascade R-CNN": "cascade_rcnn_r50_fpn_1x", "FCOS": "fcos_r50_fpn_1x",
    "Deformable ConvNets v2": "faster_rcnn_r50_fpn_dconv_1x", "Libra R-CNN": "libra_faster_rcnn_r50_fpn_1x",
    "HRNet": "faster_rcnn_hrnetv2p_w18_1x", "ATSS": "atss_r50_fpn_1x", "Sparse R-CNN": "sparse_rcnn_r50_fpn_1x",
    "DyHead": "atss_r50_fpn_dyhead_1x", "Swin Transformer": "faster_rcnn_swin-t_fpn_1x",
    "Pyramid Vision Transformer": "retinanet_pvt-t_fpn_1x", "Pyramid Vision Transformer v2": "retinanet_pvtv2-b0_fpn_1x",
    "ResNet Strikes Back": "retinanet_r50_fpn_rsb_1x", "ConvNeXt": "cascade_rcnn_convnext-t_fpn_fp16_1x",
}
EXTRA = ["cascade_rcnn_swin-t_fpn_3x", "faster_rcnn_convnext-t_fpn_fp16_1x", "fcos_tricks_r50_fpn_1x"]


def one(name: str, outdir: Path, check: int) -> dict:
    import torch

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    from bddet.zoo.catalogue import resolve_model
    from bddet.zoo.config_files import prepare_model_config
    from mmdet.registry import MODELS
    m = resolve_model(name, None)
    cfg = prepare_model_config(m.config)
    def drop_init(d):
        if isinstance(d, dict):
            if "init_cfg" in d and isinstance(d["init_cfg"], dict) and d["init_cfg"].get("type") == "Pretrained":
                d["init_cfg"] = None
            for v in d.values(): drop_init(v)
    drop_init(cfg.model)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model); model.init_weights()
    # calibrate the classifiers: logits spread like a trained model's (std 2 over one noise image),
    # so that scores are varied and some pass the threshold, rather than all alike
    from mmdet.structures import DetDataSample
    model.eval()
    # and the box regressors' deltas small (std 0.3), as a trained model's are: random ones send
    # boxes out of the image, and Sparse R-CNN's six refinements to 1e5 pixels
    heads = {n: mod for n, mod in model.named_modules() if n.split(".")[-1].endswith(("cls", "reg")) and isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear))}
    # FCOS regresses distances to the box sides (exp, or clamped at 0 with norm_on_bbox): a bias
    # of 1.5 keeps them positive, as trained ones are; at 0, half of them clamp to exactly 0 and
    # give zero-width boxes, where NMS jumps (a zero-area box suppresses nothing, a 1e-6 one can)
    reg_bias = 1.5 if type(getattr(model, "bbox_head", None)).__name__ == "FCOSHead" else 0.0
    done = set()
    for _pass in range(2):  # a second pass reaches the R-CNN heads when the first RPN proposed nothing
        stds = {}
        hooks = [mod.register_forward_hook(lambda mod, i, o, n=n: stds.setdefault(n, []).append(o.float().std().item())) for n, mod in heads.items() if n not in done]
        x = torch.randn(1, 3, 736, 1280, generator=torch.Generator().manual_seed(_pass))
        s = DetDataSample(metainfo=dict(img_shape=(720, 1280), ori_shape=(720, 1280), scale_factor=(1.0, 1.0), pad_shape=(736, 1280), batch_input_shape=(736, 1280)))
        with torch.no_grad():
            model.predict(x, [s])
        for h in hooks: h.remove()
        with torch.no_grad():
            for n, mod in heads.items():
                if n in done or n not in stds or not stds[n]:
                    continue
                sd = max(sum(stds[n]) / len(stds[n]), 1e-6)
                cls = n.endswith("cls")
                mod.weight.mul_((2.0 if cls else 0.3) / sd)
                if mod.bias is not None:
                    mod.bias.fill_(-2.0 if cls else reg_bias)
                done.add(n)
    ck = outdir / f"{name}.pth"
    torch.save({"state_dict": model.state_dict()}, ck)
    del model
    from bddet.deploy.export import export_onnx
    t = time.perf_counter()
    rec = {"model": name}
    try:
        r = export_onnx(name, weights=ck, out=outdir / "onnx", check=check)
        rec.update(ok=True, seconds=round(time.perf_counter() - t, 1), size_mb=round(r.size_bytes / 2**20, 1), parity=r.parity.to_dict() if r.parity else None)
    except Exception as e:
        rec.update(ok=False, seconds=round(time.perf_counter() - t, 1), error=f"{type(e).__name__}: {e}")
    return rec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*")
    ap.add_argument("--check", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bddet-export-families"))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args.out, args.check)), flush=True)
        return
    family_of = {m: f for f, m in FAMILIES.items()}
    rows = []
    for name in args.models or [*FAMILIES.values(), *EXTRA]:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-W", "ignore", __file__, "--one", name, "--check", str(args.check),
                               "--out", str(args.out)], capture_output=True, text=True)
        found = [line[7:] for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        rec = json.loads(found[-1]) if found else {"model": name, "ok": False,
                                                     "error": (proc.stderr.strip().splitlines() or ["crashed"])[-1]}
        rec["wall_s"] = round(time.perf_counter() - t, 1)
        print(json.dumps(rec), flush=True)
        for f in (args.out / f"{name}.pth", args.out / "onnx" / f"{name}.onnx"):
            f.unlink(missing_ok=True)
        rows.append(rec)
    print("\n| family | model | result | boxes matched | max abs Δ coord (px) | max abs Δ score | export s | MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        p = r.get("parity") or {}
        result = "exported, parity ✓" if r.get("ok") else "refused: " + r.get("error", "").split(": ", 1)[-1][:160]
        matched = f"{p['matched']}/{max(p['boxes_pytorch'], p['boxes_onnx'])}" if p else ""
        coord = f"{p['max_coord_diff']:.1e}" if p else ""
        score = f"{p['max_score_diff']:.1e}" if p else ""
        print(f"| {family_of.get(r['model'], '(also)')} | {r['model']} | {result} | {matched} | {coord} | {score} | "
              f"{r.get('seconds', '')} | {r.get('size_mb', '')} |")


if __name__ == "__main__":
    main()
