"""The workspace manifest, bddet.yaml: find, load, validate, lock and write it atomically.

The manifest is what lets each command default to what the previous one produced: the data
root, mirrors, downloaded weights, inference runs, evaluation results, training runs, and
which model and run are current. It is plain YAML meant to be read and edited by people.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .atomic_write import atomic_write_text
from .errors import ManifestError

MANIFEST_NAME = "bddet.yaml"
# 2: the file ends with END_MARKER. Version 1 files (bddet before the marker) are read as
# they are and upgraded by the next write.
MANIFEST_VERSION = 2
READABLE_VERSIONS = (1, 2)
WORKSPACE_ENV = "BDDET_WORKSPACE"
# Long enough for any other bddet command to finish its read-modify-write.
LOCK_TIMEOUT_S = 30.0

_HEADER = ("# bddet workspace manifest (see bddet README). Safe to edit by hand;\n"
           "# bddet rewrites it atomically, so comments added here are not kept.\n")
# The last line of every manifest bddet writes. A file cut short (a full disk, a copy that
# stopped, `head -c`) mostly still parses as YAML, with sections missing or a value cut in
# half; without this line it is refused, and never rewritten, rather than taken as it reads.
END_MARKER = "# end of bddet.yaml"
_RECORD_SECTIONS = ("weights", "infer_runs", "eval_results", "train_runs", "exports")
_KNOWN_KEYS = {"version", "data_root", "mirrors", "current", "models", *_RECORD_SECTIONS}


def empty_manifest(data_root: str | None = None) -> dict[str, Any]:
    """A fresh manifest with every section present, in the order it is written."""
    return {"version": MANIFEST_VERSION, "data_root": data_root, "mirrors": [],
            "current": {"model": None, "run": None},
            "weights": {}, "infer_runs": {}, "eval_results": {}, "train_runs": {}, "exports": {}}


def validate_manifest(data: Any, path: Path) -> dict[str, Any]:
    """Check the manifest's shape and return it with missing optional sections filled in.

    Raises ManifestError naming the file and the first problem found.
    """
    def bad(problem: str) -> ManifestError:
        return ManifestError(f"{path}: {problem}; fix or remove the file")

    if not isinstance(data, dict):
        raise bad("is not a YAML mapping of settings")
    unknown = sorted(set(data) - _KNOWN_KEYS, key=str)
    if unknown:
        raise bad(f"unknown key {', '.join(map(repr, unknown))} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    version = data.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        if isinstance(version, int) and version > MANIFEST_VERSION:
            raise bad(f"version {version} is newer than this bddet understands ({MANIFEST_VERSION}); upgrade bddet")
        raise bad(f"'version' must be {MANIFEST_VERSION}, found {version!r}")
    out = empty_manifest()
    out.update(data)
    out["version"] = MANIFEST_VERSION
    if out["data_root"] is not None and not isinstance(out["data_root"], str):
        raise bad("'data_root' must be a path")
    mirrors = out["mirrors"]
    if mirrors is None:
        out["mirrors"] = mirrors = []
    if not isinstance(mirrors, list) or not all(isinstance(m, str) for m in mirrors):
        raise bad("'mirrors' must be a list of URLs")
    current = out["current"] or {}
    if not isinstance(current, dict) or set(current) - {"model", "run"}:
        raise bad("'current' must be a mapping with 'model' and 'run'")
    out["current"] = {"model": current.get("model"), "run": current.get("run")}
    for section in _RECORD_SECTIONS:
        records = out[section]
        if records is None:
            out[section] = records = {}
        if not isinstance(records, dict) or not all(isinstance(v, dict) for v in records.values()):
            raise bad(f"'{section}' must be a mapping of names to records")
    models = out.get("models")
    if models is not None and (not isinstance(models, list)
                               or not all(isinstance(m, dict) and isinstance(m.get("name"), str) for m in models)):
        raise bad("'models' must be a list of model entries, each with a 'name' (bddet models add)")
    for name, rec in out["weights"].items():
        if not isinstance(rec.get("path"), str):
            raise bad(f"weights record '{name}' has no 'path'")
    return out


@dataclass(frozen=True)
class Workspace:
    """A folder holding bddet.yaml; paths inside the manifest may be relative to it."""

    root: Path

    @classmethod
    def create(cls, root: str | os.PathLike[str], data_root: str | os.PathLike[str] | None = None) -> "Workspace":
        """Create bddet.yaml in ``root`` (what `bddet init` does), or update its data root."""
        return init_workspace(root, data_root).workspace

    @classmethod
    def find(cls, path: str | os.PathLike[str] | None = None) -> "Workspace":
        """The workspace holding ``path`` (default: the current folder): the nearest bddet.yaml upward.

        Without ``path``, $BDDET_WORKSPACE is honoured as by the CLI.
        """
        if path is None:
            return find_workspace()
        here = Path(path).expanduser().resolve()
        for folder in (here, *here.parents):
            if (folder / MANIFEST_NAME).is_file():
                return cls(folder)
        raise ManifestError(f"no {MANIFEST_NAME} in {here} or any folder above it; create one with "
                            "bddet.Workspace.create(root, data_root=...) or `bddet init`")

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    def _lock(self):
        from filelock import FileLock  # only commands that write the manifest pay for it

        return FileLock(str(self.manifest_path) + ".lock", timeout=LOCK_TIMEOUT_S)

    def read(self) -> dict[str, Any]:
        """Load and validate the manifest (no lock: a reader sees the last complete write)."""
        import yaml

        path = self.manifest_path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ManifestError(f"{path}: no such manifest; run `bddet init` first") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ManifestError(f"{path}: cannot be read ({e})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise ManifestError(f"{path}: malformed YAML{where}: {problem}; fix or remove the file") from None
        check_complete(text, data, path)
        return validate_manifest(data, path)

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, Any]]:
        """Lock the manifest, yield its data for changes, then validate and write it atomically.

        The read happens under the lock, so two commands editing at once both keep their
        changes. If the block raises, nothing is written.
        """
        from filelock import Timeout

        try:
            with self._lock():
                data = self.read()
                yield data
                validate_manifest(data, self.manifest_path)
                write_manifest(self.manifest_path, data)
        except Timeout:
            raise ManifestError(f"{self.manifest_path}: another bddet command holds its lock "
                                f"({self.manifest_path}.lock) for over {LOCK_TIMEOUT_S:.0f}s") from None

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """A manifest path made absolute: relative paths are relative to the workspace root."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.root / p

    def data_root(self) -> Path:
        """The BDD100K data root the workspace was initialised with."""
        root = self.read()["data_root"]
        if not root:
            raise ManifestError(f"{self.manifest_path}: no 'data_root' set; run `bddet init --data-root PATH`")
        return self.resolve(root)


