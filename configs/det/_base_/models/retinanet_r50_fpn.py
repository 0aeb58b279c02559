# RetinaNet R-50-FPN as MMDetection ships it, tested as the zoo's original stack tested it.
# min_bbox_size=-1: MMDetection 3.x's dense heads drop boxes of zero width or height whenever
# min_bbox_size >= 0 (BaseDenseHead._bbox_post_process); 2.28's dense heads never did (only its
# RPN did), so a box clipped to zero size at the border kept its place among the 100 per image.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'

model = dict(test_cfg=dict(min_bbox_size=-1))
