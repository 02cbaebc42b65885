"""The package's layers point one way, and no module imports itself back through others.

Read from the source, not from ``sys.modules``: every ``import`` a module can run (at its
top or inside a function; imports under ``if TYPE_CHECKING:`` never run and are left
out) is an edge. The layers, lowest first: ``engine`` (generic, importing nothing of the
project), ``model`` (the Rakovsky model, on the engine), ``classic`` (the classic models,
on the engine), ``scenarios``, ``store``, ``snapshot_store`` (the agents' snapshots),
``experiments`` (which also runs the classic models), ``validity`` (the stylized facts and
their robustness), ``calibration``, ``reports``, ``dashboard`` and ``cli`` on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import thermidor

ROOT = Path(thermidor.__file__).parent

# what each layer may import from the project, besides itself
ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    # files written whole, with the user's umask; and the stored runs as one long table
    "outputs": set(),
    "exports": {"store", "model", "engine", "outputs", "_version"},
    "engine": set(),
    "model": {"engine", "_version"},
    "classic": {"engine"},
    "scenarios": {"model", "engine"},
    "store": {"model", "_version"},
    # the agents' snapshots in the store (tables of their own, beside the runs)
    "snapshot_store": {"store", "model", "engine"},
    "experiments": {"store", "scenarios", "model", "classic", "engine", "_version"},
    # the stylized facts and their robustness over regions of parameters
    "validity": {"experiments", "store", "scenarios", "model", "engine", "_version"},
    "calibration": {"experiments", "store", "scenarios", "model", "engine", "_version"},
    "reports": {"validity", "calibration", "experiments", "store", "scenarios", "model"}
    | {"engine", "_version", "outputs", "snapshot_store"},
    "dashboard": {"validity", "reports", "experiments", "store", "scenarios", "model", "engine"}
    | {"snapshot_store"},
    "cli": {"validity", "calibration", "dashboard", "reports", "experiments", "store"}
    | {"scenarios", "model", "classic", "engine", "_version", "__init__", "exports", "outputs"}
    | {"snapshot_store"},
    # the public API re-exports the model and the scenarios; ``python -m thermidor`` is the cli
    "__init__": {"model", "scenarios", "_version"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str) -> str | None:
    """The project module ``name`` refers to (a module, or the package holding a name)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def runtime_imports(module: str) -> set[str]:
    """The project modules ``module`` may import when it runs."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            names = []
        for name in names:
            target = _resolve(name) if name.startswith("thermidor") else None
            if target is not None and target != module:
                found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {module: runtime_imports(module) for module in MODULES}


def test_the_walk_sees_the_package() -> None:
    assert "thermidor.engine.kernels" in GRAPH
    assert "thermidor.model.kernels" in GRAPH["thermidor.model.mechanisms.voice"]
    assert {layer(m) for m in MODULES} <= set(ALLOWED), {layer(m) for m in MODULES}


def upward_imports(graph: dict[str, set[str]], module: str) -> set[str]:
    """The imports of ``module`` that its layer may not make."""
    own = layer(module)
    return {t for t in graph[module] if layer(t) != own and layer(t) not in ALLOWED[own]}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components: any with two or more modules is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
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

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    upward = upward_imports(GRAPH, module)
    assert not upward, f"{module} ({layer(module)}) imports {sorted(upward)}"


def test_no_import_cycles() -> None:
    assert not cycles(GRAPH), f"import cycles: {cycles(GRAPH)}"


def test_the_checks_catch_an_upward_import_and_a_cycle() -> None:
    """The checks are not vacuous: fed a bad graph, they name what is wrong."""
    bad = {
        "thermidor.engine.rng": {"thermidor.model.state"},
        "thermidor.model.state": {"thermidor.model.census"},
        "thermidor.model.census": {"thermidor.model.state", "thermidor.experiments.spool"},
    }
    assert upward_imports(bad, "thermidor.engine.rng") == {"thermidor.model.state"}
    assert upward_imports(bad, "thermidor.model.census") == {"thermidor.experiments.spool"}
    assert cycles(bad) == [["thermidor.model.census", "thermidor.model.state"]]
    assert _resolve("thermidor.model.state.World") == "thermidor.model.state"
