"""MMDetection 3.3's inference for the zoo's detectors, written as modules torch.onnx can trace.

A graph takes the normalised, padded image ``(1, 3, H, W)`` and the image's ``scale_factor``
``(w, h)`` (resized size over original), and returns ``boxes (K, 4)`` in the original image's
pixels, ``scores (K,)`` and ``labels (K,)``: what ``model.predict(..., rescale=True)`` returns,
post-processing and NMS included, so that a runtime needs nothing but the file.

Each step follows MMDetection's code for the same step line by line (the functions named in the
comments), with what the tracer cannot keep rewritten to the same effect:

- sizes known only from data (``min(nms_pre, n)``, ``if inds.numel()``) become slices with
  constant bounds and index operations that work on empty tensors;
- the box coders are called as their plain functions: under export MMDetection's ``decode``
  branches into an ONNX path of MMDetection 2.x that no longer exists;
- priors (anchors, points) and the per-level ``nms_pre`` decisions depend on the feature-map
  sizes, which a static input fixes: they are computed once, at the export's input size;
- boxes are rescaled by division by the float32 scale factor, as bddet's PyTorch path does (the
  original stack's rounding, engine/mmdet2_parity.py).

``graph_for(model, ...)`` picks the graph for a built detector, or raises ExportError naming what
has none.
"""
from __future__ import annotations

from ..errors import BddetError


class ExportError(BddetError):
    """A model, option or file that cannot be exported (one line says which and why)."""


def _torch():
    import torch

    return torch


def _decode(coder, priors, deltas, img_shape):
    """``coder.decode(priors, deltas, max_shape=img_shape)`` through the coder's plain function."""
    from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import delta2bbox

    name = type(coder).__name__
    if name == "DeltaXYWHBBoxCoder":
        return delta2bbox(priors, deltas, coder.means, coder.stds, img_shape if coder.clip_border else None,
                          16 / 1000, coder.clip_border, coder.add_ctr_clamp, coder.ctr_clamp)
    if name == "DistancePointBBoxCoder":  # distance2bbox, with its in-place clamp written out
        torch = _torch()
        x1, y1 = priors[:, 0] - deltas[:, 0], priors[:, 1] - deltas[:, 1]
        x2, y2 = priors[:, 0] + deltas[:, 2], priors[:, 1] + deltas[:, 3]
        if coder.clip_border:
            h, w = img_shape
            x1, x2 = x1.clamp(0, w), x2.clamp(0, w)
            y1, y2 = y1.clamp(0, h), y2.clamp(0, h)
        return torch.stack([x1, y1, x2, y2], -1)
    raise ExportError(f"the box coder {name} has no ONNX path in bddet")


def _nms_settings(cfg, where: str) -> float:
    nms = cfg.get("nms") or {}
    kind = nms.get("type", "nms")
    if kind != "nms":
        raise ExportError(f"{where} uses {kind}, which has no ONNX operator (NonMaxSuppression is plain NMS)")
    if nms.get("class_agnostic"):
        raise ExportError(f"{where}: class-agnostic NMS is not written for export")
    return float(nms["iou_threshold"])


def _rescale(boxes, scale_factor):
    """Boxes in the resized image -> the original image: divided by (w, h, w, h) of the scale."""
    return boxes / scale_factor.repeat(2)[None]


def _drop_small(cfg, bboxes, *others):
    """_bbox_post_process's ``min_bbox_size`` (off below 0): the boxes wider and taller than it,
    and the same rows of ``others``."""
    if cfg.get("min_bbox_size", -1) < 0:
        return (bboxes, *others)
    w, h = bboxes[:, 2] - bboxes[:, 0], bboxes[:, 3] - bboxes[:, 1]
    ok = ((w > cfg.min_bbox_size) & (h > cfg.min_bbox_size)).nonzero(as_tuple=False)[:, 0]
    return (bboxes[ok], *(t[ok] for t in others))


def _module_base():
    return _torch().nn.Module


