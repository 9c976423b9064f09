"""The package's layering, read from its source: parsed with ``ast``, nothing of it imported.

The tree is the pipeline (``exactrelu/__init__.py``).  Asserted here:

(a) each subpackage imports only from its own layer or lower ones (:data:`LAYERS`); the top-level
    modules (:data:`TOP`) may import anything; of the engine only ``testing/`` may import the
    checker (the mutation measure and the property checks run it);
(b) ``exactrelu/checker/**`` imports only ``exactrelu.checker.*``, the standard library, numpy and
    python-flint: the checker is independent of the engine it checks;
(c) no ``_private`` name is imported from another subpackage (nor used through an imported
    module, ``module._name``), and inside the checker none from another checker module.

Every import counts: inside functions, under ``if TYPE_CHECKING``, relative ones (resolved), and
``importlib.import_module("...")`` with a literal name.  A failure lists ``file:line: import``
and why.  Then, at run time: importing the checker loads no engine module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "exactrelu"

# Subpackage (or module directly under exactrelu/) -> layer, lowest first.
LAYERS = {
    "errors": 0,
    "exact": 0,
    "data": 1,
    "arrangement": 2,
    "model": 3,
    "program": 4,
    "optimum": 5,
    "tasks": 6,
    "testing": 7,
}
# The top: lazy public names, the command line, the demo, compatibility re-exports.
TOP = {"__init__", "__main__", "cli", "demo", "path", "optimal_set", "problem", "mutation"}
TOP |= {"strategies", "cli_output", "cli_parser"}
CHECKER = "checker"
MAY_IMPORT_CHECKER = {"testing"}
CHECKER_THIRD_PARTY = {"numpy", "flint"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(path): path for path in FILES}
SOURCES: dict[Path, str] = {}  # sources that replace a file's text (the rules' own tests)


def parse(path: Path) -> ast.Module:
    text = SOURCES[path] if path in SOURCES else path.read_text(encoding="utf-8")
    return ast.parse(text, filename=str(path))


def unit(module: str) -> str:
    """The subpackage, or top-level module, that ``module`` (in exactrelu) belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass(frozen=True)
class Import:
    """One imported module, and the name taken from it (None for the module itself)."""

    path: Path
    line: int
    text: str  # the statement, cut to this name
    module: str  # absolute dotted name of the module imported from
    name: str | None

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.text}"


def resolve(path: Path, level: int, module: str | None) -> str:
    """The absolute module of ``from <'.' * level><module> import ...`` written in ``path``."""
    if level == 0:
        return module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def scopes(tree: ast.Module):
    """(node, scope) for every node: the scope is the innermost function (or the module)."""
    stack = [(tree, tree)]
    while stack:
        node, scope = stack.pop()
        yield node, scope
        inner = node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else scope
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def imports(path: Path) -> list[Import]:
    """Every import of ``path``: one per imported name, with the statement cut to that name."""
    tree = parse(path)
    found = []
    for node, _ in scopes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                text = ast.unparse(ast.Import([alias]))
                found.append(Import(path, node.lineno, text, alias.name, None))
        elif isinstance(node, ast.ImportFrom):
            base = resolve(path, node.level, node.module)
            for alias in node.names:
                text = ast.unparse(ast.ImportFrom(node.module, [alias], node.level))
                sub = f"{base}.{alias.name}"
                if sub in MODULES:  # from package import module
                    found.append(Import(path, node.lineno, text, sub, None))
                else:
                    found.append(Import(path, node.lineno, text, base, alias.name))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            text = ast.unparse(node)
            found.append(Import(path, node.lineno, text, node.args[0].value, None))
    return found


def ordered(violations: list[str]) -> list[str]:
    """Distinct, by file then line."""

    def key(text: str) -> tuple[str, int]:
        file, line, _ = text.split(":", 2)
        return file, int(line)

    return sorted(set(violations), key=key)


