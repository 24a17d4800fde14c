"""The house's rules, checked on the import graph rather than said in docstrings.

Layers, lowest first: core (plain integers, never torch) ← records (the vocabulary, never torch) ← cache (proofs
kept on disk, never torch) ← runtime (torch on the tool's own model) ← capture (a user's model or files) ← features
← views ← cli; the library's front door (`resnet_inspect`, `api`) and `files` sit where they are used. A module
imports only from its own layer or below, at any depth (an import inside a function counts: hiding a cycle does not
remove it); imports under `if TYPE_CHECKING:` are type hints and do not count. Views render results through what the
results expose and import no feature at run time. And no cycle anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "resnet_inspect"
LAYERS = [
    "core", "files", "records", "cache", "runtime", "capture", "features", "views", "api", "cli", "__init__", "__main__"
]  # fmt: skip
NO_TORCH = ("core", "records", "cache")  # layers that never import torch or fvcore, at any depth
HEAVY = ("torch", "fvcore")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1].removesuffix("_support").removesuffix("_plots")


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) of every import in `path` that runs: at module level or inside a function."""
    tree = ast.parse(path.read_text())
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            found.extend((name if _is_module(name) else target, node.lineno) for name in names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "resnet_inspect":
        return False
    path = PACKAGE.parent.joinpath(*parts)
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: imports(path) for name, path in MODULES.items()}


def test_every_layer_is_named():
    assert {layer(m) for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_down_the_layers(module):
    own = LAYERS.index(layer(module))
    upward = [
        (target, line)
        for target, line in GRAPH[module]
        if target.startswith("resnet_inspect") and LAYERS.index(layer(target)) > own
    ]
    assert not upward, f"{module} imports from a higher layer: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) in NO_TORCH))
def test_core_and_records_never_import_torch(module):
    heavy = [(target, line) for target, line in GRAPH[module] if target.split(".")[0] in HEAVY]
    assert not heavy, f"{module} imports {heavy}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) == "views"))
def test_views_import_no_feature_at_run_time(module):
    features = [(target, line) for target, line in GRAPH[module] if layer(target) == "features"]
    assert not features, f"{module} imports {features}: render what the result exposes instead"


def test_no_import_cycle():
    edges = {m: {t for t, _ in GRAPH[m] if t in MODULES and t != m} for m in MODULES}
    # A package imports its own submodules to re-export them; a submodule reading its package's __init__ is the cycle.
    for m in MODULES:
        edges[m] -= {t for t in edges[m] if t.startswith(m + ".") and MODULES[m].name == "__init__.py"}
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " → ".join([*path[path.index(t) :], t]))
            if t not in state:
                walk(t)
        path.pop()
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            walk(m)


LIBRARY = ("core", "records", "runtime", "capture", "features")


def _error_texts(path: Path) -> list[tuple[str, int]]:
    """The text of every error a module raises: the string parts of `raise SomethingError(...)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            for part in ast.walk(node.exc):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.append((part.value, node.lineno))
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) in LIBRARY))
def test_library_errors_name_arguments_not_flags(module):
    import re

    flags = [(text, line) for text, line in _error_texts(MODULES[module]) if re.search(r"(?<![\w-])--[a-z]", text)]
    assert not flags, f"{module} names a command-line flag in an error: {flags} (name the argument; the CLI says it)"


def test_no_two_modules_define_the_same_public_name():
    defined: dict[str, list[str]] = {}
    for name, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                defined.setdefault(node.name, []).append(name)
    # A command and the library call it makes share a name on purpose (`cli.commands.table` calls
    # `features.table.table`), and so do the library's front door and the feature it reaches.
    front = {"resnet_inspect.cli.commands", "resnet_inspect.cli.plot", "resnet_inspect.api"}
    clashes = {n: where for n, where in defined.items() if len([w for w in where if w not in front]) > 1}
    assert not clashes, clashes
