"""The shape of ml/ that docs and newcomers rely on: no Django, no import cycle, and stages that
import only the stages before them:

    ml.layout <- ml.read <- ml.segment <- ml.train <- ml.evaluate

ml.layout holds what every stage passes on (a page's lines, the PAGE/ALTO formats); ml.read turns
line images into text; ml.segment finds a page's lines (and reads some of them to judge them:
show-through, orientation); ml.train trains the models, scoring them on validation data with
what the stages below provide; ml.evaluate reports on models and is used by nothing else in ml.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ML = Path(__file__).resolve().parents[2] / "ml"
LAYERS = ("ml.layout", "ml.read", "ml.segment", "ml.train", "ml.evaluate")
# Imports allowed against the layers, with why.
EXCEPTIONS = {
    ("ml.read.__main__", "ml.segment.segmenter"): "python -m ml.read reads whole pages: it segments them first",
}


def ml_modules(root: Path = ML) -> dict[str, Path]:
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ml modules ``name`` imports, at module level or inside functions (``from ml.x import y``
    counts ``ml.x.y`` when that is a module, and ``ml.x`` otherwise)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # import ml.a.b.c where only ml.a.b is a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ML) -> dict[str, set[str]]:
    modules = ml_modules(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def layer(module: str) -> int | None:
    for rank, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return None  # ml itself


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules that import each other."""
    found, state, stack = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                found.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def against_the_layers(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            own, theirs = layer(module), layer(target)
            if own is not None and theirs is not None and theirs > own and (module, target) not in EXCEPTIONS:
                wrong.append(f"{module} imports {target}")
    return wrong


def test_every_ml_module_is_in_a_stage():
    assert [name for name in ml_modules() if name != "ml" and layer(name) is None] == []


def test_no_ml_module_imports_another_that_imports_it_back():
    assert cycles(import_graph()) == []


def test_each_stage_imports_only_the_stages_before_it():
    assert against_the_layers(import_graph()) == []


def test_the_exceptions_are_still_needed():
    graph = import_graph()
    assert [pair for pair in EXCEPTIONS if pair[1] not in graph.get(pair[0], ())] == []


def django_after_importing(root: Path = ML) -> list[str]:
    """The django modules a fresh Python holds after importing every module of ``root`` (but the
    ``__main__`` ones, which would run their command)."""
    modules = [name for name in ml_modules(root) if not name.endswith("__main__")]
    script = ("import importlib, sys\n"
              f"for name in {modules!r}:\n"
              "    importlib.import_module(name)\n"
              "print(sorted(name for name in sys.modules if name == 'django' or name.startswith('django.')))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root.parent,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip())


def test_ml_loads_no_django():
    assert django_after_importing() == []


def test_ml_reads_no_environment_variable():
    """Settings come in as arguments: the platform's from Django settings, the commands' from flags."""
    reads = []
    for name, path in ml_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                reads.append(f"{name}:{node.lineno}")
    assert reads == []


# The checks themselves: each finds what it is there to find.

@pytest.fixture
def tiny_ml(tmp_path):
    """A copy of the layout of ml/ to break: one module per stage."""
    root = tmp_path / "ml"
    for package in ("", *(prefix.split(".", 1)[1] for prefix in LAYERS)):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "layout" / "page.py").write_text("X = 1\n")
    (root / "read" / "codec.py").write_text("from ml.layout.page import X\n")
    (root / "train" / "loop.py").write_text("from ml.read import codec\n")
    (root / "evaluate" / "recognition.py").write_text("import ml.train.loop\n")
    return root


def test_the_checks_pass_a_layout_that_keeps_the_rules(tiny_ml):
    graph = import_graph(tiny_ml)
    assert graph["ml.read.codec"] == {"ml.layout.page"} and graph["ml.train.loop"] == {"ml.read.codec"}
    assert cycles(graph) == [] and against_the_layers(graph) == []


def test_an_import_hidden_in_a_function_against_the_layers_is_found(tiny_ml):
    (tiny_ml / "train" / "loop.py").write_text("def score():\n    from ml.evaluate.recognition import main\n")
    assert against_the_layers(import_graph(tiny_ml)) == ["ml.train.loop imports ml.evaluate.recognition"]


def test_a_cycle_inside_a_stage_is_found(tiny_ml):
    (tiny_ml / "read" / "model_file.py").write_text("from ml.read.codec import X\n")
    (tiny_ml / "read" / "codec.py").write_text("def load():\n    from ml.read import model_file\n")
    assert cycles(import_graph(tiny_ml)) == [["ml.read.codec", "ml.read.model_file", "ml.read.codec"]]


def test_a_module_that_loads_django_is_found(tiny_ml):
    assert django_after_importing(tiny_ml) == []
    (tiny_ml / "read" / "codec.py").write_text("from ml.layout.page import X\n\n\ndef later():\n    pass\n\n\nimport django.conf\n")
    assert "django" in django_after_importing(tiny_ml)
