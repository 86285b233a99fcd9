"""Mishandling Exceptional Conditions: the vulnerable and fixed twins of the lesson and exercise.

Each function comes twice: the way it is often written (fail open, leak the error, leave
a half-done transfer, read without a limit) and the fixed way, which is also the
exercise's reference solution.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any, BinaryIO

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {}

LOG = logging.getLogger("app")


# --- authorization: fail open vs fail closed -------------------------------------------------

def vulnerable_is_allowed(user: dict[str, Any], doc_id: object, lookup: Callable[[int], dict[str, Any]]) -> bool:
    """Fail OPEN: any error while checking counts as "allowed"."""
    try:
        return bool(lookup(int(doc_id))["owner"] == user["id"])  # type: ignore[call-overload]
    except Exception:
        return True  # "don't lock users out because of a glitch" -- the bug


def _is_ascii_digits(text: str) -> bool:
    return bool(text) and all("0" <= char <= "9" for char in text)


def fixed_is_allowed(user: dict[str, Any], doc_id: object, lookup: Callable[[int], dict[str, Any]]) -> bool:
    """Fail CLOSED: True only when every step succeeded and proved ownership."""
    try:
        if type(doc_id) is int:
            number = doc_id
        elif type(doc_id) is str and _is_ascii_digits(doc_id):
            number = int(doc_id)
        else:
            return False
        user_id = user["id"]
        if user_id is None:
            return False
        document = lookup(number)
        if not isinstance(document, dict) or "owner" not in document:
            return False
        return bool(document["owner"] == user_id)
    except Exception:  # fail closed; KeyboardInterrupt and SystemExit are not Exceptions and propagate
        return False


# --- error responses: leak vs generic message + log -------------------------------------------

STATUS = [(ValueError, 400, "bad request"), (PermissionError, 403, "forbidden"),
          (LookupError, 404, "not found"), (TimeoutError, 503, "unavailable")]


def vulnerable_error_response(exc: BaseException, request_id: str) -> tuple[int, dict[str, Any]]:
    """Right status, but the body tells the client the exception's type and text, and nothing is logged."""
    for klass, status, text in STATUS:
        if isinstance(exc, klass):
            return status, {"error": text, "request_id": request_id, "detail": f"{type(exc).__name__}: {exc}"}
    return 500, {"error": "internal error", "request_id": request_id, "detail": f"{type(exc).__name__}: {exc}"}


def fixed_error_response(exc: BaseException, request_id: str) -> tuple[int, dict[str, Any]]:
    """A generic body with the request id for the client; the details go to the log."""
    if not isinstance(exc, Exception):
        raise exc
    status, text = 500, "internal error"
    for klass, code, message in STATUS:
        if isinstance(exc, klass):
            status, text = code, message
            break
    LOG.error("request %s failed with status %d", request_id, status, exc_info=exc)
    return status, {"error": text, "request_id": request_id}


# --- transfers: half-done vs atomic ------------------------------------------------------------

def vulnerable_transfer(conn: sqlite3.Connection, src: int, dst: int, amount: int) -> None:
    """Two writes, each on its own: an error between them leaves the money gone from src only."""
    row = conn.execute("SELECT balance FROM accounts WHERE id = ?", (src,)).fetchone()
    if row is None or conn.execute("SELECT 1 FROM accounts WHERE id = ?", (dst,)).fetchone() is None:
        raise ValueError("unknown account")
    if amount <= 0 or row[0] < amount:
        raise ValueError("insufficient funds")
    conn.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", (amount, src))
    conn.commit()
    conn.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, dst))
    conn.commit()


def fixed_transfer(conn: sqlite3.Connection, src: int, dst: int, amount: int) -> None:
    """Validate, then both writes in ONE transaction: commit both, or roll back and re-raise."""
    if type(amount) is not int or amount <= 0:
        raise ValueError("amount must be a positive int")
    if src == dst:
        raise ValueError("source and destination are the same account")
    if not conn.in_transaction:
        conn.execute("BEGIN")
    try:
        source = conn.execute("SELECT balance FROM accounts WHERE id = ?", (src,)).fetchone()
        target = conn.execute("SELECT balance FROM accounts WHERE id = ?", (dst,)).fetchone()
        if source is None or target is None:
            raise ValueError("unknown account")
        if source[0] < amount:  # compared in Python: any size of amount, no overflow in SQLite
            raise ValueError("insufficient funds")
        conn.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", (amount, src))
        conn.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, dst))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


# --- request bodies: unbounded vs bounded --------------------------------------------------------

def vulnerable_read_body(stream: BinaryIO, max_bytes: int) -> bytes:
    """Reads EVERYTHING, then checks the size: an endless stream never ends or fills memory first."""
    data = stream.read()
    if len(data) > max_bytes:
        raise ValueError("body too large")
    return data


def fixed_read_body(stream: BinaryIO, max_bytes: int) -> bytes:
    """Never asks for more than max_bytes + 1 bytes in total; loops over short reads."""
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = stream.read(max_bytes + 1 - total)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    raise ValueError(f"body larger than {max_bytes} bytes")
