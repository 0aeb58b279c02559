"""Options shared by several commands, declared once."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

WorkspaceOpt = Annotated[Optional[Path], typer.Option(
    "--workspace", "-w", envvar="BDDET_WORKSPACE", show_envvar=True,
    help="Workspace folder holding bddet.yaml (default: the current folder or the nearest one above).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of a table.")]
DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="cuda or cpu (default: cuda if available).")]
GpusOpt = Annotated[int, typer.Option("--gpus", min=1, help="Processes on this machine, one per GPU (torchrun).")]
NnodesOpt = Annotated[int, typer.Option("--nnodes", min=1, help="Machines taking part.")]
NodeRankOpt = Annotated[int, typer.Option("--node-rank", min=0, help="This machine's rank.")]
MasterAddrOpt = Annotated[str, typer.Option("--master-addr", help="Address of the rank-0 machine.")]
MasterPortOpt = Annotated[int, typer.Option("--master-port", help="Port on the rank-0 machine (several machines).")]


def dist_settings(gpus: int, nnodes: int, node_rank: int, master_addr: str, master_port: int,
                  device: str | None):
    """The distribution options of a command as the library's DistSettings (device checked)."""
    from ..engine.dist import DistSettings

    if device not in (None, "cuda", "cpu"):
        raise typer.BadParameter("cuda or cpu", param_hint="--device")
    if node_rank >= nnodes:
        raise typer.BadParameter(f"must be below --nnodes ({nnodes})", param_hint="--node-rank")
    return DistSettings(gpus, nnodes, node_rank, master_addr, master_port, device)


CfgOptionsOpt = Annotated[Optional[List[str]], typer.Option(
    "--cfg-options", metavar="KEY=VALUE ...",
    help="Config overrides as in MMDetection's tools: several pairs after one flag, or the flag repeated; "
         "values as mmengine's DictAction reads them (true, None, 1,2, [a,b], (1,2), nested).")]

# Options that take several values after one flag, as argparse's nargs='+' in mmdet's tools.
MULTI_VALUE_OPTIONS = ("--cfg-options",)


def expand_multi_value_options(argv: list[str]) -> list[str]:
    """``--cfg-options a=1 b=2`` (mmdet's form) as ``--cfg-options a=1 --cfg-options b=2`` (Typer's).

    Click gives an option one value per flag; repeating the flag is its public way to take
    several. Values run up to the next token that starts with '-', as with argparse's nargs='+';
    after ``--`` nothing is rewritten.
    """
    out: list[str] = []
    flag, taken = None, 0
    for k, token in enumerate(argv):
        if flag and not token.startswith("-"):
            out += [flag, token]
            taken += 1
            continue
        if flag and not taken:
            out.append(flag)  # no value at all: Typer's own usage error says so
        flag, taken = None, 0
        if token == "--":
            return out + argv[k:]
        name, eq, value = token.partition("=")
        if name in MULTI_VALUE_OPTIONS:
            flag = name
            if eq:  # --cfg-options=a=1 b=2
                out += [name, value]
                taken = 1
            continue
        out.append(token)
    if flag and not taken:
        out.append(flag)
    return out


# Command groups whose first word may be left out: `bddet models swin` means `bddet models list swin`.
DEFAULT_SUBCOMMANDS = {"models": ("list", ("list", "add", "export", "import"))}


def insert_default_subcommand(argv: list[str]) -> list[str]:
    """``bddet models [FILTER] [--json]`` as ``bddet models list ...``, so listing stays as typed."""
    for k, token in enumerate(argv):
        if token.startswith("-"):
            continue  # a global option such as --debug
        if token in DEFAULT_SUBCOMMANDS:
            default, known = DEFAULT_SUBCOMMANDS[token]
            rest = argv[k + 1:]
            if rest[:1] and (rest[0] in known or rest[0] in ("-h", "--help")):
                return argv
            return argv[:k + 1] + [default] + rest
        return argv
    return argv


def normalize_argv(argv: list[str]) -> list[str]:
    """What main() does to the command line before Typer parses it (tests do the same)."""
    return insert_default_subcommand(expand_multi_value_options(argv))
