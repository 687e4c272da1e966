"""Layers stay clean: the hub's own code names no connector. It finds connectors and their
sandboxes through entry points (`hub.connectors`, `hub.sandboxes`), so a company's plugin
is as much at home as the ones that ship with it."""

from __future__ import annotations

import ast
from pathlib import Path

import hub

HUB = Path(hub.__file__).parent


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" \
                and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_hub_imports_no_connector() -> None:
    offending = [f"{path.relative_to(HUB.parent)}:{line} imports {module}"
                 for path in sorted(HUB.rglob("*.py"))
                 for line, module in _imports(path)
                 if module == "connectors" or module.startswith("connectors.")]
    assert offending == []


def test_the_scan_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import connectors.jira\nfrom connectors.asana import x\n"
                      "importlib.import_module('connectors.hr')\n")
    assert [m for _, m in _imports(sample)] == ["connectors.jira", "connectors.asana",
                                                "connectors.hr"]
