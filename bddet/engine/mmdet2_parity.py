"""Inference as the zoo's original stack (MMDetection 2.28, mmcv-full 1.7) computed it, where
MMDetection 3.3 computes the same thing differently. The published checkpoints were tested there,
so a user who runs them expects those boxes, bit for bit.

Two differences are undone here; the others live in the configs (min_bbox_size, FCOS's
to_float32, ConvNeXt's eps: see the README's audit) and the converter (data/det_output.py).

- Rescaling to the original image. 2.x divides the boxes by the float32 scale factor
  (``mlvl_bboxes /= mlvl_bboxes.new_tensor(scale_factor)``, base_dense_head.py and bbox_head.py);
  3.3 multiplies by float32(1 / scale) (``scale_boxes(bboxes, [1 / s for s in scale_factor])``).
  The last bits differ on any image that is resized (not BDD100K's 1280x720). mmdet2_rescale()
  divides again while it is in force: 1 / (1 / s) rounds back to float32(s) exactly, checked
  for every size of 1 to 6000 pixels at the zoo's test scale.
- Mixed precision. 2.x's wrap_fp16_model (the zoo's det/test.py calls it for a config with
  ``fp16``) runs the detector under CUDA autocast, but every ``@force_fp32`` function in fp32 with
  autocast off: the dense and RPN heads' box decoding and NMS, the RoI extractor (its output cast
  back to half), the R-CNN heads' decoding and their refinement between cascade stages.
  MMDetection 3.3 has no such regions, so autocast over ``test_step`` would decode anchors and
  RoIs in half precision; mmdet2_mixed_precision() restores the regions on a built model.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Iterator


def _divide_by_scale(boxes, reciprocal_factor):
    """scale_boxes as 2.x rescaled: the boxes divided by the float32 scale factor."""
    repeat = int(boxes.size(-1) / 2)
    scale = boxes.new_tensor([1 / r for r in reciprocal_factor]).repeat((1, repeat))
    return boxes / scale


@contextlib.contextmanager
def mmdet2_rescale() -> Iterator[None]:
    """While in force, MMDetection 3.3's dense and R-CNN heads rescale boxes as 2.x did (division)."""
    from mmdet.models.dense_heads import base_dense_head
    from mmdet.models.roi_heads.bbox_heads import bbox_head

    modules = (base_dense_head, bbox_head)
    before = [m.scale_boxes for m in modules]
    for m in modules:
        m.scale_boxes = _divide_by_scale
    try:
        yield
    finally:
        for m, original in zip(modules, before):
            m.scale_boxes = original


def _fp32_region(method, names: tuple[str, ...], out_fp16: bool = False):
    """``method`` as a 2.x ``@force_fp32(apply_to=names, out_fp16=...)`` function: under autocast,
    autocast off, the named arguments' low-precision tensors (in lists and tuples too) made float,
    and with ``out_fp16`` the float output made half again. Outside autocast, ``method`` itself."""
    import torch

    signature = inspect.signature(method)
    low = (torch.half, torch.bfloat16)

    def cast(value, to_float: bool, dtype=torch.half):
        if isinstance(value, torch.Tensor):
            if to_float:
                return value.float() if value.dtype in low else value
            return value.to(dtype) if value.dtype == torch.float else value
        if isinstance(value, (list, tuple)):
            return type(value)(cast(v, to_float, dtype) for v in value)
        return value

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        device = next((d for d in ("cuda", "cpu") if torch.is_autocast_enabled(d)), None)
        if device is None:
            return method(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        for name in names:
            if name in bound.arguments:
                bound.arguments[name] = cast(bound.arguments[name], True)
        with torch.autocast(device, enabled=False):
            output = method(*bound.args, **bound.kwargs)
        return cast(output, False, torch.get_autocast_dtype(device)) if out_fp16 else output

    return wrapper


def mmdet2_mixed_precision(model) -> None:
    """Give a built detector 2.x's fp32 regions, for running it under torch.autocast("cuda", float16)."""
    from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
    from mmdet.models.roi_heads.bbox_heads.bbox_head import BBoxHead
    from mmdet.models.roi_heads.roi_extractors.base_roi_extractor import BaseRoIExtractor

    for module in model.modules():
        if isinstance(module, BaseDenseHead):     # get_bboxes: force_fp32(apply_to=('cls_scores', 'bbox_preds'))
            module.predict_by_feat = _fp32_region(module.predict_by_feat, ("cls_scores", "bbox_preds"))
        elif isinstance(module, BaseRoIExtractor):  # forward: force_fp32(apply_to=('feats',), out_fp16=True)
            module.forward = _fp32_region(module.forward, ("feats",), out_fp16=True)
        elif isinstance(module, BBoxHead):        # get_bboxes, regress_by_class: force_fp32
            module.predict_by_feat = _fp32_region(module.predict_by_feat, ("cls_scores", "bbox_preds"))
            module.regress_by_class = _fp32_region(module.regress_by_class, ("bbox_pred",))
