"""BDD100KDetDataset follows bdd100k 1.0.1's det.toml and to_coco.py semantics."""
import pytest

from tests.fixtures.datasets import tiny_data_root, write_labels


@pytest.fixture(scope="module")
def dataset_cls():
    from bddet.mm.dataset import BDD100KDetDataset

    return BDD100KDetDataset


def box(x1, y1, x2, y2):
    return {"x1": x1, "y1": y1, "x2": x2, "y2": y2}


FRAMES = [
    {"name": "a.jpg", "labels": [
        {"id": "1", "category": "car", "box2d": box(10, 10, 19, 29)},
        {"id": "2", "category": "bike", "box2d": box(0, 0, 4, 4)},               # -> bicycle
        {"id": "3", "category": "caravan", "box2d": box(0, 0, 4, 4)},            # -> car
        {"id": "4", "category": "motor", "box2d": box(0, 0, 4, 4)},              # -> motorcycle
        {"id": "5", "category": "person", "box2d": box(0, 0, 4, 4)},             # -> pedestrian
        {"id": "6", "category": "van", "box2d": box(0, 0, 4, 4)},                # -> car
        {"id": "7", "category": "other person", "box2d": box(0, 0, 4, 4)},       # -> pedestrian, ignored
        {"id": "8", "category": "other vehicle", "box2d": box(0, 0, 4, 4)},      # -> car, ignored
        {"id": "9", "category": "trailer", "box2d": box(0, 0, 4, 4)},            # -> truck, ignored
        {"id": "10", "category": "truck", "attributes": {"crowd": True}, "box2d": box(0, 0, 4, 4)},
        {"id": "11", "category": "traffic sign", "attributes": {"ignored": "true"}, "box2d": box(0, 0, 4, 4)},
        {"id": "12", "category": "drivable area", "poly2d": []},                 # no box: skipped
    ]},
    {"name": "empty.jpg", "labels": []},
    {"name": "nolabels.jpg"},
]


def test_mapping_rules_and_ignore_regions(tmp_path, dataset_cls):
    ann = write_labels(tmp_path / "labels" / "det_20" / "det_val.json", FRAMES)
    ds = dataset_cls(data_root=str(tmp_path), ann_file="labels/det_20/det_val.json",
                     data_prefix=dict(img="images/100k/val/"), test_mode=True, pipeline=[], lazy_init=False)
    assert ds.metainfo["classes"][:3] == ("pedestrian", "rider", "car") and len(ds.metainfo["classes"]) == 10
    assert [ds.get_data_info(i)["file_name"] for i in range(len(ds))] == ["a.jpg", "empty.jpg", "nolabels.jpg"]
    inst = ds.get_data_info(0)["instances"]
    classes = ds.metainfo["classes"]
    got = [(classes[i["bbox_label"]], i["ignore_flag"]) for i in inst]
    assert got == [("car", 0), ("bicycle", 0), ("car", 0), ("motorcycle", 0), ("pedestrian", 0), ("car", 0),
                   ("pedestrian", 1), ("car", 1), ("truck", 1), ("truck", 1), ("traffic sign", 1)]
    # scalabel's COCO conversion: width x2 - x1 + 1, so mmdet's x2 is one past the label's
    assert inst[0]["bbox"] == [10.0, 10.0, 20.0, 30.0]
    assert ds.get_data_info(0)["img_path"].endswith("images/100k/val/a.jpg")
    assert str(ann).startswith(str(tmp_path))


def test_frames_without_boxes_are_dropped_for_training_only(tmp_path, dataset_cls):
    write_labels(tmp_path / "det_train.json", FRAMES)
    train = dataset_cls(data_root=str(tmp_path), ann_file="det_train.json", data_prefix=dict(img=""),
                        filter_cfg=dict(filter_empty_gt=True), pipeline=[])
    assert len(train) == 1
    test = dataset_cls(data_root=str(tmp_path), ann_file="det_train.json", data_prefix=dict(img=""),
                       filter_cfg=dict(filter_empty_gt=True), test_mode=True, pipeline=[])
    assert len(test) == 3


def test_an_image_folder_without_labels_is_a_dataset(tmp_path, dataset_cls):
    root = tiny_data_root(tmp_path / "bdd")
    ds = dataset_cls(data_root=str(root), ann_file="", data_prefix=dict(img="images/100k/test/"), test_mode=True,
                     pipeline=[])
    assert [ds.get_data_info(i)["file_name"] for i in range(len(ds))] == ["test-0000.jpg", "test-0001.jpg"]
    assert ds.get_data_info(0)["instances"] == []


def test_unknown_category_in_labels_is_reported_with_its_frame(tmp_path, dataset_cls):
    from bddet.data.det_labels import LabelError

    write_labels(tmp_path / "bad.json", [{"name": "x.jpg", "labels": [{"category": "dog", "box2d": box(0, 0, 1, 1)}]}])
    with pytest.raises(LabelError, match="frame 'x.jpg' label #0: unknown category 'dog'"):
        dataset_cls(data_root=str(tmp_path), ann_file="bad.json", data_prefix=dict(img=""), pipeline=[])