def check_complete(text: str, data: Any, path: Path) -> None:
    """Refuse a manifest that bddet wrote but that lost its end (END_MARKER).

    A file that starts with bddet's header came from bddet, which always ends it with the
    marker; without it the file was cut short. A file without the header was written by a
    person (or a script) and has nothing to check, and neither have version-1 files, which
    predate the marker. Editing inside a file bddet wrote keeps its last line, so edits pass.
    """
    if text.rstrip("\n").endswith("\n" + END_MARKER):
        return
    from_bddet = text.startswith(_HEADER.split("\n", 1)[0]) or (_HEADER.startswith(text) and text != "")
    legacy = isinstance(data, dict) and data.get("version") == 1
    if text.strip() == "":
        raise ManifestError(f"{path}: the manifest is empty; restore it from a copy, or remove it and run `bddet init`")
    if from_bddet and not legacy:
        raise ManifestError(f"{path}: cut short (its last line is not '{END_MARKER}', which bddet always writes); "
                            "restore it from a copy, or, if you removed that line while editing, add it back")


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    """Serialise the manifest atomically (temp file + rename), ending with END_MARKER."""
    import yaml

    atomic_write_text(path, _HEADER + yaml.safe_dump({**data, "version": MANIFEST_VERSION}, sort_keys=False,
                                                     allow_unicode=True) + END_MARKER + "\n")