class DenseHeadPost(_module_base()):
    """BaseDenseHead.predict_by_feat for one image: _predict_by_feat_single and _bbox_post_process
    (RetinaNet, FCOS, ATSS and DyHead's ATSS head)."""

    def __init__(self, head, featmap_sizes, img_shape):
        super().__init__()
        torch = _torch()
        self.head, self.cfg, self.img_shape = head, head.test_cfg, tuple(int(v) for v in img_shape)
        self.iou = _nms_settings(self.cfg, f"{type(head).__name__}'s test_cfg")
        priors = head.prior_generator.grid_priors(featmap_sizes, dtype=torch.float32, device="cpu")
        for i, p in enumerate(priors):
            self.register_buffer(f"priors{i}", p.tensor if hasattr(p, "tensor") else p)
        self.levels = len(priors)

    def forward(self, cls_scores, bbox_preds, score_factors, scale_factor):
        torch = _torch()
        head, cfg = self.head, self.cfg
        channels = head.cls_out_channels
        nms_pre, thr = cfg.get("nms_pre", -1), cfg.get("score_thr", 0)
        # filter_scores_and_topk: min(nms_pre, n) of the scores above thr; a slice [:k] keeps that
        # bound without baking n (and reproduces nms_pre = -1's [: -1] as it stands)
        take = slice(None, nms_pre) if nms_pre != 0 else slice(0, 0)
        boxes, priors, scores, labels, factors = [], [], [], [], []
        for i in range(self.levels):
            cls = cls_scores[i][0].permute(1, 2, 0).reshape(-1, channels)
            probs = cls.sigmoid() if head.use_sigmoid_cls else cls.softmax(-1)[:, :-1]
            pred = bbox_preds[i][0].permute(1, 2, 0).reshape(-1, head.bbox_coder.encode_size)
            flat = probs.reshape(-1)
            valid = (flat > thr).nonzero(as_tuple=False)[:, 0]
            values, order = flat[valid].sort(descending=True)
            values, chosen = values[take], valid[order[take]]
            n_cls = probs.shape[1]
            anchor = torch.div(chosen, n_cls, rounding_mode="floor")
            boxes.append(pred[anchor])
            priors.append(getattr(self, f"priors{i}")[anchor])
            scores.append(values)
            labels.append(chosen - anchor * n_cls)
            if score_factors is not None:
                factors.append(score_factors[i][0].permute(1, 2, 0).reshape(-1).sigmoid()[anchor])
        bboxes = _decode(head.bbox_coder, torch.cat(priors), torch.cat(boxes), self.img_shape)
        scores, labels = torch.cat(scores), torch.cat(labels)
        # _bbox_post_process: rescale, score factors, min_bbox_size, batched NMS, max_per_img
        bboxes = _rescale(bboxes, scale_factor)
        if score_factors is not None:
            scores = scores * torch.cat(factors)
        bboxes, scores, labels = _drop_small(cfg, bboxes, scores, labels)
        from .onnx_ops import batched_nms_indices

        keep = batched_nms_indices(bboxes, scores, labels, self.iou)[: cfg.max_per_img]
        return bboxes[keep], scores[keep], labels[keep]


class SingleStageGraph(_module_base()):
    """SingleStageDetector.predict: backbone, neck, head, post-processing."""

    def __init__(self, model, featmap_sizes, img_shape):
        super().__init__()
        self.model = model
        self.post = DenseHeadPost(model.bbox_head, featmap_sizes, img_shape)

    def forward(self, image, scale_factor):
        outs = self.model.bbox_head(self.model.extract_feat(image))
        factors = outs[2] if len(outs) > 2 else None
        return self.post(outs[0], outs[1], factors, scale_factor)


def _roi_features(extractor, feats, rois):
    """SingleRoIExtractor.forward without its ``if inds.numel() > 0`` and its in-place writes."""
    feats = feats[: extractor.num_inputs]
    if len(feats) == 1:
        return extractor.roi_layers[0](feats[0], rois)
    torch = _torch()
    levels = extractor.map_roi_levels(rois, len(feats))
    # each level's RoIs in a run, then back to their order: the exporter writes ``out[inds] = ...``
    # with the shapes of the trace, which breaks when a level has another count at run time
    chunks, order = [], []
    for i in range(len(feats)):
        inds = (levels == i).nonzero(as_tuple=False)[:, 0]
        chunks.append(extractor.roi_layers[i](feats[i], rois[inds]))
        order.append(inds)
    order = torch.cat(order)
    back = torch.zeros_like(order).scatter(0, order, torch.arange(order.shape[0], dtype=order.dtype))
    return torch.cat(chunks).index_select(0, back)


