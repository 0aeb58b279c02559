"""The rank environment under Slurm and the torchrun settings."""
from bddet.engine.dist import DistSettings, dist_backend, rank_and_world, slurm_rank_env


def test_slurm_tasks_become_torch_ranks(monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SLURM_NTASKS", "16")
    monkeypatch.setenv("SLURM_PROCID", "9")
    monkeypatch.setenv("SLURM_LOCALID", "1")
    env = slurm_rank_env(master_addr="node-a", master_port=29555)
    assert env == {"RANK": "9", "WORLD_SIZE": "16", "LOCAL_RANK": "1", "MASTER_ADDR": "node-a", "MASTER_PORT": "29555"}
    monkeypatch.setenv("RANK", "3")  # torchrun already set the ranks: Slurm's are not used
    assert slurm_rank_env("node-a") is None


def test_single_task_or_no_slurm_is_one_process(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setenv("SLURM_NTASKS", "1")
    monkeypatch.setenv("SLURM_PROCID", "0")
    assert slurm_rank_env() is None
    assert rank_and_world() == (0, 1, 0)


def test_backend_follows_the_device():
    assert DistSettings(gpus=4, nnodes=2, device="cuda").world_size == 8
    assert dist_backend("cuda") == "nccl" and dist_backend("cpu") == "gloo"


# --- faults on real multi-process runs: `bddet infer --gpus 2 --device cpu` as a user starts it ---
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

DEMO_WEIGHTS = Path(__file__).resolve().parents[2] / "configs/demo/mirror/models/retinanet_tiny_sample.pth"


@pytest.fixture
def demo_ws(tmp_path):
    """A workspace with the demo's tiny model and enough images that a 2-process run lasts a few seconds."""
    from bddet.workspace import Workspace, init_workspace, record_weights
    from tests.fixtures.datasets import tiny_data_root

    data = tiny_data_root(tmp_path / "bdd100k", n_train=1, n_val=2, n_test=1, size=(640, 360))
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    src = data / "images/100k/val/val-0000.jpg"
    for k in range(400):
        (imgs / f"{k:04d}.jpg").write_bytes(src.read_bytes())
    init_workspace(tmp_path, data)
    record_weights(Workspace(tmp_path), "retinanet_tiny_sample", DEMO_WEIGHTS, None, True)
    return tmp_path


def start_infer(ws: Path, out: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "bddet", "infer", "retinanet_tiny_sample", "--images", str(ws / "imgs"),
                             "--gpus", "2", "--device", "cpu", "--workers", "0", "--out", out, *extra],
                            cwd=ws, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for_parts(ws: Path, out: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until both ranks have written finished frames (so they are running), or fail."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        parts = list((ws / out / ".parts").glob("part-*.jsonl")) if (ws / out / ".parts").is_dir() else []
        if len(parts) == 2 and all(p.stat().st_size > 0 for p in parts):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the ranks never started writing")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_the_launching_process_stops_its_ranks(demo_ws):
    proc = start_infer(demo_ws, "killed")
    wait_for_parts(demo_ws, "killed", proc)
    ranks = [pid for pid in children(proc.pid) if alive(pid)]
    assert len(ranks) >= 2
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone: the ranks are not signalled by anyone else
    proc.wait(10)
    deadline = time.time() + 15
    while any(alive(pid) for pid in ranks) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in ranks)
    assert not (demo_ws / "killed" / "det.json").exists()
    # and what they finished is resumed
    resumed = subprocess.run([sys.executable, "-m", "bddet", "infer", "retinanet_tiny_sample", "--images",
                              str(demo_ws / "imgs"), "--device", "cpu", "--out", "killed", "--resume"],
                             cwd=demo_ws, env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    import json

    assert len(json.loads((demo_ws / "killed/det.json").read_text())) == 400


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_of_a_multi_process_run_ends_in_one_line(demo_ws, sig, code):
    proc = start_infer(demo_ws, "stopped")
    wait_for_parts(demo_ws, "stopped", proc)
    # a second run on the same folder refuses while the first is alive
    second = subprocess.run([sys.executable, "-m", "bddet", "infer", "retinanet_tiny_sample", "--images",
                             str(demo_ws / "imgs"), "--device", "cpu", "--out", "stopped"],
                            cwd=demo_ws, env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True)
    assert second.returncode == 1 and "another bddet run is writing to this folder" in second.stderr
    assert second.stderr.count("error:") == 1
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground group
    else:
        os.kill(proc.pid, sig)  # a scheduler stops the launching process
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "interrupted; rerun with --resume to continue" in stderr
    assert "Traceback" not in stderr and "internal error" not in stderr and stderr.count("error:") == 1, stderr
    assert not (demo_ws / "stopped" / "det.json").exists()
