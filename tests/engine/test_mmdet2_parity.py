"""The zoo's original stack (mmdet 2.28) semantics at inference: the heads and pipelines built
from the real configs, driven with constructed inputs where the 2.x and 3.x code paths part."""
import functools

import numpy as np
import pytest
import torch

from bddet.zoo.catalogue import resolve_model_name
from bddet.zoo.config_files import config_path, prepare_model_config

W, H = 1280, 720


def head_of(model: str, **test_cfg):
    from mmdet.registry import MODELS

    cfg = prepare_model_config(config_path(resolve_model_name(model)))
    cfg.model.bbox_head.test_cfg = {**cfg.model.test_cfg, **test_cfg}
    return MODELS.build(cfg.model.bbox_head).eval(), cfg.model.test_cfg


def retina_outputs(head):
    """Head outputs giving 101 well-separated boxes of one class on the first level (anchors as
    they are) and, with the top score, one pushed off the right border: clipped to zero width."""
    sizes = [((H + s - 1) // s, (W + s - 1) // s) for s in (8, 16, 32, 64, 128)]
    a, c = head.num_base_priors, head.cls_out_channels
    cls = [torch.full((1, a * c, h, w), -20.0) for h, w in sizes]
    box = [torch.zeros((1, a * 4, h, w)) for h, w in sizes]
    h0, w0 = sizes[0]
    cells = [(y, x) for y in range(2, h0 - 2, 8) for x in range(2, w0 - 2, 8)][:101]  # 64 px apart: no overlap
    for k, (y, x) in enumerate(cells):
        cls[0][0, 2, y, x] = 5.0 - 0.01 * k           # anchor 0, class 2 (car), scores falling with k
    y, x = 30, w0 - 1                                 # the last column: pushed right off the image
    cls[0][0, 2, y, x] = 9.0
    box[0][0, 0, y, x] = 40.0                         # dx: far beyond the border
    return cls, box, cells


@pytest.mark.parametrize("model", ["retinanet_r50_fpn_1x", "atss_r50_fpn_1x", "fcos_r50_fpn_1x"])
def test_a_dense_heads_test_cfg_keeps_zero_size_boxes_as_mmdet2_did(model):
    head, test_cfg = head_of(model)
    assert test_cfg.min_bbox_size == -1 and test_cfg.max_per_img == 100


def test_a_box_clipped_to_zero_width_survives_into_det_json_under_the_100_box_cap():
    from bddet.data.det_output import detections_to_frame

    meta = [{"img_shape": (H, W), "scale_factor": (1.0, 1.0), "ori_shape": (H, W)}]
    kept = {}
    for min_size in (-1, 0):  # the zoo's config (2.x), and MMDetection 3.x's default
        head, _ = head_of("retinanet_r50_fpn_1x", min_bbox_size=min_size)
        cls, box, cells = retina_outputs(head)
        with torch.no_grad():
            result = head.predict_by_feat(cls, box, batch_img_metas=meta, rescale=True)[0]
        kept[min_size] = result
    ours, v3 = kept[-1], kept[0]
    assert len(ours) == len(v3) == 100
    widths = ours.bboxes[:, 2] - ours.bboxes[:, 0]
    assert widths[0] == 0 and ours.bboxes[0, 0] == W and ours.scores[0] == ours.scores.max()
    assert (v3.bboxes[:, 2] - v3.bboxes[:, 0] > 0).all()                # 3.x dropped it ...
    assert ours.scores.min() > v3.scores.min()                          # ... and let the 101st in
    frame = detections_to_frame("a.jpg", ours.bboxes.numpy(), ours.scores.numpy(), ours.labels.numpy())
    first = frame["labels"][0]["box2d"]
    assert len(frame["labels"]) == 100 and first["x1"] == W and first["x2"] == W - 1  # x2 < x1: zero width


def test_fcos_loads_float32_images_and_resizes_them_unrounded(tmp_path):
    import cv2
    import mmcv
    from mmengine.dataset import Compose

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)  # needs resizing to the 1280x720 test scale
    path = tmp_path / "small.png"
    cv2.imwrite(str(path), img)
    cfg = prepare_model_config(config_path(resolve_model_name("fcos_r50_fpn_1x")))
    pipeline = cfg.test_dataloader.dataset.pipeline
    assert pipeline[0]["type"] == "LoadImageFromFile" and pipeline[0]["to_float32"] is True
    out = Compose(pipeline)(dict(img_path=str(path), img_id=0))
    pixels = out["inputs"].permute(1, 2, 0).numpy()
    assert out["inputs"].dtype == torch.float32 and pixels.shape == (720, 1280, 3)
    np.testing.assert_array_equal(pixels, mmcv.imrescale(img.astype(np.float32), (1280, 720)))
    assert not np.array_equal(pixels, mmcv.imrescale(img, (1280, 720)).astype(np.float32))  # not uint8's


def test_rescaling_divides_by_the_float32_scale_as_mmdet2_did():
    from mmdet.models.dense_heads import base_dense_head

    from bddet.engine.mmdet2_parity import mmdet2_rescale

    original = base_dense_head.scale_boxes
    boxes = torch.tensor([[101.3, 57.9, 999.7, 612.1], [0.1, 0.2, 1279.9, 719.9]])
    for w, h in ((1920, 1080), (640, 360), (1241, 376), (333, 777)):
        scale = min(1280 / max(w, h), 720 / min(w, h))
        s_w, s_h = int(w * scale + 0.5) / w, int(h * scale + 0.5) / h
        with mmdet2_rescale():
            ours = base_dense_head.scale_boxes(boxes.clone(), [1 / s_w, 1 / s_h])  # as 3.x's heads call it
        mmdet2 = boxes / boxes.new_tensor(np.array([s_w, s_h, s_w, s_h], dtype=np.float32))
        assert torch.equal(ours, mmdet2)
    assert base_dense_head.scale_boxes is original  # put back afterwards


def test_mixed_precision_runs_box_decoding_nms_and_roi_align_in_fp32():
    """On a CPU the check uses CPU autocast (bfloat16): the same regions as CUDA's float16 on a GPU."""
    from mmdet.registry import MODELS

    from bddet.engine.mmdet2_parity import mmdet2_mixed_precision

    cfg = prepare_model_config(config_path(resolve_model_name("faster_rcnn_r50_fpn_1x")))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    seen = {}

    def spy(name, method):
        @functools.wraps(method)  # keeps the signature the fp32 region binds the arguments with
        def call(*args, **kwargs):
            tensors = [a for a in args if isinstance(a, torch.Tensor)] + \
                      [t for a in args if isinstance(a, (list, tuple)) for t in a if isinstance(t, torch.Tensor)]
            seen[name] = {t.dtype for t in tensors}
            return method(*args, **kwargs)
        return call

    model.rpn_head.predict_by_feat = spy("rpn", model.rpn_head.predict_by_feat)
    model.roi_head.bbox_head.predict_by_feat = spy("rcnn", model.roi_head.bbox_head.predict_by_feat)
    mmdet2_mixed_precision(model)
    from mmdet.structures import DetDataSample

    sample = DetDataSample(metainfo={"img_shape": (128, 192), "ori_shape": (128, 192), "scale_factor": (1.0, 1.0),
                                     "pad_shape": (128, 192)})
    data = {"inputs": [torch.rand(3, 128, 192) * 255], "data_samples": [sample]}
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        result = model.test_step(data)[0]
    assert seen["rpn"] == {torch.float32} and torch.float32 in seen["rcnn"] and torch.bfloat16 not in seen["rcnn"]
    assert result.pred_instances.bboxes.dtype == torch.float32