class TwoStageGraph(_module_base()):
    """TwoStageDetector.predict with an RPN and a StandardRoIHead or CascadeRoIHead (Faster and
    Cascade R-CNN on any backbone, Libra R-CNN, HRNet, DCN)."""

    def __init__(self, model, featmap_sizes, img_shape):
        super().__init__()
        torch = _torch()
        self.model, self.img_shape = model, tuple(int(v) for v in img_shape)
        rpn = model.rpn_head
        self.rpn_iou = _nms_settings(model.test_cfg.rpn, "the RPN's test_cfg")
        self.rcnn_iou = _nms_settings(model.test_cfg.rcnn, "the R-CNN's test_cfg")
        anchors = rpn.prior_generator.grid_priors(featmap_sizes, dtype=torch.float32, device="cpu")
        for i, a in enumerate(anchors):
            self.register_buffer(f"anchors{i}", a.tensor if hasattr(a, "tensor") else a)
        self.levels = len(anchors)

    def proposals(self, feats):
        """RPNHead._predict_by_feat_single and its _bbox_post_process (rescale=False)."""
        torch = _torch()
        head, cfg = self.model.rpn_head, self.model.test_cfg.rpn
        cls_scores, bbox_preds = head(feats)
        nms_pre = cfg.get("nms_pre", -1)
        boxes, scores, priors, levels = [], [], [], []
        for i in range(self.levels):
            cls = cls_scores[i][0].permute(1, 2, 0)
            s = cls.reshape(-1).sigmoid() if head.use_sigmoid_cls else cls.reshape(-1, 2).softmax(-1)[:, 0]
            pred = bbox_preds[i][0].permute(1, 2, 0).reshape(-1, head.bbox_coder.encode_size)
            prior = getattr(self, f"anchors{i}")
            if 0 < nms_pre < s.shape[0]:  # a static decision: the level's size is fixed
                s, order = s.sort(descending=True)
                s, order = s[:nms_pre], order[:nms_pre]
                pred, prior = pred[order], prior[order]
            boxes.append(pred)
            scores.append(s)
            priors.append(prior)
            levels.append(torch.full_like(s, i, dtype=torch.long))
        bboxes = _decode(head.bbox_coder, torch.cat(priors), torch.cat(boxes), self.img_shape)
        scores, levels = torch.cat(scores), torch.cat(levels)
        bboxes, scores, levels = _drop_small(cfg, bboxes, scores, levels)
        from .onnx_ops import batched_nms_indices

        keep = batched_nms_indices(bboxes, scores, levels, self.rpn_iou)[: cfg.max_per_img]
        return bboxes[keep]

    def detections(self, bbox_head, rois, cls_score, bbox_pred, scale_factor):
        """BBoxHead._predict_by_feat_single with multiclass_nms (score threshold included)."""
        torch = _torch()
        cfg = self.model.test_cfg.rcnn
        scores = torch.softmax(cls_score, dim=-1)
        n_reg = 1 if bbox_head.reg_class_agnostic else bbox_head.num_classes
        repeated = rois.repeat_interleave(n_reg, dim=0)
        bboxes = _decode(bbox_head.bbox_coder, repeated[:, 1:], bbox_pred.reshape(-1, bbox_head.bbox_coder.encode_size),
                         self.img_shape)
        bboxes = _rescale(bboxes, scale_factor)
        n_cls = bbox_head.num_classes
        bboxes = bboxes.reshape(rois.shape[0], -1, 4)
        if bboxes.shape[1] == 1:  # class-agnostic: one box for every class
            bboxes = bboxes.expand(rois.shape[0], n_cls, 4)
        bboxes, scores = bboxes.reshape(-1, 4), scores[:, :-1].reshape(-1)
        labels = torch.arange(n_cls).view(1, -1).expand(rois.shape[0], n_cls).reshape(-1)
        valid = (scores > cfg.score_thr).nonzero(as_tuple=False)[:, 0]  # what multiclass_nms skips under export
        bboxes, scores, labels = bboxes[valid], scores[valid], labels[valid]
        from .onnx_ops import batched_nms_indices

        keep = batched_nms_indices(bboxes, scores, labels, self.rcnn_iou)[: cfg.max_per_img]
        return bboxes[keep], scores[keep], labels[keep]

    def forward(self, image, scale_factor):
        torch = _torch()
        model = self.model
        feats = model.extract_feat(image)
        proposals = self.proposals(feats)
        rois = torch.cat([proposals.new_zeros(proposals.shape[0], 1), proposals], 1)
        head = model.roi_head
        if hasattr(head, "num_stages"):  # CascadeRoIHead._refine_roi
            stage_scores = []
            for stage in range(head.num_stages):
                bbox_head = head.bbox_head[stage]
                cls_score, bbox_pred = bbox_head(_roi_features(head.bbox_roi_extractor[stage], feats, rois))
                stage_scores.append(cls_score)
                if stage < head.num_stages - 1:
                    probs = bbox_head.loss_cls.get_activation(cls_score) if bbox_head.custom_activation else cls_score
                    label = probs[:, :-1].argmax(dim=1)
                    if not bbox_head.reg_class_agnostic:  # regress_by_class: the label's deltas
                        size = bbox_head.bbox_coder.encode_size
                        inds = torch.stack([label * size + k for k in range(size)], 1)
                        bbox_pred = torch.gather(bbox_pred, 1, inds)
                    refined = _decode(bbox_head.bbox_coder, rois[:, 1:], bbox_pred, self.img_shape)
                    rois = torch.cat([rois[:, :1], refined], 1)
            cls_score = sum(stage_scores) / float(len(stage_scores))
            bbox_head = head.bbox_head[-1]
        else:
            if head.with_shared_head:
                raise ExportError("an R-CNN head with a shared head is not written for export")
            bbox_head = head.bbox_head
            cls_score, bbox_pred = bbox_head(_roi_features(head.bbox_roi_extractor, feats, rois))
        return self.detections(bbox_head, rois, cls_score, bbox_pred, scale_factor)


