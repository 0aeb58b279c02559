"""mmcv's operators as standard ONNX, for torch.onnx's TorchScript exporter, only while exporting.

mmcv 2.1.0's own export symbolics do not serve: its RoIAlign writes an invalid graph at opset 16
and above, its deformable convolutions export as custom ``mmcv::`` operators that ONNX Runtime
lacks, and ``mmcv.ops.nms`` has no symbolic at all (tracing bakes the kept indices of the trace
image into the graph as a constant). Here each becomes the ONNX operator with the same meaning:

- NMS → NonMaxSuppression: both suppress a box whose IoU with a kept one is above the threshold
  (strictly), with the same float formula and offset 0; ties in score may be kept in another order.
- RoIAlign → RoiAlign-16: ``aligned`` is ``coordinate_transformation_mode=half_pixel``, average
  pooling, adaptive sampling at ``sampling_ratio=0``; bit-identical to mmcv's CPU kernel.
- DeformConv2d / ModulatedDeformConv2d → DeformConv-19 (the same offset layout: (dy, dx) per
  kernel point, grouped by offset group; the same zero outside the image).

Two modules are rewritten at the PyTorch level for the exporter, with the same numbers in eager:
DyHead's modulated convolution of the finer level (mmcv reads its 2×-sized offsets as a flat
prefix, which ONNX's DeformConv refuses), and Libra R-CNN's BFP neck (``adaptive_max_pool2d`` to a
traced size, 46 → 12 at 1280×736, which is not an integer factor and does not export).
"""
from __future__ import annotations

import contextlib
import sys
from typing import Iterator

OPSET_MIN = 19   # DeformConv appeared in opset 19; ONNX Runtime 1.31 has no RoiAlign-22 kernel
OPSET_MAX = 21


def _pair(v) -> list[int]:
    return [int(x) for x in v] if isinstance(v, (tuple, list)) else [int(v), int(v)]


def _nms_function():
    import torch

    class NMSOp(torch.autograd.Function):
        """Eager (and while tracing): mmcv's nms, what MMDetection runs; exported: NonMaxSuppression."""

        @staticmethod
        def forward(ctx, boxes, scores, iou_threshold: float):
            from mmcv.ops import nms

            return nms(boxes, scores, float(iou_threshold))[1]

        @staticmethod
        def symbolic(g, boxes, scores, iou_threshold: float):
            from torch.onnx import symbolic_opset11 as o11

            b = o11.unsqueeze(g, boxes, 0)
            s = o11.unsqueeze(g, o11.unsqueeze(g, scores, 0), 0)
            # max_output_boxes_per_class defaults to 0, which keeps nothing: every box may stay
            selected = g.op("NonMaxSuppression", b, s, g.op("Constant", value_t=torch.tensor([1 << 30])),
                            g.op("Constant", value_t=torch.tensor([float(iou_threshold)], dtype=torch.float32)))
            return o11.squeeze(g, o11.select(g, selected, 1, g.op("Constant", value_t=torch.tensor([2]))), 1)

    return NMSOp


_NMS = None


def nms_indices(boxes, scores, iou_threshold: float):
    """mmcv.ops.nms's kept indices, highest score first, that export as NonMaxSuppression."""
    global _NMS
    if _NMS is None:
        _NMS = _nms_function()
    return _NMS.apply(boxes, scores, float(iou_threshold))


def batched_nms_indices(boxes, scores, groups, iou_threshold: float):
    """mmcv.ops.batched_nms's kept indices (per group: class, or level in the RPN): its offset
    trick, each group's boxes moved by group × (largest coordinate + 1), then one NMS. A zero
    joins the maximum so that an empty input has one (boxes are clipped to >= 0, so it is the
    same maximum otherwise)."""
    import torch

    top = torch.cat([boxes.reshape(-1), boxes.new_zeros(1)]).max()
    return nms_indices(boxes + (groups.to(boxes) * (top + 1))[:, None], scores, iou_threshold)


def _roi_align_symbolic(g, input, rois, output_size, spatial_scale, sampling_ratio, pool_mode, aligned):
    import torch
    from torch.onnx import symbolic_opset11 as o11

    def const(v):
        return g.op("Constant", value_t=torch.tensor(v, dtype=torch.long))

    batch = g.op("Cast", o11.squeeze(g, o11.select(g, rois, 1, const([0])), 1), to_i=7)  # INT64
    oh, ow = _pair(output_size)
    return g.op("RoiAlign", input, o11.select(g, rois, 1, const([1, 2, 3, 4])), batch, output_height_i=oh,
                output_width_i=ow, spatial_scale_f=float(spatial_scale), sampling_ratio_i=max(0, int(sampling_ratio)),
                mode_s=pool_mode, coordinate_transformation_mode_s="half_pixel" if aligned else "output_half_pixel")


