"""Reading a submitted notebook's cells without running them (AST and source comparisons).

What an instructor should hear about before any code runs: locked cells that were
edited, graded cells that were deleted (they are put back), names the locked cells
provide that the learner's cells rebind, and what a cell's outputs say it did.
"""

from __future__ import annotations

import ast
from typing import Any

from seclab.grading.feedback import HIDDEN_NOTE, redact_source
from seclab.notebooks import grade_id, source


def restore_missing_cells(notebook: Any, instructor: list[dict[str, Any]]) -> list[str]:
    """Put back locked or graded cells the student deleted; returns their grade_ids."""
    import nbformat

    present = {grade_id(cell) for cell in notebook.cells}
    restored = []
    for position, cell in enumerate(instructor):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = grade_id(cell)
        if not gid or gid in present or not (meta.get("locked") or meta.get("grade")):
            continue
        before = {grade_id(c) for c in instructor[:position]}
        insert_at = 0
        for index, existing in enumerate(notebook.cells):
            if grade_id(existing) in before:
                insert_at = index + 1
        restored_cell = nbformat.from_dict(cell)
        restored_cell.source = source(cell)
        notebook.cells.insert(insert_at, restored_cell)
        present.add(gid)
        restored.append(gid)
    return restored


def edited_locked_cells(notebook: Any, instructor: list[dict[str, Any]]) -> list[str]:
    """grade_ids of locked cells whose submitted source differs from the instructor's released one."""
    def released(text: str) -> str:
        return redact_source(text).replace(HIDDEN_NOTE, "").strip()

    originals = {grade_id(c): released(source(c)) for c in instructor
                 if c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    return [grade_id(cell) for cell in notebook.cells
            if grade_id(cell) in originals and released(cell.source) != originals[grade_id(cell)]
            and cell.source.strip() != originals[grade_id(cell)]]


def duplicated_grade_ids(notebook: Any) -> list[str]:
    """grade_ids that more than one cell carries (a copied cell keeps its metadata)."""
    seen: set[str] = set()
    twice = []
    for cell in notebook.cells:
        gid = grade_id(cell)
        if gid and gid in seen and gid not in twice:
            twice.append(gid)
        seen.add(gid)
    return twice


def defined_names(code: str, imports: bool = True) -> set[str]:
    """Top-level names a cell binds (assignments, defs, classes and, with ``imports``, imports)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom) and imports:
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name))
    return names


def shadowed_locked_names(notebook: Any) -> list[str]:
    """Names that the student's own cells rebind although a locked cell provides them.

    Re-importing a module the setup cell imports is harmless and not counted.
    """
    locked: set[str] = set()
    mine: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("nbgrader", {}).get("locked"):
            locked |= defined_names(cell.source)
        else:
            mine |= defined_names(cell.source, imports=False)
    return sorted(locked & mine)


def kernel_anomalies(outputs: list[dict[str, Any]], course: str = "") -> list[str]:
    """What a cell did that an instructor should hear about (beyond failing a test).

    ``course``: the course root; an error naming it means the cell went looking for it.
    """
    found = []
    for output in outputs:
        if output.get("output_type") != "error":
            continue
        name, value = output.get("ename", ""), str(output.get("evalue", ""))
        if name == "MemoryError":
            found.append("ran out of memory (MemoryError)")
        elif name == "SystemExit":
            found.append("called exit() (SystemExit)")
        elif "Read-only file system" in value or (course and course in value):
            found.append("tried to reach the course (blocked: the course is not there for student code)")
    return found