class SparseGraph(_module_base()):
    """SparseRCNN.predict: learned proposals refined stage by stage, the top scores, no NMS."""

    def __init__(self, model, img_shape):
        super().__init__()
        self.model, self.img_shape = model, tuple(int(v) for v in img_shape)

    def forward(self, image, scale_factor):
        from mmdet.structures.bbox import bbox_cxcywh_to_xyxy

        torch = _torch()
        model = self.model
        h, w = self.img_shape
        feats = model.extract_feat(image)
        # EmbeddingRPNHead._decode_init_proposals
        props = bbox_cxcywh_to_xyxy(model.rpn_head.init_proposal_bboxes.weight) * feats[0].new_tensor([w, h, w, h])
        objects = model.rpn_head.init_proposal_features.weight[None]
        head = model.roi_head
        for stage in range(head.num_stages):  # SparseRoIHead._bbox_forward and DIIHead.refine_bboxes
            rois = torch.cat([props.new_zeros(props.shape[0], 1), props], 1)
            bbox_head = head.bbox_head[stage]
            cls_score, bbox_pred, objects, _ = bbox_head(_roi_features(head.bbox_roi_extractor[stage], feats, rois),
                                                          objects)
            if not bbox_head.reg_class_agnostic:
                raise ExportError("a Sparse R-CNN stage with per-class regression is not written for export")
            props = _decode(bbox_head.bbox_coder, rois[:, 1:], bbox_pred.reshape(-1, bbox_head.bbox_coder.encode_size),
                            self.img_shape)
        last = head.bbox_head[-1]
        probs = cls_score.sigmoid() if last.loss_cls.use_sigmoid else cls_score.softmax(-1)[..., :-1]
        n_cls = last.num_classes
        scores, inds = probs[0].flatten(0, 1).topk(model.test_cfg.rcnn.max_per_img, sorted=False)
        which = torch.div(inds, n_cls, rounding_mode="floor")
        return _rescale(props[which], scale_factor), scores, inds - which * n_cls


def feature_sizes(model, padded_hw) -> list[tuple[int, int]]:
    """The neck's output sizes at the export's input size, from one forward pass on zeros."""
    torch = _torch()
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, *padded_hw))
    return [tuple(int(v) for v in f.shape[-2:]) for f in feats]


def graph_for(model, padded_hw, img_shape):
    """The traceable module for a built detector (in eval mode), or ExportError."""
    from mmdet.models.detectors import SingleStageDetector, SparseRCNN, TwoStageDetector

    detector = type(model).__name__
    if isinstance(model, SparseRCNN):
        return SparseGraph(model, img_shape).eval()
    if isinstance(model, TwoStageDetector):
        rpn, roi = type(model.rpn_head).__name__, type(model.roi_head).__name__
        if rpn != "RPNHead" or roi not in ("StandardRoIHead", "CascadeRoIHead"):
            raise ExportError(f"{detector} with {rpn} and {roi}: no ONNX graph in bddet (written for RPNHead with "
                              "StandardRoIHead or CascadeRoIHead)")
        if getattr(model.roi_head, "with_mask", False):
            raise ExportError(f"{detector} has a mask head; bddet exports box detectors")
        return TwoStageGraph(model, feature_sizes(model, padded_hw), img_shape).eval()
    if isinstance(model, SingleStageDetector):
        head = type(model.bbox_head).__name__
        if head not in ("RetinaHead", "FCOSHead", "ATSSHead"):
            raise ExportError(f"{detector} with {head}: no ONNX graph in bddet (written for RetinaHead, FCOSHead "
                              "and ATSSHead)")
        return SingleStageGraph(model, feature_sizes(model, padded_hw), img_shape).eval()
    raise ExportError(f"{detector}: no ONNX graph in bddet for this kind of detector")


__all__ = ["ExportError", "SingleStageGraph", "SparseGraph", "TwoStageGraph", "feature_sizes", "graph_for"]
