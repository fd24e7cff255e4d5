"""The shape the application's code keeps (docs/architecture.md, "Layers"): no function longer than 60 lines and no
block nested deeper than four levels, so that every function can be read on one screen. The packages are
those import-linter checks (pyproject.toml, [tool.importlinter])."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 60
MAX_DEPTH = 4
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.Match)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def depth(node: ast.AST, level: int = 0) -> int:
    """The deepest block inside `node`, not counting nested functions (they are measured on their own).
    An `elif` is the same level as its `if`, as it reads."""
    elif_ = node.orelse[0] if isinstance(node, ast.If) and len(node.orelse) == 1 else None
    deepest = level
    for child in ast.iter_child_nodes(node):
        if isinstance(child, SCOPES):
            continue
        counts = isinstance(child, BLOCKS) and not (child is elif_ and isinstance(child, ast.If))
        deepest = max(deepest, depth(child, level + counts))
    return deepest


def functions(source: str):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def application_modules() -> list[Path]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = config["tool"]["importlinter"]["root_packages"]
    return sorted(path for package in packages for path in (REPO / package).rglob("*.py"))


def test_the_measure_counts_blocks_not_elifs_and_skips_nested_functions():
    source = '''
def f(x):
    if x:
        for _ in x:
            while x:
                with x:
                    try:
                        pass
                    except Exception:
                        pass
    elif x:
        pass
    def inner():
        if x:
            if x:
                pass
'''
    outer, inner = functions(source)
    assert (depth(outer), depth(inner)) == (5, 2)
    assert outer.end_lineno - outer.lineno + 1 == 15


@pytest.mark.parametrize("path", application_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_functions_fit_on_a_screen(path):
    too_big = [f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines, depth {depth(node)}"
               for node in functions(path.read_text())
               if node.end_lineno - node.lineno + 1 > MAX_LINES or depth(node) > MAX_DEPTH]
    assert not too_big, too_big
