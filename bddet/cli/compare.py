"""`bddet compare`: runs side by side, with paired-bootstrap confidence intervals of their differences."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..data.categories import FRAME_CONDITIONS
from ._options import JsonOpt, WorkspaceOpt
from ._output import fmt_number, info, print_json, print_table

NAME = "compare"
EXAMPLE = ("Example:  bddet compare infer-1 infer-2      "
           "bddet compare a/det.json b/det.json --gt det_val.json --by weather --metric AP50 --json")


def command(
    runs: Annotated[List[str], typer.Argument(metavar="RUN_OR_FILE...", help="Inference run ids or det.json files (two or more).")],
    split: Annotated[str, typer.Option("--set", help="Which labels: val or train (det_20).")] = "val",
    gt: Annotated[Optional[Path], typer.Option("--gt", help="Ground truth (default: the workspace's set labels).")] = None,
    by: Annotated[Optional[List[str]], typer.Option(
        "--by", help=f"Also per frame attribute: {', '.join(FRAME_CONDITIONS)} (repeatable).")] = None,
    metric: Annotated[str, typer.Option("--metric", help="AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm or ARl.")] = "AP",
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Resamples for the 95% intervals (0: none).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the resampling.")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write every estimate and interval as JSON here.")] = None,
    report_dir: Annotated[Optional[Path], typer.Option(
        "--report", help="Write an HTML page here: the table, and each run's curves, breakdowns and errors.")] = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Is one model better than another, and where? Official numbers with 95% intervals of the differences."""
    from ..evaluation.compare import compare
    from ..workspace import find_workspace, find_workspace_or_none, names_a_file

    if len(runs) < 2:
        raise typer.BadParameter("give two or more runs or files", param_hint="RUN_OR_FILE...")
    ws = find_workspace_or_none(workspace)
    if gt is None or not all(names_a_file(r) for r in runs):
        ws = ws or find_workspace(workspace)
    report = compare(runs, gt=gt, workspace=ws, split=split, by=by or (), metric=metric, bootstrap=bootstrap,
                     seed=seed, report=report_dir, out=out)
    if as_json:
        print_json(report.to_dict())
        return
    first = report.runs[0]
    columns = ["class", first] + [c for run in report.runs[1:] for c in (run, f"Δ vs {first} [95% CI]")]

    def cells(row, value, later) -> list[str]:
        out_cells = [row, fmt_number(value)]
        for other, d in later:
            interval = "" if d.low != d.low else f" [{d.low:+.2f}, {d.high:+.2f}]"
            out_cells += [fmt_number(other), "-" if d.estimate != d.estimate
                          else f"{d.estimate:+.2f}{interval}{' *' if d.significant else ''}"]
        return out_cells

    def render(title: str, table) -> None:
        print_table(title, columns, [cells(*row) for row in table.rows()], bold_last=True)

    render(f"{report.metric} on {report.gt_path.name}: {report.table.frames} frames; * the 95% interval excludes 0 "
           f"(paired bootstrap, {report.bootstrap} resamples, seed {report.seed})", report.table)
    for cond, values in report.by.items():
        for value, table in values.items():
            render(f"{report.metric} where {cond} = {value}: {table.frames} frames", table)
    if report.errors:
        from ._output import print_error_breakdown

        for run, errors in report.errors.items():
            print_error_breakdown(errors, f"{run}: AP50 gained by fixing each error type (TIDE)")
    if out is not None:
        info(f"wrote {out}")
    if report.report_index is not None:
        info(f"report {report.report_index}")
