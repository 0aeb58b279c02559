"""The bddet Typer app: wires the command modules and funnels every error to one line.

Exit codes scripts can trust: 0 success, 1 a BddetError (or an internal error), 2 usage
(Typer's own), 130 interrupted. ``--debug`` or BDDET_DEBUG=1 shows tracebacks instead.
"""
from __future__ import annotations

import functools
import os
import signal
import sys
from typing import Annotated, Callable

import typer

from ..errors import BddetError
from . import compare as compare_cmd
from . import download as download_cmd
from . import eval as eval_cmd
from . import export as export_cmd
from . import infer as infer_cmd
from . import init as init_cmd
from . import models as models_cmd
from . import train as train_cmd
from . import vis as vis_cmd
from ._options import normalize_argv
from ._output import error

app = typer.Typer(
    name="bddet",
    help="Serve the BDD100K object-detection model zoo: fetch, run, score, inspect and retrain its detectors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

_debug = os.environ.get("BDDET_DEBUG", "") not in ("", "0")


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks (also BDDET_DEBUG=1).")] = False) -> None:
    global _debug
    _debug = _debug or debug


def _funnel(fn: Callable, resumable: bool = False) -> Callable:
    """Turn what a command raises into one styled line and an exit code.

    Ctrl-C and SIGTERM, in one process or many (dist.LaunchInterrupted), end with 130 or 143
    and one line; ``resumable`` commands say how to continue.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.BadParameter, typer.Exit, typer.Abort):
            raise  # Typer's own: usage errors print its message and exit 2
        except BddetError as e:
            if _debug:
                raise
            error(str(e))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt as e:
            if _debug:
                raise
            error("interrupted; rerun with --resume to continue" if resumable else "interrupted")
            raise typer.Exit(getattr(e, "exit_code", 130)) from None
        except Exception as e:  # noqa: BLE001 - the one place that catches everything
            if _debug:
                raise
            error(f"internal error: {type(e).__name__}: {e} (rerun with --debug or BDDET_DEBUG=1 for the traceback)")
            raise typer.Exit(1) from None

    return wrapper


for module in (init_cmd, models_cmd, download_cmd, train_cmd, infer_cmd, eval_cmd, compare_cmd, vis_cmd, export_cmd):
    if hasattr(module, "COMMANDS"):  # a group: `bddet models list|add|export|import`
        group = typer.Typer(name=module.NAME, help=module.HELP, epilog=module.EXAMPLE, no_args_is_help=False,
                            rich_markup_mode="rich", context_settings={"help_option_names": ["-h", "--help"]})
        for name, (fn, example) in module.COMMANDS.items():
            group.command(name, help=fn.__doc__, epilog=example)(_funnel(fn))
        app.add_typer(group, name=module.NAME)
        continue
    app.command(module.NAME, help=module.command.__doc__, epilog=module.EXAMPLE)(
        _funnel(module.command, getattr(module, "RESUMABLE", False)))


def _terminated(signum, _frame) -> None:
    from ..engine.dist import LaunchInterrupted

    raise LaunchInterrupted(signum)


def main() -> None:
    """Console-script entry point."""
    import warnings

    # mmengine and mmcv import pkg_resources, deprecated in setuptools 80: not the user's concern
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    # SIGTERM (a scheduler's stop, `kill`) ends a command as Ctrl-C does: one line, files closed
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app(args=normalize_argv(sys.argv[1:]), prog_name="bddet")
    finally:
        # Interpreter shutdown otherwise walks torch's and mmdet's millions of objects in its
        # final garbage collections: about a second after every command that imported them.
        # Frozen objects are skipped; everything bddet writes is closed by now.
        import gc

        gc.freeze()