def private_uses(path: Path) -> list[str]:
    """``alias._name`` where ``alias`` is an imported exactrelu module of another unit (or, in
    the checker, another module): private names reached without importing them by name."""
    tree, here = parse(path), module_name(path)
    bound: dict[ast.AST, dict[str, str]] = {}  # scope -> {local name: module}
    for node, scope in scopes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name if alias.asname else alias.name.split(".")[0]
                local = alias.asname or target
                bound.setdefault(scope, {})[local] = target
        elif isinstance(node, ast.ImportFrom):
            base = resolve(path, node.level, node.module)
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    bound.setdefault(scope, {})[alias.asname or alias.name] = f"{base}.{alias.name}"
    out = []
    for node, scope in scopes(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            chain.insert(0, value.attr)
            value = value.value
        if not isinstance(value, ast.Name):
            continue
        module = bound.get(scope, {}).get(value.id) or bound.get(tree, {}).get(value.id)
        if module is None or module not in MODULES:
            continue
        for attr in chain:  # down the submodules to the first name that is not a module
            if f"{module}.{attr}" in MODULES:
                module = f"{module}.{attr}"
                continue
            if is_private(attr) and crosses(here, module):
                out.append(
                    f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}: private "
                    f"name {attr!r} of {module}"
                )
            break
    return out


def crosses(here: str, there: str) -> bool:
    """Is a private name of ``there`` off limits to ``here``?  Across units always, and between
    two checker modules too."""
    if unit(here) != unit(there):
        return True
    return unit(here) == CHECKER and here != there


def layering_violations() -> list[str]:
    out = []
    for path in FILES:
        here = module_name(path)
        source = unit(here)
        if source == CHECKER or source in TOP:
            continue
        for item in imports(path):
            if item.module != "exactrelu" and not item.module.startswith("exactrelu."):
                continue
            target = unit(item.module)
            if item.module == "exactrelu" and item.name is not None:
                reason = f"imports {item.name!r} from the top-level package (lazy public names)"
            elif target == CHECKER:
                if source in MAY_IMPORT_CHECKER:
                    continue
                reason = f"{source}/ imports the independent checker"
            elif target in TOP:
                reason = f"{source}/ imports the top-level module {item.module}"
            elif target not in LAYERS:
                reason = f"{item.module} is in no layer of the table"
            elif LAYERS[target] > LAYERS[source]:
                reason = (
                    f"{source}/ (layer {LAYERS[source]}) imports {target}/ (layer {LAYERS[target]})"
                )
            else:
                continue
            out.append(f"{item.where()}: {reason}")
    return out


def checker_violations() -> list[str]:
    out = []
    for path in FILES:
        if unit(module_name(path)) != CHECKER:
            continue
        for item in imports(path):
            top = item.module.split(".")[0]
            if item.module == "exactrelu.checker" or item.module.startswith("exactrelu.checker."):
                continue
            if top in sys.stdlib_module_names or top in CHECKER_THIRD_PARTY:
                continue
            out.append(
                f"{item.where()}: the checker imports {item.module} (only exactrelu.checker, "
                "the standard library, numpy and flint)"
            )
    return out


def private_violations() -> list[str]:
    out = []
    for path in FILES:
        here = module_name(path)
        for item in imports(path):
            if item.module != "exactrelu" and not item.module.startswith("exactrelu."):
                continue
            names = item.module.split(".")[1:] + ([item.name] if item.name else [])
            private = [name for name in names if is_private(name)]
            if private and crosses(here, item.module):
                out.append(f"{item.where()}: private name {private[-1]!r} of {item.module}")
        out += private_uses(path)
    return out


def report(violations: list[str], rule: str) -> str:
    return f"{len(violations)} import(s) break {rule}:\n" + "\n".join(ordered(violations))


# ---------------------------------------------------------------------------------------------


