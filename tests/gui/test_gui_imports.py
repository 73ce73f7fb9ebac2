"""The window's modules import one another in one direction only: a controller uses its views and
helpers, start-up uses the controller, and nothing imports back (imports inside functions count)."""

from __future__ import annotations

import ast
from pathlib import Path

GUI = Path(__file__).resolve().parents[2] / "gui"


def gui_imports(source: str, module: str) -> set[str]:
    """The gui modules that `module`'s source imports, wherever in the file the import stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "appwarden.gui" if node.level else (node.module or "")
            if node.level and node.module:
                base = f"appwarden.gui.{node.module}"
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name.split(".")[2] for name in names if name.startswith("appwarden.gui.")} - {module}


def import_graph(folder: Path) -> dict[str, set[str]]:
    modules = {path.stem for path in folder.glob("*.py")}
    return {
        path.stem: gui_imports(path.read_text(encoding="utf-8"), path.stem) & modules
        for path in sorted(folder.glob("*.py"))
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every chain of imports that comes back to where it started, each reported once."""
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                found.append(path + [nxt])
            elif nxt not in path and nxt > path[0]:  # start each cycle at its smallest module
                walk(path + [nxt])

    for start in sorted(graph):
        walk([start])
    return found


def test_no_two_gui_modules_import_each_other():
    assert cycles(import_graph(GUI)) == []


def test_the_controller_does_not_import_the_start_up_module():
    assert "app" not in import_graph(GUI)["controller"]


def test_imports_inside_functions_and_every_spelling_count(tmp_path):
    (tmp_path / "app.py").write_text("from appwarden.gui.controller import MainController\n")
    (tmp_path / "controller.py").write_text("def apply():\n    from appwarden.gui.app import translator_for\n")
    (tmp_path / "views.py").write_text("import appwarden.gui.models\nfrom appwarden.gui import background\n")
    (tmp_path / "models.py").write_text("def late():\n    from . import views\n")
    (tmp_path / "background.py").write_text("import os\n")
    assert cycles(import_graph(tmp_path)) == [["app", "controller", "app"], ["models", "views", "models"]]
