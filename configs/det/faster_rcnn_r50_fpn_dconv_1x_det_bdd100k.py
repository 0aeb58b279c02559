# Faster R-CNN, R-50-FPN, 1x schedule.
# BDD100K zoo model faster_rcnn_r50_fpn_dconv_1x_det_bdd100k: published box AP 32.09 val, 30.93 test.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/datasets/bdd100k.py',
    './_base_/schedules/schedule_1x.py',
    './_base_/default_runtime.py',
]

# deformable convolutions (DCNv1, 'dconv') in stages 3-5, as the original
model = dict(
    backbone=dict(depth=50, dcn=dict(type='DCN', deform_groups=1, fallback_on_stride=False),
                  stage_with_dcn=(False, True, True, True), init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    roi_head=dict(bbox_head=dict(num_classes=10)))