def test_every_module_has_a_layer() -> None:
    units = {unit(name) for name in MODULES}
    unknown = units - set(LAYERS) - TOP - {CHECKER}
    assert not unknown, f"not in the layer table of tests/test_layering.py: {sorted(unknown)}"
    assert not (set(LAYERS) & TOP) and CHECKER not in set(LAYERS) | TOP


def test_subpackages_import_only_their_layer_or_lower() -> None:
    violations = layering_violations()
    assert not violations, report(violations, "the layering (a)")


def test_checker_imports_only_itself_stdlib_numpy_flint() -> None:
    violations = checker_violations()
    assert not violations, report(violations, "the checker's independence (b)")


def test_no_private_name_crosses_a_subpackage() -> None:
    violations = private_violations()
    assert not violations, report(violations, "privacy (c)")


def test_no_private_name_crosses_a_checker_module() -> None:
    violations = [v for v in private_violations() if v.startswith("exactrelu/checker/")]
    assert not violations, report(violations, "privacy (c) inside the checker")


# The rules themselves, on small sources: the test must see what it claims to see.


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("data/x.py", "from exactrelu.tasks.prune import prune", "layer 1) imports tasks/"),
        ("data/x.py", "def f():\n    from ..model import networks", "imports model/"),
        ("data/x.py", "from exactrelu import Problem", "top-level package"),
        ("model/x.py", "import exactrelu.checker", "imports the independent checker"),
        ("model/x.py", "from exactrelu.cli import main", "top-level module"),
        ("data/x.py", "import_module('exactrelu.optimum.verified')", "imports optimum/"),
    ],
)
def test_layering_rule_catches(monkeypatch, relative, source, expected) -> None:
    found = _with_file(monkeypatch, relative, source, layering_violations)
    assert any(expected in v for v in found), found
    assert all(v.startswith(f"exactrelu/{relative}:") for v in found), found


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("checker/x.py", "from exactrelu.exact.rationals import to_fraction", "exact.rationals"),
        ("checker/x.py", "def f():\n    import scipy.linalg", "scipy.linalg"),
        ("checker/x.py", "from .. import errors", "exactrelu.errors"),
    ],
)
def test_checker_rule_catches(monkeypatch, relative, source, expected) -> None:
    found = _with_file(monkeypatch, relative, source, checker_violations)
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    ("relative", "source", "flagged"),
    [
        ("tasks/x.py", "from exactrelu.optimum.verified import _arb", True),
        ("tasks/x.py", "from ..optimum import verified as V\nV._arb(1)", True),
        ("tasks/x.py", "import exactrelu.optimum.verified\nexactrelu.optimum.verified._arb", True),
        ("tasks/x.py", "from exactrelu.tasks.prune import _rank", False),
        ("checker/x.py", "from .duality import _field", True),
        ("checker/x.py", "from exactrelu.checker.fields import field", False),
        ("testing/x.py", "from exactrelu.optimum.verified import __doc__", False),
    ],
)
def test_private_rule_catches(monkeypatch, relative, source, flagged) -> None:
    found = _with_file(monkeypatch, relative, source, private_violations)
    assert bool(found) == flagged, found


def _with_file(monkeypatch, relative: str, source: str, rule) -> list[str]:
    """Run ``rule`` as if ``exactrelu/<relative>`` were the only file and held ``source``."""
    path = PACKAGE / relative
    monkeypatch.setitem(MODULES, module_name(path), path)
    monkeypatch.setitem(SOURCES, path, source)
    monkeypatch.setitem(globals(), "FILES", [path])
    return rule()


# ---------------------------------------------------------------------------------------------
# At run time


def test_importing_the_checker_loads_no_engine_module() -> None:
    code = (
        "import sys, exactrelu.checker, exactrelu.checker.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('exactrelu')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = ast.literal_eval(result.stdout.strip())
    assert "exactrelu.checker" in loaded
    engine = [m for m in loaded if m != "exactrelu" and not m.startswith("exactrelu.checker")]
    assert not engine, f"importing the checker loaded engine modules: {engine}"
