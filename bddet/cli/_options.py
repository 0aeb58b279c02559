"""Options shared by several commands, declared once."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

WorkspaceOpt = Annotated[Optional[Path], typer.Option(
    "--workspace", "-w", envvar="BDDET_WORKSPACE", show_envvar=True,
    help="Workspace folder holding bddet.yaml (default: the current folder or the nearest one above).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of a table.")]
