"""Errors a user sees: each carries the one line the CLI prints (what, where, what to do)."""


class BddetError(Exception):
    """Base of every error bddet reports as a single line with exit status 1."""

    exit_code = 1


class OptionsError(BddetError):
    """Options that cannot go together, or that the workspace cannot serve: a usage error (exit 2)."""

    exit_code = 2


class ManifestError(BddetError):
    """The workspace manifest is missing, unreadable or malformed."""


class ModelNameError(BddetError):
    """A model name that matches no zoo model, or more than one."""


class DownloadError(BddetError):
    """No source could deliver an artifact."""


class IntegrityError(DownloadError):
    """A downloaded or imported file does not match its published MD5."""


class LabelError(BddetError):
    """A label or prediction file bddet cannot read as Scalabel det JSON."""


def error_reason(e: BaseException) -> str:
    """Another library's exception as "Type: its first line", to end a one-line message."""
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0][:300]}" if text else type(e).__name__
