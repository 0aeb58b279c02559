"""Running a function as one process, as N processes per machine, or as a Slurm task.

``launch(fn, request, settings)`` is the one way bddet starts distributed work. It knows
no task: ``fn`` is any picklable function of one picklable argument, and the caller gets
rank 0's return value, or the exception a rank raised, re-raised here.

Several processes are started by PyTorch's own elastic launcher (the API behind torchrun,
``elastic_launch`` with a ``LaunchConfig``), in this process: it is the agent, and the ranks
are its children. Each rank asks the kernel to kill it when this process dies
(PR_SET_PDEATHSIG), so a ``kill -9`` of bddet never leaves ranks writing on their own.

This module imports nothing else from bddet, so every layer may use it.
"""
from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

R = TypeVar("R")
SLURM_ENV = "SLURM_PROCID"


class LaunchFailed(Exception):
    """Worker processes failed without an exception bddet could carry back (a crash, a signal)."""


class LaunchInterrupted(KeyboardInterrupt):
    """The run was stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT; ``signum`` says which.

    A KeyboardInterrupt, so whoever handles Ctrl-C of one process handles this the same way.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal, as a shell reports a process the signal ended (130 for Ctrl-C)."""
        return 128 + self.signum


@dataclass(frozen=True)
class DistSettings:
    """How many processes, on how many machines, on which device, and where they meet."""

    gpus: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int = 29500
    device: str | None = None   # cuda or cpu; None: the caller decides (cuda when there is one)

    @property
    def world_size(self) -> int:
        return self.gpus * self.nnodes


def dist_backend(device: str) -> str:
    """NCCL for GPUs; gloo for CPU runs (how the tests exercise several processes)."""
    return "nccl" if device == "cuda" else "gloo"


def rank_and_world() -> tuple[int, int, int]:
    """(rank, world size, local rank) of this process; (0, 1, 0) outside a launch."""
    env = os.environ
    return int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0))


def init_distributed(device: str) -> None:
    """Join the process group the launcher (or Slurm) set up; no-op for a single process."""
    import torch
    import torch.distributed as dist

    _, world, local_rank = rank_and_world()
    if world <= 1 or dist.is_initialized():
        return
    if device == "cuda":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=dist_backend(device))


def slurm_rank_env(master_addr: str | None = None, master_port: int = 29500) -> dict[str, str] | None:
    """RANK/WORLD_SIZE/LOCAL_RANK/MASTER_* from a Slurm job step with several tasks, else None.

    Under ``srun`` with one task per GPU, Slurm has already started every rank: bddet runs
    as that rank in this process. The first node of the job is the meeting point unless
    ``master_addr`` (or MASTER_ADDR) names one.
    """
    env = os.environ
    if "RANK" in env or int(env.get("SLURM_NTASKS", "1")) <= 1 or SLURM_ENV not in env:
        return None
    addr = master_addr or env.get("MASTER_ADDR")
    if not addr:
        import subprocess

        nodes = env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST", "")
        try:
            addr = subprocess.run(["scontrol", "show", "hostnames", nodes], capture_output=True, text=True,
                                  check=True).stdout.split()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            raise LaunchFailed("under Slurm with several tasks, pass --master-addr (scontrol could not name the "
                               "first node)") from None
    return {"RANK": env[SLURM_ENV], "WORLD_SIZE": env["SLURM_NTASKS"], "LOCAL_RANK": env.get("SLURM_LOCALID", "0"),
            "MASTER_ADDR": addr, "MASTER_PORT": str(env.get("MASTER_PORT", master_port))}


def launch(fn: Callable[[Any], R], request: Any, settings: DistSettings, rank_threads: int | None = None) -> R | None:
    """Run ``fn(request)`` as every rank of ``settings``; return rank 0's result.

    ``rank_threads``: the CPU threads of each rank started here (OMP_NUM_THREADS, unless the
    user set it); by default one, as torchrun gives.

    One process: ``fn`` runs here. A Slurm task of several: this process is one rank. Else
    ``settings.gpus`` processes start on this machine through elastic_launch. Returns None
    on a machine that holds no rank 0. An exception raised by ``fn`` in a rank is re-raised
    here as itself; Ctrl-C or SIGTERM raise LaunchInterrupted once every rank has stopped.
    """
    slurm = slurm_rank_env(settings.master_addr if settings.nnodes > 1 else None, settings.master_port)
    if slurm is not None:
        os.environ.update(slurm)
        result = fn(request)
        return result if slurm["RANK"] == "0" else None
    if settings.world_size == 1:
        return fn(request)
    return _elastic(fn, request, settings, rank_threads)


