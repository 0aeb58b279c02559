"""The package's rooms and the one-way dependencies between them, read from the source with ast.

Every import counts, at module top or inside a function (where bddet keeps its heavy ones),
so that an import circle cannot come back through a function body.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bddet"

# What each room may import from bddet (besides itself). cli and the package's __init__ sit on top.
GROUND = {"bddet.errors", "bddet.atomic_write", "bddet.callbacks", "bddet.yaml_io"}
ALLOWED = {
    "ground": set(),
    "workspace": {"ground", "data"},
    "data": {"ground"},
    "zoo": {"ground", "workspace", "data"},
    "engine": {"ground", "workspace", "data", "zoo"},
    "evaluation": {"ground", "workspace", "data", "zoo"},
    "vis": {"ground", "workspace", "data", "zoo", "evaluation"},
    "deploy": {"ground", "workspace", "data", "zoo", "engine", "evaluation"},
    "mm": {"ground", "data", "zoo", "evaluation"},
    "cli": {"ground", "workspace", "data", "zoo", "engine", "evaluation", "vis", "deploy", "top"},
    "top": {"ground", "workspace", "data", "zoo", "engine", "evaluation", "vis", "deploy"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room(module: str) -> str:
    if module in GROUND:
        return "ground"
    if module == "bddet.__main__":
        return "cli"  # `python -m bddet` is the command line
    parts = module.split(".")
    if len(parts) == 1:
        return "top"
    return parts[1]


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "configs" not in p.relative_to(PACKAGE).parts}


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The bddet modules ``module`` imports, anywhere in its file (``from . import x`` names x's module)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] + [f"{target}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # `import bddet.zoo.catalogue` -> that module; `from x import name` -> x
                t = t.rpartition(".")[0]
            if t.startswith("bddet") and t != module:
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports_of(m, p, set(mods)) for m, p in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert cycles(graph()) == []


def test_the_checker_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_run_one_way():
    wrong = sorted(f"{m} imports {t}" for m, targets in graph().items() for t in targets
                   if room(t) != room(m) and room(t) not in ALLOWED[room(m)])
    assert wrong == []


@pytest.mark.parametrize("library", ["typer", "rich"])
def test_only_the_cli_prints(library):
    """Terminal output belongs to cli/: no other module imports typer or rich, or calls print()."""
    offenders = []
    for module, path in modules().items():
        if room(module) == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(n.split(".")[0] == library for n in names):
                offenders.append(module)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{module}: print()")
    assert offenders == []


def test_every_room_says_what_it_holds_and_must_not_import():
    for sub in ("data", "zoo", "engine", "evaluation", "vis", "mm", "cli"):
        doc = ast.get_docstring(ast.parse((PACKAGE / sub / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert "import" in doc.lower() and len(doc.split()) > 15, sub
