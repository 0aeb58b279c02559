"""The rank environment under Slurm and the torchrun settings."""
from bddet.launch import DistSettings, dist_backend, rank_and_world, slurm_rank_env


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