def _elastic(fn: Callable[[Any], R], request: Any, settings: DistSettings, rank_threads: int | None) -> R | None:
    import logging
    import uuid

    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    if settings.nnodes == 1:
        # one machine: a rendezvous on a free port (torchrun --standalone), so two runs at once
        # never meet on the same port
        rdzv = dict(rdzv_backend="c10d", rdzv_endpoint="127.0.0.1:0", rdzv_configs={})
    else:  # torchrun's --nnodes/--node-rank/--master-addr/--master-port
        rdzv = dict(rdzv_backend="static", rdzv_endpoint=f"{settings.master_addr}:{settings.master_port}",
                    rdzv_configs={"rank": settings.node_rank})
    config = LaunchConfig(min_nodes=settings.nnodes, max_nodes=settings.nnodes, nproc_per_node=settings.gpus,
                          run_id=f"bddet-{uuid.uuid4().hex[:12]}", max_restarts=0, start_method="spawn",
                          monitor_interval=0.1, **rdzv)
    # as torchrun does: one thread per rank unless the user (or the caller) says otherwise; set
    # for the ranks' start only, so that a later launch from this process decides afresh
    user_threads = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = user_threads or str(rank_threads or 1)
    # The agent logs every start, signal and failure at length, each module's logger with its own
    # level; a failed rank is reported below in one line instead.
    import warnings

    elastic_logs = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                    if name.startswith(("torch.distributed", "torch.multiprocessing"))]
    levels = [log.level for log in elastic_logs]
    for log in elastic_logs:
        log.setLevel(logging.CRITICAL)
    try:
        results = elastic_launch(config, _rank_main)(fn, request, os.getpid(), _picklable(warnings.filters))
    except SignalException as e:
        raise LaunchInterrupted(int(e.sigval)) from None
    except ChildFailedError as e:
        raise _first_failure(e, settings) from None
    finally:
        for log, level in zip(elastic_logs, levels):
            log.setLevel(level)
        if user_threads is None:
            del os.environ["OMP_NUM_THREADS"]
    return results.get(0) if settings.node_rank == 0 else None


def _picklable(filters: list) -> list:
    """The warning filters that can travel to a rank (a filter on a class some library
    re-created after import, as pkg_resources does, cannot)."""
    import pickle

    kept = []
    for item in filters:
        try:
            pickle.dumps(item)
        except Exception:  # noqa: BLE001 - any pickling failure
            continue
        kept.append(item)
    return kept


# The text of a rank's exception, as elastic's error file carries it: the exception pickled,
# so the caller re-raises the very exception (type and message) the rank raised.
_CARRIED = "bddet-exception:"


class _CarriedException(Exception):
    pass


def _rank_main(fn: Callable[[Any], R], request: Any, parent_pid: int, warning_filters: list) -> R:
    """Each rank's entry point: die with the launching process, run ``fn``, carry its exception back.

    A rank filters warnings as the launching process does. Ctrl-C reaches every process of the
    terminal's group: a rank then just ends (no traceback of its own), and the launching
    process, which the signal reaches too, stops the rest and reports once.
    """
    import base64
    import pickle
    import warnings

    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    warnings.filters[:] = warning_filters
    try:
        return fn(request)
    except Exception as e:  # noqa: BLE001 - carried back whole to the launching process
        try:
            carried = _CARRIED + base64.b64encode(pickle.dumps(e)).decode("ascii")
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its words then
            raise LaunchFailed(f"rank {os.environ.get('RANK', '?')}: {type(e).__name__}: {e}") from None
        raise _CarriedException(carried) from None


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit now if it already has."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL))
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        os._exit(1)


def _first_failure(error, settings: DistSettings) -> BaseException:
    """The exception to raise for a failed run: the first failed rank's own, if it carried one."""
    import base64
    import pickle

    failures = sorted(error.failures.items(), key=lambda kv: (kv[1].timestamp, kv[0]))
    texts = [(m.get("message", "") if isinstance(m, dict) else str(m)) for m in (f.message for _, f in failures)]
    for text in texts:  # a rank's own exception first: the others were mostly stopped because of it
        _, _, payload = text.partition(_CARRIED)
        if payload:
            try:
                return pickle.loads(base64.b64decode(payload))
            except Exception:  # noqa: BLE001 - fall through to the plain report
                pass
    for text in texts:
        if text.startswith(f"{LaunchFailed.__name__}: "):
            return LaunchFailed(text.split(": ", 1)[1])
    codes = sorted({f.exitcode for _, f in failures})
    return LaunchFailed(f"{settings.world_size} processes: a worker ended with exit code "
                        f"{', '.join(map(str, codes))} (see the messages above)")