def find_workspace(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Workspace:
    """The workspace in force: ``explicit`` (``--workspace``), else $BDDET_WORKSPACE, else the
    nearest folder from ``start`` (the current folder) upward that holds bddet.yaml.

    Raises ManifestError when there is none.
    """
    found = find_workspace_or_none(explicit, start)
    if found is None:
        raise ManifestError(f"no {MANIFEST_NAME} in {Path(start or Path.cwd()).resolve()} or any folder above it; "
                            "run `bddet init --data-root PATH`, or pass --workspace DIR")
    return found


def find_workspace_or_none(explicit: str | os.PathLike[str] | None = None,
                           start: Path | None = None) -> Workspace | None:
    """Like find_workspace, but None when no manifest is found by searching upward.

    An explicitly named workspace (option or environment) that lacks a manifest is an error.
    """
    named = explicit or os.environ.get(WORKSPACE_ENV) or None
    if named:
        root = Path(named).expanduser().resolve()
        if not (root / MANIFEST_NAME).is_file():
            raise ManifestError(f"{root}: no {MANIFEST_NAME} there; run `bddet init {root} --data-root PATH`")
        return Workspace(root)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST_NAME).is_file():
            return Workspace(folder)
    return None


@dataclass(frozen=True)
class InitResult:
    workspace: Workspace
    created: bool
    warnings: tuple[str, ...]




def init_workspace(directory: str | os.PathLike[str], data_root: str | os.PathLike[str] | None) -> InitResult:
    """Create bddet.yaml in ``directory`` (or update its data root if it exists).

    The data root must exist; parts of the BDD100K layout that are missing are returned
    as warnings, since many users hold only the val split.
    """
    from .data.layout import EXPECTED_LAYOUT

    root = Path(directory).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ManifestError(f"{root}: not a folder")
    data = None
    warnings: list[str] = []
    if data_root is not None:
        data = Path(data_root).expanduser().resolve()
        if not data.is_dir():
            raise ManifestError(f"data root {data} is not a folder")
        missing = [p for p in EXPECTED_LAYOUT if not (data / p).exists()]
        if missing:
            warnings.append(f"{data} lacks {', '.join(missing)} (BDD100K layout); commands needing them will say so")
    root.mkdir(parents=True, exist_ok=True)
    ws = Workspace(root)
    if ws.manifest_path.exists():
        with ws.edit() as manifest:
            if data is not None:
                manifest["data_root"] = str(data)
        return InitResult(ws, False, tuple(warnings))
    with ws._lock():
        write_manifest(ws.manifest_path, empty_manifest(str(data) if data else None))
    return InitResult(ws, True, tuple(warnings))


def record_weights(ws: Workspace, name: str, path: Path, md5: str | None, verified: bool) -> None:
    """Record downloaded weights in the manifest and make the model current."""
    with ws.edit() as manifest:
        manifest["weights"][name] = {"path": str(path), "md5": md5, "verified": verified}
        manifest["current"]["model"] = name


def next_record_id(records: dict, prefix: str) -> str:
    """The next free id like ``eval-3`` in a manifest section."""
    n = 1
    while f"{prefix}-{n}" in records:
        n += 1
    return f"{prefix}-{n}"


def names_a_file(value: str) -> bool:
    """Whether a `--preds` style value is a path rather than a run id (run ids have no slash).

    Anything that exists, or ends in .json, or has a folder in it, is a path: a folder or a
    device then gets the reader's own message ("is a folder", "the file is empty"), not
    "no inference run".
    """
    return value.endswith(".json") or "/" in value or os.sep in value or Path(value).exists()


