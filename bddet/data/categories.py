"""The BDD100K detection categories and mappings: the single place bddet spells them.

Source: bdd100k 1.0.1, bdd100k/configs/det.toml (the official evaluator's config).
"""
from __future__ import annotations

# In the official order; COCO-style category ids are index + 1.
CLASSES: tuple[str, ...] = ("pedestrian", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
                            "traffic light", "traffic sign")
CLASS_INDEX = {name: i for i, name in enumerate(CLASSES)}

# Applied first, to ground truth and predictions alike.
NAME_MAPPING = {"bike": "bicycle", "caravan": "car", "motor": "motorcycle", "person": "pedestrian", "van": "car"}

# Looked up after NAME_MAPPING: these become ignore regions of the target class.
IGNORED_MAPPING = {"other person": "pedestrian", "other vehicle": "car", "trailer": "truck"}

# One drawing colour per class (RGB, CLASSES order): the pictures, the videos and mmdet's
# visualiser all use these.
CLASS_PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (245, 130, 48), (0, 130, 200), (60, 180, 75), (255, 225, 25), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (250, 250, 250), (170, 110, 40))

# Frame attributes the `--by` breakdowns group on (BDD100K label format).
FRAME_CONDITIONS = ("weather", "scene", "timeofday")


def map_category(name: object) -> tuple[int, bool] | None:
    """(class index, ignored) for a label category, or None when it is not a detection category."""
    if not isinstance(name, str):
        return None
    name = NAME_MAPPING.get(name, name)
    if name in CLASS_INDEX:
        return CLASS_INDEX[name], False
    if name in IGNORED_MAPPING:
        return CLASS_INDEX[IGNORED_MAPPING[name]], True
    return None
