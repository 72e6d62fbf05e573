"""The package's import graph has no cycles, counting the imports inside functions.

An edge A -> B is any ``import`` statement in module A (at module level, in a function, a class, an
``if`` or a ``try``; relative or absolute) that names module B of the package: ``import silva.x``
and ``from silva.x import name`` name ``silva.x``; ``from silva import x`` names ``silva.x`` when
``x`` is a module and ``silva`` otherwise (``import silva`` and ``from silva import __version__``
both import the package itself). The parent packages that Python initialises on the way are not
edges: every module needs them, and they are not what the statement asks for.

Estimators and losses that others must find by name join a registry (``silva._registry``,
``silva.losses.base``) instead of being imported by the module that looks them up; the last tests
check that ``import silva`` fills both registries before anything can look there.
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

import silva

PACKAGE_DIR = Path(silva.__file__).resolve().parent


def package_modules(package_dir):
    """{dotted module name: path} of every .py file under ``package_dir`` (a package named after it)."""
    package_dir = Path(package_dir)
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = (package_dir.name,) + path.relative_to(package_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imported(module, is_package, node, modules):
    """The package modules that one import statement of ``module`` names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module
    out = []
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        if submodule in modules:
            out.append(submodule)
        elif source in modules:
            out.append(source)
    return out


def import_edges(package_dir):
    """{module: {imported module: [line, ...]}} over every import statement of the package."""
    modules = package_modules(package_dir)
    edges = {name: {} for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(name, is_package, node, modules):
                    if target == name:
                        continue
                    lines = edges[name].setdefault(target, [])
                    if node.lineno not in lines:
                        lines.append(node.lineno)
    return edges


def find_cycles(edges):
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
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
                components.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return components


def _describe(component, edges):
    inside = set(component)
    return "\n".join(f"  {a} -> {b} (line {', '.join(map(str, lines))})"
                     for a in component for b, lines in sorted(edges[a].items()) if b in inside)


def test_the_package_import_graph_is_acyclic():
    edges = import_edges(PACKAGE_DIR)
    cycles = find_cycles(edges)
    assert not cycles, "import cycles in silva:\n" + "\n\n".join(_describe(c, edges) for c in cycles)


def test_the_scanner_sees_the_package_edges():
    edges = import_edges(PACKAGE_DIR)
    assert "silva.ensemble" in edges["silva"]                    # relative, module level
    assert "silva.exceptions" in edges["silva.io"]               # absolute
    assert "silva.io" in edges["silva.ensemble._boosting_base"]  # inside a method (save)
    assert "silva.losses.base" in edges["silva.losses.losses"]


def _write_package(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_scanner_finds_function_level_and_package_cycles(tmp_path):
    pkg = _write_package(tmp_path / "pkg", {
        "__init__.py": "from .sub import thing\n__version__ = '1'\n",
        "sub/__init__.py": "from .a import thing\n",
        "sub/a.py": "thing = 1\n\ndef f():\n    from ..io import save\n",
        "io.py": "def version():\n    import pkg\n    return pkg.__version__\n",
        "other.py": "import pkg.sub.a\nfrom pkg import io\n",
        "lone.py": "def g():\n    from . import other\n",
    })
    edges = import_edges(pkg)
    assert edges["pkg.io"] == {"pkg": [2]}
    assert edges["pkg.sub.a"] == {"pkg.io": [4]}
    assert edges["pkg.other"] == {"pkg.sub.a": [1], "pkg.io": [2]}
    assert edges["pkg.lone"] == {"pkg.other": [2]}
    assert find_cycles(edges) == [["pkg", "pkg.io", "pkg.sub", "pkg.sub.a"]]

    (pkg / "io.py").write_text("VERSION = '1'\n")
    assert find_cycles(import_edges(pkg)) == []


def test_import_silva_fills_the_registries():
    """In a fresh interpreter, whichever module is imported first, the registries are complete
    before a lookup: the model file finds every estimator, get_loss every objective."""
    code = """
import json, sys
first = sys.argv[1]
__import__(first)
import silva, silva.io, silva.losses.base as base
public = [n for n in silva.__all__ if hasattr(getattr(silva, n), "_from_model_state")]
print(json.dumps({"io": sorted(silva.io._model_classes()), "public": sorted(public),
                  "losses": [type(base.get_loss(None, k)).__name__ for k in (None, 2, 3)]}))
"""
    for first in ("silva.io", "silva.losses.base", "silva._registry", "silva.ensemble.tree"):
        out = subprocess.run([sys.executable, "-c", code, first], capture_output=True, text=True,
                             check=True).stdout
        got = json.loads(out.strip().splitlines()[-1])
        assert got["io"] == got["public"] and len(got["public"]) == 13, (first, got)
        assert got["losses"] == ["SquaredError", "LogLoss", "SoftmaxLoss"], (first, got)
