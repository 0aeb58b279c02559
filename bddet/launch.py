"""The one launcher wrapper: PyTorch's torchrun for many processes, and the rank environment.

`bddet infer --gpus N` and `bddet train --gpus N` start N worker processes per machine with
``python -m torch.distributed.run`` (torchrun), each running ``python -m bddet.launch
<task> <request.json>``. Under Slurm (srun with one task per GPU) the ranks come from
SLURM_* variables instead, and bddet runs as that rank in-process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import BddetError


class LaunchError(BddetError):
    """Worker processes failed."""


@dataclass(frozen=True)
class DistSettings:
    """How many processes, on how many machines, and where they meet."""

    gpus: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int = 29500
    device: str = "cuda"

    @property
    def world_size(self) -> int:
        return self.gpus * self.nnodes



def dist_backend(device: str) -> str:
    """NCCL for GPUs; gloo for CPU runs (how the tests exercise several processes)."""
    return "nccl" if device == "cuda" else "gloo"


def slurm_rank_env(master_addr: str | None = None, master_port: int = 29500) -> dict[str, str] | None:
    """RANK/WORLD_SIZE/LOCAL_RANK/MASTER_* from a Slurm job step with several tasks, else None."""
    env = os.environ
    if "RANK" in env or int(env.get("SLURM_NTASKS", "1")) <= 1 or "SLURM_PROCID" not in env:
        return None
    addr = master_addr or env.get("MASTER_ADDR")
    if not addr:
        nodes = env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST", "")
        try:
            addr = subprocess.run(["scontrol", "show", "hostnames", nodes], capture_output=True, text=True,
                                  check=True).stdout.split()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            raise LaunchError("under Slurm with several tasks, pass --master-addr (scontrol could not name the "
                              "first node)") from None
    return {"RANK": env["SLURM_PROCID"], "WORLD_SIZE": env["SLURM_NTASKS"], "LOCAL_RANK": env.get("SLURM_LOCALID", "0"),
            "MASTER_ADDR": addr, "MASTER_PORT": str(env.get("MASTER_PORT", master_port))}


def rank_and_world() -> tuple[int, int, int]:
    """(rank, world size, local rank) of this process; (0, 1, 0) outside torchrun/Slurm."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


def init_distributed(device: str) -> None:
    """Join the process group torchrun (or Slurm) set up; no-op for a single process."""
    import torch
    import torch.distributed as dist

    _, world, local_rank = rank_and_world()
    if world <= 1 or dist.is_initialized():
        return
    if device == "cuda":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=dist_backend(device))


def run_torchrun(task: str, request: dict, settings: DistSettings, work_dir: Path) -> None:
    """Run ``python -m bddet.launch TASK REQUEST`` in ``settings.gpus`` processes via torchrun.

    Raises LaunchError when torchrun or any worker fails (the workers' own messages are on stderr).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    req_path = work_dir / f".{task}-request.json"
    req_path.write_text(json.dumps(request))
    argv = [f"--nproc_per_node={settings.gpus}", f"--nnodes={settings.nnodes}", f"--node_rank={settings.node_rank}",
            f"--master_addr={settings.master_addr}", f"--master_port={settings.master_port}",
            "-m", "bddet.launch", task, str(req_path)]
    # torchrun's own launcher, called in-process so that a failed worker ends in one line here
    # (the workers print their own errors) instead of torchrun's traceback.
    import logging

    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    args = get_args_parser().parse_args(argv)
    elastic_log = logging.getLogger("torch.distributed.elastic")
    level = elastic_log.level
    elastic_log.setLevel(logging.CRITICAL)
    try:
        run(args)
    except ChildFailedError as e:
        codes = sorted({f.exitcode for f in e.failures.values()})
        raise LaunchError(f"{task} with {settings.world_size} processes failed (worker exit code "
                          f"{', '.join(map(str, codes))}); the first error above is the cause") from None
    finally:
        elastic_log.setLevel(level)
        req_path.unlink(missing_ok=True)


def _worker_main(argv: list[str]) -> int:
    """Entry point of each torchrun worker: run the task as this process's rank."""
    import warnings

    # mmengine and mmcv import pkg_resources, deprecated in setuptools 80: not the user's concern
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    task, req_path = argv
    request = json.loads(Path(req_path).read_text())
    from .cli._output import ImageProgress, error

    try:
        if task == "infer":
            from .infer import run_inference_rank

            with ImageProgress("infer") as progress:
                run_inference_rank(**request, on_progress=progress)
        elif task == "train":
            from .train import run_training_rank

            rank, _, _ = rank_and_world()
            run_training_rank(**{**request, "show_progress": rank == 0})
        else:
            raise LaunchError(f"unknown task {task}")
    except BddetError as e:
        rank, _, _ = rank_and_world()
        error(f"rank {rank}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    code = _worker_main(sys.argv[1:])
    import gc

    gc.freeze()  # a quick exit, as in bddet.cli.app.main
    sys.exit(code)
