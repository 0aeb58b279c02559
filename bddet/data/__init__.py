"""BDD100K data: the categories, fast Scalabel label reading, and (with mmdet) the dataset."""
