# BDD100K detection data, single-scale training at 1280x720
# (SysCV/bdd100k-models det/configs/_base_/datasets/bdd100k.py, in MMDetection 3.x terms).
# Paths are the BDD100K layout below a data root that bddet fills in from the workspace;
# labels are read as Scalabel det_20 JSON directly (bddet.mm.dataset), no COCO step.
custom_imports = dict(imports=['bddet.mm'],
                      allow_failed_imports=False)
dataset_type = 'BDD100KDetDataset'
data_root = ''
backend_args = None
# 'file_name' (the frame name) travels with each image so results keep the label files' names
meta_keys = ('img_id', 'img_path', 'file_name', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction')

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=4,  # per GPU; the zoo trained on 8 GPUs x 4 images
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='labels/det_20/det_train.json',
                 data_prefix=dict(img='images/100k/train/'), filter_cfg=dict(filter_empty_gt=True),
                 pipeline=train_pipeline, backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='labels/det_20/det_val.json',
                 data_prefix=dict(img='images/100k/val/'), test_mode=True, pipeline=test_pipeline,
                 backend_args=backend_args))
test_dataloader = val_dataloader
# the official BDD100K metrics (bdd100k.eval.run -t det), computed by bddet.evaluate
val_evaluator = dict(type='BDD100KDetMetric', ann_file='labels/det_20/det_val.json')
test_evaluator = val_evaluator
