"""Mishandling Exceptional Conditions: the public payloads and the attack drivers that judge success."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from typing import Any

from seclab.attacks import AttackResult

#: the demo document service: id -> (owner id, title, text). Document 3 lives in the archive.
DOCUMENTS: dict[int, tuple[int, str, str]] = {
    1: (7, "alice: salary review", "Alice's salary: 98,000"),
    2: (666, "mallory: shopping list", "milk, eggs"),
    3: (7, "alice: archived medical note", "Alice's diagnosis (archived)"),
}
ARCHIVED = {3}
MALLORY = {"id": 666, "name": "mallory"}

#: the public payloads of the fail-open attack (a document id each)
PAYLOADS: list[Any] = ["3", "1", 1, "2"]


def lookup(doc_id: int) -> dict[str, Any]:
    """The metadata service: raises KeyError for unknown ids and TimeoutError for archived ones."""
    if doc_id in ARCHIVED:
        raise TimeoutError("archive service did not answer in 2 s")
    owner, title, _ = DOCUMENTS[doc_id]
    return {"owner": owner, "title": title}


def serve_document(is_allowed: Callable[..., bool], user: dict[str, Any], doc_id: Any) -> str | None:
    """The view: the document's text when ``is_allowed`` says yes, None otherwise."""
    if not is_allowed(user, doc_id, lookup):
        return None
    try:
        return DOCUMENTS[int(doc_id)][2]
    except (KeyError, TypeError, ValueError):
        return None


def steal_document(is_allowed: Callable[..., bool], doc_id: Any) -> AttackResult:
    """Mallory asks for ``doc_id``; success when she reads a document someone else owns."""
    text = serve_document(is_allowed, MALLORY, doc_id)
    stolen = text is not None and any(text == body and owner != MALLORY["id"]
                                      for owner, _, body in DOCUMENTS.values())
    return AttackResult(f"mallory asks for document {doc_id!r}", stolen, repr(text) if text else "refused")


def attack(is_allowed: Callable[..., bool]) -> AttackResult:
    """Fire the public payloads at an authorizer; succeeded when any of them stole a document."""
    for payload in PAYLOADS:
        result = steal_document(is_allowed, payload)
        if result.succeeded:
            return result
    return AttackResult(", ".join(map(repr, PAYLOADS)), False, "every public payload was refused")


def demo_bank(isolation_level: str | None = "", fail_second_update: bool = False) -> sqlite3.Connection:
    """An in-memory bank: accounts 1 (balance 100) and 2 (balance 50), committed.

    ``isolation_level=None`` gives a connection in autocommit mode; ``fail_second_update``
    adds a trigger that makes the second row update on this connection fail, like a disk
    or a constraint failing between the two writes of a transfer.
    """
    conn = sqlite3.connect(":memory:", isolation_level=isolation_level)  # type: ignore[arg-type]
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)")
    conn.executemany("INSERT INTO accounts VALUES (?, ?)", [(1, 100), (2, 50)])
    if fail_second_update:
        conn.execute("CREATE TEMP TABLE fault_updates (n INTEGER)")
        conn.execute("INSERT INTO fault_updates VALUES (0)")
        conn.execute("CREATE TEMP TRIGGER fault_second BEFORE UPDATE ON main.accounts "
                     "WHEN (SELECT n FROM fault_updates) >= 1 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
        conn.execute("CREATE TEMP TRIGGER fault_count AFTER UPDATE ON main.accounts "
                     "BEGIN UPDATE fault_updates SET n = n + 1; END")
    if conn.in_transaction:
        conn.commit()
    return conn


def crash_between_writes(transfer: Callable[..., None], isolation_level: str | None = "") -> dict[str, Any]:
    """Transfer 30 from account 1 to 2 while the second UPDATE fails; what was raised and the balances after."""
    conn = demo_bank(isolation_level, fail_second_update=True)
    error = None
    try:
        transfer(conn, 1, 2, 30)
    except Exception as raised:  # the demo shows whatever the transfer raised
        error = f"{type(raised).__name__}: {raised}"
    conn.rollback()  # what is left is what was committed
    balances = dict(conn.execute("SELECT id, balance FROM accounts"))
    conn.close()
    return {"error": error, "balances": balances, "total": sum(balances.values())}


class EndlessStream(io.RawIOBase):
    """A client that never stops sending: every read returns data; counts what was handed out."""

    def __init__(self, limit: int = 50_000_000) -> None:
        self.handed = 0
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.handed >= self.limit:
            raise MemoryError(f"gave up after {self.handed:,} bytes: the server would have run out of memory")
        size = min(len(buffer), 65536)
        buffer[:size] = b"A" * size
        self.handed += size
        return size