def resolve_run(ws: Workspace, run: str | None) -> tuple[str, dict]:
    """An inference run record by id, or the current run when ``run`` is None."""
    manifest = ws.read()
    run_id = run or manifest["current"]["run"]
    if not run_id:
        raise ManifestError(f"{ws.manifest_path}: no inference run yet; run `bddet infer` or pass --preds FILE")
    record = manifest["infer_runs"].get(run_id)
    if record is None:
        known = ", ".join(manifest["infer_runs"]) or "none"
        raise ManifestError(f"{ws.manifest_path}: no inference run '{run_id}' (known: {known})")
    return run_id, record


def find_run(ws: Workspace, value: str | os.PathLike[str]) -> tuple[str, dict] | None:
    """The inference run (id, record) that ``value`` names, by id (``infer-2``) or by its output
    folder; else None."""
    runs = ws.read()["infer_runs"]
    if str(value) in runs:
        return str(value), runs[str(value)]
    folder = Path(value).expanduser().resolve()
    for run_id, record in runs.items():
        if record.get("output") and ws.resolve(record["output"]).resolve() == folder:
            return run_id, record
    return None


def run_folder(ws: Workspace | None, value: str | os.PathLike[str]) -> Path | None:
    """The output folder of the run ``value`` names (a workspace run id or output folder, or any
    folder holding det.json), else None."""
    from .data.run_files import predictions_in

    found = find_run(ws, value) if ws is not None else None
    if found is not None and found[1].get("output"):
        return ws.resolve(found[1]["output"])
    folder = Path(value).expanduser()
    return folder.resolve() if folder.is_dir() and predictions_in(folder) is not None else None


def resolve_predictions(ws: Workspace | None, predictions: str | os.PathLike[str] | None = None,
                        run: str | os.PathLike[str] | None = None) -> tuple[str | None, dict | None, Path]:
    """(run id, run record, det.json) of what a user named, the one way commands find predictions.

    ``predictions`` is a det.json file (taken as it is), a run folder holding one, or a folder of
    Scalabel files (one per video, as box_track_20); ``run`` is a workspace run id or a run's
    output folder. A folder holding det.json is a run wherever it lies: in a workspace it gets
    its record (run id, images, gallery), outside it the record it carries (run.json), no run id.
    With neither, the workspace's current run.
    """
    from .data.run_files import predictions_in, read_run_record

    named = predictions if predictions is not None else run
    if named is not None:
        found = find_run(ws, named) if ws is not None else None
        if found is not None:
            return found[0], found[1], ws.resolve(found[1]["predictions"])
        folder = Path(named).expanduser()
        det = predictions_in(folder) if folder.is_dir() else None
        if det is not None:  # a run folder outside the workspace: its own run.json says what it is
            return None, read_run_record(folder), det
        if predictions is not None:
            return None, None, folder  # a file, or a folder of files: its reader names what is wrong with it
        if folder.is_dir():
            raise ManifestError(f"{folder}: a folder without det.json; give a det.json file or a run folder "
                                "that `bddet infer` wrote")
        if ws is None:
            raise ManifestError(f"{run}: no such run folder, and no workspace to find a run of that id in")
        run_id, record = resolve_run(ws, str(run))
        return run_id, record, ws.resolve(record["predictions"])
    if ws is None:
        raise ManifestError("give a predictions file or run folder, or a workspace with an inference run")
    run_id, record = resolve_run(ws, None)
    return run_id, record, ws.resolve(record["predictions"])


def record_run(ws: Workspace, section: str, prefix: str, record: dict, make_current: bool = True,
               replace_where: tuple[str, object] | None = None) -> str:
    """Add a run record under a fresh id (``infer-3``), optionally making it the current run.

    ``replace_where=(key, value)`` updates the record whose ``key`` equals ``value`` instead, if any.
    """
    with ws.edit() as manifest:
        same = [rid for rid, r in manifest[section].items() if replace_where and r.get(replace_where[0]) == replace_where[1]]
        run_id = same[0] if same else next_record_id(manifest[section], prefix)
        manifest[section][run_id] = record
        if make_current and section == "infer_runs":
            manifest["current"]["run"] = run_id
    return run_id
