import json
import math

import yaml

from bddet.data.synthetic_labels import make_det_frames
from bddet.workspace import MANIFEST_NAME, Workspace, init_workspace


def make_workspace(tmp_path, n_frames=30, seed=7):
    data = tmp_path / "bdd100k"
    (data / "labels" / "det_20").mkdir(parents=True)
    gt_frames, pred_frames = make_det_frames(n_frames, seed=seed)
    (data / "labels" / "det_20" / "det_val.json").write_text(json.dumps(gt_frames))
    init_workspace(tmp_path, data)
    preds = tmp_path / "runs" / "infer-1" / "det.json"
    preds.parent.mkdir(parents=True)
    preds.write_text(json.dumps(pred_frames))
    with Workspace(tmp_path).edit() as m:
        m["infer_runs"]["infer-1"] = {"model": "faster_rcnn_r50_fpn_1x_det_bdd100k", "set": "val",
                                      "predictions": "runs/infer-1/det.json"}
        m["current"]["run"] = "infer-1"
    return data, preds


def test_eval_set_val_defaults_to_the_current_run_and_records_the_result(cli, tmp_path):
    make_workspace(tmp_path)
    result = cli("eval", "--set", "val", "--out", "scores.json")
    assert result.exit_code == 0, result.output
    table = result.stdout
    for cls in ("pedestrian", "traffic sign", "OVERALL"):
        assert cls in table
    assert "faster_rcnn_r50_fpn_1x: published val AP 31.04, ours" in table
    official_shape = json.loads((tmp_path / "scores.json").read_text())
    assert list(official_shape) == ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs",
                                    "ARm", "ARl"]
    assert list(official_shape["AP"][1]) == ["OVERALL"] and len(official_shape["AP"][0]) == 10
    record = yaml.safe_load((tmp_path / MANIFEST_NAME).read_text())["eval_results"]["eval-1"]
    assert record["run"] == "infer-1" and record["set"] == "val"
    assert record["AP"] == round(official_shape["AP"][1]["OVERALL"], 4)


def test_eval_by_condition_prints_a_row_per_value(cli, tmp_path):
    make_workspace(tmp_path)
    result = cli("eval", "--by", "timeofday", "--by", "weather", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data["by"]) == {"timeofday", "weather"}
    assert set(data["by"]["timeofday"]) <= {"daytime", "night", "dawn/dusk"}
    table = cli("eval", "--by", "scene").stdout
    assert "OVERALL by scene" in table and "city street" in table


def test_eval_with_explicit_files_works_outside_a_workspace(cli, tmp_path):
    gt_frames, pred_frames = make_det_frames(10, seed=8)
    (tmp_path / "gt.json").write_text(json.dumps(gt_frames))
    (tmp_path / "pred.json").write_text(json.dumps(pred_frames))
    result = cli("eval", "--gt", "gt.json", "--preds", "pred.json", "--json")
    assert result.exit_code == 0
    overall = json.loads(result.stdout)["metrics"]["AP"][1]["OVERALL"]
    assert 0 < overall < 100
    assert not (tmp_path / MANIFEST_NAME).exists()


def test_empty_predictions_warn_and_score_zero(cli, tmp_path):
    gt_frames, _ = make_det_frames(5, seed=9)
    (tmp_path / "gt.json").write_text(json.dumps(gt_frames))
    (tmp_path / "pred.json").write_text("[]")
    result = cli("eval", "--gt", "gt.json", "--preds", "pred.json", "--json")
    assert result.exit_code == 0 and "no predictions for any labelled frame" in result.stderr
    assert json.loads(result.stdout)["metrics"]["AP"][1]["OVERALL"] == 0.0


def test_bad_inputs_are_one_red_line(cli, tmp_path):
    (tmp_path / "gt.json").write_text(json.dumps([{"name": "a.jpg", "labels": []}]))
    (tmp_path / "pred.json").write_text(json.dumps([{"name": "a.jpg", "labels": [
        {"id": "1", "category": "lane", "score": 0.3, "box2d": {"x1": 0, "y1": 0, "x2": 3, "y2": 3}}]}]))
    result = cli("eval", "--gt", "gt.json", "--preds", "pred.json", "--out", "o.json")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "frame 'a.jpg'" in result.stderr and "'lane'" in result.stderr
    assert not (tmp_path / "o.json").exists()
    missing = cli("eval", "--gt", "gt.json", "--preds", "nope.json")
    assert missing.exit_code == 1 and "nope.json: no such file" in missing.stderr
    no_ws = cli("eval", "--set", "val")
    assert no_ws.exit_code == 1 and "bddet init" in no_ws.stderr
    assert cli("eval", "--by", "season", "--gt", "gt.json", "--preds", "pred.json").exit_code == 2


def test_unknown_run_id_lists_the_known_ones(cli, tmp_path):
    make_workspace(tmp_path)
    result = cli("eval", "--preds", "infer-9")
    assert result.exit_code == 1 and "no inference run 'infer-9' (known: infer-1)" in result.stderr


def test_nan_in_official_shape_output_matches_json_dump(cli, tmp_path):
    gt_frames, pred_frames = make_det_frames(8, seed=10)
    (tmp_path / "gt.json").write_text(json.dumps(gt_frames))
    (tmp_path / "pred.json").write_text(json.dumps(pred_frames))
    assert cli("eval", "--gt", "gt.json", "--preds", "pred.json", "--out", "o.json").exit_code == 0
    out = json.loads((tmp_path / "o.json").read_text())
    assert math.isnan(out["AP"][0]["train"]) and "NaN" in (tmp_path / "o.json").read_text()


def test_a_run_on_another_set_is_not_scored_against_val(cli, tmp_path):
    make_workspace(tmp_path)
    with Workspace(tmp_path).edit() as m:
        m["infer_runs"]["infer-1"]["set"] = "test"
    result = cli("eval", "--set", "val")
    assert result.exit_code == 1 and "predicted the test set" in result.stderr


def test_json_output_is_strict_json_with_nan_as_null_and_out_keeps_the_official_nan(cli, tmp_path):
    make_workspace(tmp_path)
    result = cli("eval", "--json", "--out", "scores.json")
    assert result.exit_code == 0, result.output

    def no_constants(name):
        raise AssertionError(f"{name} is not JSON")

    data = json.loads(result.stdout, parse_constant=no_constants)
    per_class = data["metrics"]["AP"][0]
    assert per_class["train"] is None  # no train in the generated ground truth: NaN officially
    assert isinstance(per_class["car"], float)
    official_shape = json.loads((tmp_path / "scores.json").read_text())
    assert math.isnan(official_shape["AP"][0]["train"])  # the --out file stays as the official writes it


def test_a_path_that_is_no_prediction_file_gets_the_readers_message_not_a_run_lookup(cli, tmp_path):
    make_workspace(tmp_path)
    (tmp_path / "folder").mkdir()
    for value, words in (("/dev/null", "the file is empty"), (str(tmp_path / "folder"), "a folder with no .json files"),
                         ("nope/det.json", "no such file")):
        result = cli("eval", "--preds", value)
        assert result.exit_code == 1 and words in result.stderr and "no inference run" not in result.stderr, value
        assert result.stderr.count("error:") == 1
