"""The lesson kit: what every lesson notebook needs, in one place.

A lesson's setup cell imports from here and from its topic package only::

    from seclab.lesson import Scratch, bandit_report, cell_source, expect_error

* ``Scratch("03")`` — the lesson's scratch folder (payloads write marker files there,
  servers started with ``scratch.serve(app)`` run until the lesson ends); its last cell
  calls ``scratch.close()``, and if a learner never gets there, the folder is removed
  and the servers stop when the kernel exits anyway.
* ``cell_source(function)`` — the source of the notebook cell that defined a function.
* ``bandit_report(functions)`` — bandit's findings on the cells that defined them, shown
  as a table; returns ``{name: {test ids}}`` for the lesson to assert on.
* ``expect_error(...)`` — show an expected exception as one line without stopping
  *Run All*; fails when nothing is raised, so the lesson's claim cannot silently rot.

Importing this module prints nothing and loads nothing heavy.
"""

from __future__ import annotations

import html
import linecache
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from seclab.errors import NoErrorRaised

__all__ = ["NoErrorRaised", "Scratch", "bandit_report", "bandit_table_html", "cell_source", "expect_error"]

T = TypeVar("T")


_OBJECT_ADDRESS = re.compile(r"<([\w.]+) object at 0x[0-9a-fA-F]+>")


@contextmanager
def expect_error(*expected: type[BaseException]) -> Iterator[None]:
    """Print the (expected) exception raised in the block as one line and go on.

    With exception types given, anything else propagates; a block that raises nothing
    fails with NoErrorRaised, so a lesson cannot silently stop demonstrating a failure.
    """
    kinds = expected or (Exception,)
    try:
        yield
    except kinds as error:
        message = _OBJECT_ADDRESS.sub(r"<\1>", str(error))  # "<ast.Call object at 0x7f..>" reads "<ast.Call>"
        print(f"{type(error).__name__}: {message}  (expected)")
    else:
        raise NoErrorRaised(f"expected {' or '.join(k.__name__ for k in kinds)}, but nothing was raised")


def _remove(path: Path, stack: ExitStack) -> None:
    stack.close()
    shutil.rmtree(path, ignore_errors=True)


class Scratch:
    """A lesson's private scratch folder, and everything the lesson must stop at its end.

    ``path`` is a fresh folder in the system's temporary directory. ``enter(cm)`` keeps a
    context manager (a server, a database connection) open until ``close()``; ``serve``
    is the common case. ``close()`` stops them in reverse order and deletes the folder;
    it also runs when the object is garbage-collected or the kernel exits.
    """

    def __init__(self, lesson: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"safer-python-{lesson}-"))
        self._stack = ExitStack()
        self._finalizer = weakref.finalize(self, _remove, self.path, self._stack)

    def __repr__(self) -> str:
        return f"Scratch({str(self.path)!r})"

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def enter(self, context: AbstractContextManager[T]) -> T:
        """Enter ``context`` now and leave it when the lesson closes; returns its value."""
        return self._stack.enter_context(context)

    def serve(self, app: Any) -> str:
        """Serve ``app`` (WSGI, or ASGI with uvicorn) on 127.0.0.1 until the lesson closes; returns its base URL."""
        from seclab.server import serve_any

        return self.enter(serve_any(app))

    def callback(self, function: Callable[[], Any]) -> None:
        """Call ``function`` when the lesson closes (e.g. ``conn.close``)."""
        self._stack.callback(function)

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Stop every server, run the callbacks and delete the folder (idempotent)."""
        self._finalizer()


def cell_source(function: Callable[..., Any]) -> str:
    """The text of the notebook cell that defined ``function`` (or a class), as it was run.

    IPython keeps every executed cell in ``linecache`` under the cell's file name.
    ValueError when the source is not available (e.g. a built-in function).
    """
    code = getattr(function, "__code__", None)
    if code is None and isinstance(function, type):  # a class: the cell of its first method
        methods = (getattr(member, "__func__", member) for member in vars(function).values())
        code = next((method.__code__ for method in methods if hasattr(method, "__code__")), None)
    lines = linecache.getlines(code.co_filename) if code is not None else []
    if not lines:
        raise ValueError(f"no source for {getattr(function, '__name__', function)!r}: define it in a notebook cell")
    return "".join(lines)


def bandit_report(functions: Iterable[Callable[..., Any]], show: bool = True) -> dict[str, set[str]]:
    """Scan the cell that defined each function with bandit; ``{function name: test ids}``.

    With ``show`` (the default) the findings are displayed as a table first, one row per
    function, so the learner reads them and the lesson asserts on the returned ids.
    """
    from seclab.tools import bandit_scan_many

    functions = list(functions)
    findings = bandit_scan_many([cell_source(function) for function in functions])
    by_name = {function.__name__: found for function, found in zip(functions, findings, strict=True)}
    if show:
        from IPython.display import HTML, display

        display(HTML(bandit_table_html(by_name)))
    return {name: {finding.test_id for finding in found} for name, found in by_name.items()}


def bandit_table_html(findings: dict[str, list[Any]]) -> str:
    """An HTML table of bandit findings per function (``Finding`` objects from seclab.tools)."""
    rows = []
    for name, found in findings.items():
        if not found:
            rows.append(f"<tr><td><code>{html.escape(name)}</code></td>"
                        '<td colspan="3" style="color:#777">no findings</td></tr>')
        for index, finding in enumerate(found):
            label = f"<code>{html.escape(name)}</code>" if index == 0 else ""
            rows.append(f"<tr><td>{label}</td><td><b>{html.escape(finding.test_id)}</b> "
                        f"{html.escape(finding.test_name)}</td><td>{html.escape(finding.severity.lower())}</td>"
                        f"<td>{html.escape(finding.text)}</td></tr>")
    return ('<table class="seclab-bandit"><thead><tr><th>function</th><th>bandit test</th><th>severity</th>'
            f"<th>what it says</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
