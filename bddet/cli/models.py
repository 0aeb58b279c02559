"""`bddet models`: the zoo catalogue (and your own models) as a table, JSON or Markdown; add,
export and import models of your own."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..zoo.catalogue import SORT_KEYS
from ._options import JsonOpt, WorkspaceOpt
from ._output import console, fmt_number, info, markdown_table, print_json, print_table

NAME = "models"
HELP = "List the zoo's models (and your own); add, export and import models of your own."
EXAMPLE = ("Example:  bddet models swin --sort ap_val     bddet models --family fcos --json | jq '.[].name'     "
           "bddet models add my_retina --from-run train-1")


def tick(flag: bool) -> str:
    return "✓" if flag else ""


def list_command(
    filter_text: Annotated[Optional[str], typer.Argument(metavar="[FILTER]", help="Show models whose name contains this.")] = None,
    family: Annotated[Optional[str], typer.Option("--family", "-f", help="Only this family (e.g. 'swin', 'Cascade R-CNN').")] = None,
    sort: Annotated[str, typer.Option(help=f"Order: {', '.join(SORT_KEYS)} (AP: best first).")] = "zoo",
    as_json: JsonOpt = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table (the README's zoo table).")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """List the published BDD100K detection models with their recipe and published AP, then yours."""
    from ..workspace import find_workspace_or_none
    from ..zoo.catalogue import filter_models, filter_user_models

    models = filter_models(filter_text, family, sort)
    if markdown:  # the README's table: the published zoo only
        rows = [(f"`{m.alias}`", m.family, m.network, m.backbone, m.schedule, tick(m.ms_train), tick(m.fp16),
                 fmt_number(m.ap_val), fmt_number(m.ap_test), f"[config]({m.config})")
                for m in models]
        console.file.write(markdown_table(["Model", "Family", "Network", "Backbone", "Schedule", "MS-train",
                                           "FP16", "AP val", "AP test", "Config"], rows) + "\n")
        return
    mine = filter_user_models(filter_text, family, sort, workspace=find_workspace_or_none(workspace))
    if as_json:
        print_json([m.to_dict() for m in (*models, *mine)])
        return
    if not models and not mine:
        console.print("no model matches", style="yellow")
        raise typer.Exit(1)
    # Network and backbone are part of every zoo name; the rest shows through --json.
    rows = [(m.alias, m.schedule, tick(m.ms_train), tick(m.fp16), fmt_number(m.ap_val), fmt_number(m.ap_test))
            for m in models]
    # yours after the zoo's, marked, with their recorded val AP
    rows += [(f"{m.alias} (yours)", m.schedule, tick(m.ms_train), tick(m.fp16), fmt_number(m.ap_val), "-")
             for m in mine]
    title = f"BDD100K detection zoo: {len(models)} models" + (f", and {len(mine)} of your own" if mine else "")
    print_table(title, ["model", "sched", "MS", "FP16", "AP val", "AP test"], rows, right_align_from=4)


def add_command(
    name: Annotated[str, typer.Argument(help="A new name (lower case; never a published model's).")],
    from_run: Annotated[Optional[str], typer.Option("--from-run", help="A `bddet train` run id (train-1).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="A config file (with --weights).")] = None,
    weights: Annotated[Optional[Path], typer.Option("--weights", help="A checkpoint that fits the config.")] = None,
    ap_val: Annotated[Optional[float], typer.Option("--ap-val", help="Its val AP (default: the run's last eval).")] = None,
    user: Annotated[bool, typer.Option("--user", help="Keep it in your per-user catalogue, not the workspace.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a model of yours of that name.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Register a model of your own: a training run, or any config and checkpoint."""
    from ..workspace import find_workspace, find_workspace_or_none
    from ..zoo.own_models import add_model

    ws = find_workspace(workspace) if from_run else find_workspace_or_none(workspace)
    result = add_model(name, workspace=ws, from_run=from_run, config=config, weights=weights, ap_val=ap_val,
                       scope="user" if user else None, replace_existing=replace)
    m = result.model
    info(f"{m.name}: {m.network} {m.backbone}, {m.params:,} parameters, val AP "
         f"{fmt_number(m.ap_val)}; weights {result.weights} (MD5 {m.md5}); in {result.catalogue}")


def export_command(
    name: Annotated[str, typer.Argument(help="One of your models.")],
    out_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to write the mirror layout into.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Share one of your models with other bddet users: a mirror folder (serve it over HTTP, or copy it) for `bddet
    models import`, its config as JSON data. To deploy a model (ONNX), see `bddet export`."""
    from ..workspace import find_workspace_or_none
    from ..zoo.own_models import export_model

    result = export_model(name, out_dir, workspace=find_workspace_or_none(workspace))
    info(f"exported {result.model.name} to {result.folder}; `bddet models import {result.folder}` (or its URL) "
         "adds it elsewhere")
    console.print(str(result.catalogue), highlight=False, soft_wrap=True)


def import_command(
    source: Annotated[str, typer.Argument(metavar="URL|DIR", help="A folder or URL that `bddet models export` wrote.")],
    names: Annotated[Optional[List[str]], typer.Option("--name", help="Only this model (repeatable).")] = None,
    user: Annotated[bool, typer.Option("--user", help="Keep them in your per-user catalogue, not the workspace.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add the models of a mirror to your catalogue: nothing from it runs (its config is checked data, its weights
    MD5-checked, loaded weights-only and fitted to the model), and a mirror that fails a check is refused whole."""
    from ..workspace import find_workspace_or_none
    from ..zoo.own_models import import_models

    added = import_models(source, workspace=find_workspace_or_none(workspace), names=names,
                          scope="user" if user else None)
    for m in added:
        console.print(f"{m.name}: imported from {source} (weights: size and MD5 {m.md5} checked, weights-only, fit the "
                      f"model; config: read as data, SHA-256 {m.config_sha256[:12]}…)", highlight=False, soft_wrap=True)


COMMANDS = {
    "list": (list_command, "Example:  bddet models swin --sort ap_val     bddet models --json | jq '.[].name'"),
    "add": (add_command, "Example:  bddet models add my_retina --from-run train-1      "
                         "bddet models add ft --config my.py --weights epoch_12.pth --ap-val 31.2"),
    "export": (export_command, "Example:  bddet models export my_retina share/   (then: python -m http.server -d share)"),
    "import": (import_command, "Example:  bddet models import http://colleague:8000/      bddet models import share/"),
}
