"""`bddet models`: the zoo catalogue as a table, JSON or Markdown."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..zoo import filter_models
from ._options import JsonOpt
from ._output import console, fmt_number, markdown_table, print_json, print_table

NAME = "models"
EXAMPLE = "Example:  bddet models swin --sort ap_val     bddet models --family fcos --json | jq '.[].name'"

SORT_KEYS = ("zoo", "name", "ap_val", "ap_test")


def command(
    filter_text: Annotated[Optional[str], typer.Argument(metavar="[FILTER]", help="Show models whose name contains this.")] = None,
    family: Annotated[Optional[str], typer.Option("--family", "-f", help="Only this family (e.g. 'swin', 'Cascade R-CNN').")] = None,
    sort: Annotated[str, typer.Option(help=f"Order: {', '.join(SORT_KEYS)} (AP: best first).")] = "zoo",
    as_json: JsonOpt = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table (the README's zoo table).")] = False,
) -> None:
    """List the published BDD100K detection models with their recipe and published AP."""
    if sort not in SORT_KEYS:
        raise typer.BadParameter(f"must be one of {', '.join(SORT_KEYS)}", param_hint="--sort")
    models = filter_models(filter_text, family, sort)
    if as_json:
        print_json([m.to_dict() for m in models])
        return
    tick = lambda flag: "✓" if flag else ""  # noqa: E731
    if markdown:
        rows = [(f"`{m.alias}`", m.family, m.network, m.backbone, m.schedule, tick(m.ms_train), tick(m.fp16),
                 fmt_number(m.ap_val), fmt_number(m.ap_test), f"[config]({m.config})")
                for m in models]
        console.file.write(markdown_table(["Model", "Family", "Network", "Backbone", "Schedule", "MS-train",
                                           "FP16", "AP val", "AP test", "Config"], rows) + "\n")
        return
    if not models:
        console.print("no model matches", style="yellow")
        raise typer.Exit(1)
    # Network and backbone are part of every name; the rest shows through --json.
    rows = [(m.alias, m.schedule, tick(m.ms_train), tick(m.fp16),
             fmt_number(m.ap_val), fmt_number(m.ap_test)) for m in models]
    print_table(f"BDD100K detection zoo: {len(models)} models", ["model", "sched", "MS", "FP16",
                "AP val", "AP test"], rows, right_align_from=4)
