"""bddet vis: rendered pixels, filters, error colours, gallery and missing images."""
import json

import pytest
from PIL import Image

from bddet.data.categories import CLASS_PALETTE as CLASS_COLOURS
from bddet.vis.drawing import FP_COLOUR, MISS_COLOUR, TP_COLOUR

W, H = 640, 360


def box(x1, y1, x2, y2):
    return {"x1": x1, "y1": y1, "x2": x2, "y2": y2}


@pytest.fixture
def scene(tmp_path):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (W, H), (90, 90, 90)).save(imgs / name, quality=95)
    gt = [{"name": "a.jpg", "labels": [
        {"id": "1", "category": "car", "box2d": box(40, 40, 199, 159)},
        {"id": "2", "category": "pedestrian", "box2d": box(400, 60, 479, 259)},            # missed
        {"id": "3", "category": "truck", "attributes": {"crowd": True}, "box2d": box(250, 200, 349, 299)}]},
        {"name": "b.jpg", "labels": []}]
    preds = [{"name": "a.jpg", "labels": [
        {"id": "p1", "category": "car", "score": 0.9, "box2d": box(42, 42, 199, 159)},     # true positive
        {"id": "p2", "category": "bus", "score": 0.8, "box2d": box(500, 280, 599, 339)},   # false positive
        {"id": "p3", "category": "car", "score": 0.1, "box2d": box(300, 20, 379, 99)}]}]   # below --score-thr
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "preds.json").write_text(json.dumps(preds))
    return tmp_path


def near(pixel, colour, tol=60):
    return all(abs(a - b) <= tol for a, b in zip(pixel, colour))


def run(cli, scene, *extra):
    return cli("vis", str(scene / "out"), "--preds", str(scene / "preds.json"), "--images", str(scene / "imgs"),
               *extra)


def test_boxes_are_drawn_in_the_class_colour_at_their_coordinates(cli, scene):
    result = run(cli, scene)
    assert result.exit_code == 0, result.output
    img = Image.open(scene / "out" / "a.jpg").convert("RGB")
    assert near(img.getpixel((42, 100)), CLASS_COLOURS[2])    # car: left edge
    assert near(img.getpixel((199, 100)), CLASS_COLOURS[2])   # car: right edge
    assert near(img.getpixel((120, 100)), (90, 90, 90))       # inside the box: untouched
    assert near(img.getpixel((500, 310)), CLASS_COLOURS[4])   # bus
    assert near(img.getpixel((300, 60)), (90, 90, 90))        # the 0.1 car is below the 0.3 threshold


def test_score_threshold_and_class_filters(cli, scene):
    assert run(cli, scene, "--score-thr", "0.05", "--classes", "car").exit_code == 0
    img = Image.open(scene / "out" / "a.jpg").convert("RGB")
    assert near(img.getpixel((300, 60)), CLASS_COLOURS[2])    # low-score car now shown
    assert near(img.getpixel((500, 310)), (90, 90, 90))       # bus filtered out by class


def test_errors_colour_true_positive_false_positive_and_miss(cli, scene):
    result = run(cli, scene, "--gt", str(scene / "gt.json"), "--errors")
    assert result.exit_code == 0, result.output
    img = Image.open(scene / "out" / "a.jpg").convert("RGB")
    assert near(img.getpixel((42, 100)), TP_COLOUR)
    assert near(img.getpixel((500, 310)), FP_COLOUR)
    missed_edge = [img.getpixel((x, 60)) for x in range(400, 480)]  # dashed top edge of the pedestrian
    assert sum(near(p, MISS_COLOUR) for p in missed_edge) > 20
    shaded = img.getpixel((300, 250))                                # crowd region: shaded, not a box
    assert shaded != (90, 90, 90) and near(shaded, (110, 110, 110), tol=40)
    page = (scene / "out" / "index.html").read_text()
    # every picture is listed, worst first: a.jpg has 1 FP and 1 miss, b.jpg (ground truth only) none
    assert page.index('data-name="a.jpg"') < page.index('data-name="b.jpg"')
    assert "1 FP · 1 missed" in page and 'src="thumbs/a.jpg"' in page and 'href="b.jpg"' in page
    assert (scene / "out" / "thumbs" / "b.jpg").is_file()


def test_missing_images_are_listed_and_the_rest_render(cli, scene):
    (scene / "imgs" / "a.jpg").unlink()
    result = run(cli, scene, "--gt", str(scene / "gt.json"))
    assert result.exit_code == 0
    assert "1 images could not be read" in result.stderr and "a.jpg" in result.stderr
    assert (scene / "out" / "b.jpg").is_file() and not (scene / "out" / "a.jpg").exists()


def test_bad_vis_inputs(cli, scene):
    (scene / "empty.json").write_text("[]")
    empty = cli("vis", str(scene / "o"), "--preds", str(scene / "empty.json"), "--images", str(scene / "imgs"))
    assert empty.exit_code == 1 and "holds no frames" in empty.stderr
    no_gt = run(cli, scene, "--errors")
    assert no_gt.exit_code == 1 and "--errors needs ground truth" in no_gt.stderr
    bad_cls = run(cli, scene, "--classes", "car,dog")
    assert bad_cls.exit_code == 1 and "unknown class dog" in bad_cls.stderr