def _deform_conv_symbolic(g, input, offset, weight, stride, padding, dilation, groups, deform_groups, bias=False,
                          im2col_step=32):
    p = _pair(padding)
    return g.op("DeformConv", input, weight, offset, strides_i=_pair(stride), pads_i=[p[0], p[1], p[0], p[1]],
                dilations_i=_pair(dilation), group_i=int(groups), offset_group_i=int(deform_groups))


def _modulated_deform_conv_symbolic(g, input, offset, mask, weight, bias, stride, padding, dilation, groups,
                                    deform_groups):
    import torch

    p = _pair(padding)
    if bias is None or (hasattr(bias, "node") and bias.node().mustBeNone()):
        bias = g.op("Constant", value_t=torch.zeros(weight.type().sizes()[0]))
    return g.op("DeformConv", input, weight, offset, bias, mask, strides_i=_pair(stride),
                pads_i=[p[0], p[1], p[0], p[1]], dilations_i=_pair(dilation), group_i=int(groups),
                offset_group_i=int(deform_groups))


def _dyhead_deform_forward(original):
    """ModulatedDeformConv2d.forward taking offsets and masks computed at the finer level as mmcv
    reads them: the first out_h × out_w values of each channel's flat buffer (batch 1)."""

    def forward(self, x, offset, mask):
        kh, kw = self.kernel_size
        h, w = (int(v) for v in x.shape[-2:])
        oh = (h + 2 * self.padding[0] - self.dilation[0] * (kh - 1) - 1) // self.stride[0] + 1
        ow = (w + 2 * self.padding[1] - self.dilation[1] * (kw - 1) - 1) // self.stride[1] + 1
        if tuple(offset.shape[-2:]) != (oh, ow) and offset.shape[0] == 1:
            offset = offset.reshape(-1)[: offset.shape[1] * oh * ow].reshape(1, offset.shape[1], oh, ow)
        if tuple(mask.shape[-2:]) != (oh, ow) and mask.shape[0] == 1:
            mask = mask.reshape(-1)[: mask.shape[1] * oh * ow].reshape(1, mask.shape[1], oh, ow)
        return original(self, x, offset, mask)

    return forward


def adaptive_max_pool2d_static(x, size: tuple[int, int]):
    """F.adaptive_max_pool2d(x, size) for a static input size, in operators ONNX has: the max over
    each adaptive window [floor(i·In/Out), ceil((i+1)·In/Out)), one axis at a time."""
    import torch
    import torch.nn.functional as F

    def along(t, dim: int, n_in: int, n_out: int):
        if n_in == n_out:
            return t
        if n_in % n_out == 0:
            k = n_in // n_out
            return F.max_pool2d(t, (k, 1) if dim == 2 else (1, k))
        parts = []
        for i in range(n_out):
            start, stop = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
            parts.append(t.narrow(dim, start, stop - start).amax(dim, keepdim=True))
        return torch.cat(parts, dim)

    h, w = (int(v) for v in x.shape[-2:])
    return along(along(x, 2, h, int(size[0])), 3, w, int(size[1]))


def _bfp_forward(self, inputs):
    """mmdet's BFP.forward with adaptive_max_pool2d_static in place of F.adaptive_max_pool2d."""
    import torch.nn.functional as F

    gather_size = tuple(int(v) for v in inputs[self.refine_level].shape[2:])
    feats = []
    for i in range(self.num_levels):
        if i < self.refine_level:
            feats.append(adaptive_max_pool2d_static(inputs[i], gather_size))
        else:
            feats.append(F.interpolate(inputs[i], size=gather_size, mode="nearest"))
    bsf = sum(feats) / len(feats)
    if self.refine_type is not None:
        bsf = self.refine(bsf)
    outs = []
    for i in range(self.num_levels):
        out_size = tuple(int(v) for v in inputs[i].shape[2:])
        if i < self.refine_level:
            residual = F.interpolate(bsf, size=out_size, mode="nearest")
        else:
            residual = adaptive_max_pool2d_static(bsf, out_size)
        outs.append(residual + inputs[i])
    return tuple(outs)


@contextlib.contextmanager
def onnx_export_patches() -> Iterator[None]:
    """While in force: the symbolics above on mmcv's operator functions, and the two rewrites."""
    import mmcv.ops  # noqa: F401 - loads the modules patched below
    import mmdet.models.necks.bfp as bfp

    roi_align = sys.modules["mmcv.ops.roi_align"]
    deform = sys.modules["mmcv.ops.deform_conv"]
    modulated = sys.modules["mmcv.ops.modulated_deform_conv"]
    patches = [
        (roi_align.RoIAlignFunction, "symbolic", staticmethod(_roi_align_symbolic)),
        (deform.DeformConv2dFunction, "symbolic", staticmethod(_deform_conv_symbolic)),
        (modulated.ModulatedDeformConv2dFunction, "symbolic", staticmethod(_modulated_deform_conv_symbolic)),
        (modulated.ModulatedDeformConv2d, "forward", _dyhead_deform_forward(modulated.ModulatedDeformConv2d.forward)),
        (bfp.BFP, "forward", _bfp_forward),
    ]
    saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            if value is None:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
