"""Insecure-design attacks on the shop: tampered carts, negative quantities, coupon races.

The payloads are shop orders (lists of ``{"sku", "qty", "price"}`` items, prices in
dollars as the cart page shows them). The race drivers release many threads at once
with a ``threading.Barrier``: ``race_http_redemptions`` against a real server over
loopback HTTP, ``race_coupon_book`` against an in-process object with ``redeem(code,
order_id)``.
"""

from __future__ import annotations

import ctypes
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from seclab.attacks import AttackResult
from seclab.server import http_request

#: Carts whose client-side fields lie about the price (the skus and quantities are honest).
TAMPERED_CARTS: list[list[dict[str, Any]]] = [
    [{"sku": "headphones", "qty": 1, "price": 0.01}],
    [{"sku": "headphones", "qty": 1, "price": 0}],
    [{"sku": "mug", "qty": 2, "price": -12.99}],
    [{"sku": "tshirt", "qty": 1, "price": "0.50", "total": 0.5}],
    [{"sku": "pen", "qty": 3, "price": 1.15, "discount": 1.0}],
]

#: Carts whose quantities no honest customer sends.
BAD_QUANTITY_CARTS: list[list[dict[str, Any]]] = [
    [{"sku": "sticker", "qty": -100, "price": 0.29}],
    [{"sku": "mug", "qty": 0, "price": 12.99}],
    [{"sku": "headphones", "qty": 0.001, "price": 199.99}],
    [{"sku": "pen", "qty": True, "price": 1.15}],
    [{"sku": "mug", "qty": "2", "price": 12.99}],
    [{"sku": "sticker", "qty": 10**6, "price": 0.29}],
]

#: One real item plus a line with a negative quantity that cancels its price.
REFUND_TRICK_CART: list[dict[str, Any]] = [
    {"sku": "headphones", "qty": 1, "price": 199.99},
    {"sku": "mug", "qty": -16, "price": 12.99},
]


def got_item_cheaply(receipt: Any, items: Any, sku: str, under_cents: int = 100) -> AttackResult:
    """Did a checkout accept an order with at least one ``sku`` for less than ``under_cents``?

    ``receipt`` is a ``Receipt`` or its dict form (``accepted``, ``charged_cents``).
    """
    data = receipt if isinstance(receipt, dict) else receipt.__dict__
    shown = json.dumps(items, default=repr)
    wanted = isinstance(items, list) and any(
        isinstance(item, dict) and item.get("sku") == sku
        and isinstance(item.get("qty"), int | float) and not isinstance(item.get("qty"), bool) and item["qty"] >= 1
        for item in items
    )
    if not data.get("accepted"):
        return AttackResult(shown, False, f"order refused: {data.get('error')}")
    charged = data.get("charged_cents")
    if not wanted:
        return AttackResult(shown, False, f"the order does not contain a whole {sku}")
    if not isinstance(charged, int) or charged >= under_cents:
        return AttackResult(shown, False, f"accepted, but charged {charged} cents")
    return AttackResult(shown, True, f"got a {sku} for {charged} cents")


# --- coupon races over HTTP ------------------------------------------------------------

def post_json(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST ``body`` as JSON to a course server on loopback; (status, JSON reply)."""
    reply = http_request("POST", url, json_body=body)
    return reply.status, reply.json()


def get_json(url: str) -> tuple[int, Any]:
    """GET a course server's JSON on loopback; (status, JSON reply)."""
    reply = http_request("GET", url)
    return reply.status, reply.json()


@dataclass(frozen=True)
class HttpRace:
    """Replies of ``threads`` simultaneous coupon redemptions."""

    statuses: list[int]
    replies: list[Any]

    @property
    def redeemed(self) -> int:
        return sum(1 for reply in self.replies if isinstance(reply, dict) and reply.get("ok") is True)


def race_http_redemptions(base_url: str, user: str, code: str, threads: int = 8) -> HttpRace:
    """Send ``threads`` redemptions of one coupon at the same moment (bounded to 2–32)."""
    if not 2 <= threads <= 32:
        raise ValueError("use between 2 and 32 threads")
    barrier = threading.Barrier(threads, timeout=10)
    results: list[tuple[int, Any] | None] = [None] * threads

    def one(index: int) -> None:
        barrier.wait()  # everybody fires together
        results[index] = post_json(f"{base_url}/coupons/redeem", {"user": user, "code": code})

    workers = [threading.Thread(target=one, args=(index,), daemon=True) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)
    done = [result for result in results if result is not None]
    return HttpRace([status for status, _ in done], [reply for _, reply in done])


# --- coupon races in process -----------------------------------------------------------

@contextmanager
def preempting(learner_globals: dict[str, Any]) -> Iterator[None]:
    """While active, threads started from here yield the CPU before every bytecode
    instruction of functions defined in ``learner_globals``.

    A check-then-act sequence such as ``if code in unused: unused.remove(code)`` is only
    a few instructions long, so CPython rarely switches threads inside it and the race
    stays invisible in a quick test. A busy server does switch there, sooner or later.
    This makes "sooner" happen on every run: the trace hook sleeps for zero seconds,
    which lets another thread run. Code that holds a lock, or does the whole job in one
    atomic operation, is unaffected.
    """

    def per_instruction(frame: FrameType, event: str, arg: Any) -> Any:
        if event in ("line", "opcode"):
            time.sleep(0)
        return per_instruction

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_globals is learner_globals:
            frame.f_trace_opcodes = True
            return per_instruction
        return None

    previous_trace = threading.gettrace()
    previous_interval = sys.getswitchinterval()
    threading.settrace(on_call)
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        threading.settrace(previous_trace)
        sys.setswitchinterval(previous_interval)


_M_ARENA_MAX = -8  # glibc's mallopt() parameter number
_RACE_STACK_BYTES = 1024 * 1024


def _fewer_malloc_arenas() -> None:
    """Ask glibc for at most two malloc arenas in this process.

    glibc gives threads that allocate at the same time their own arena, each reserving
    64 MiB of address space; under a memory limit (the grading sandbox allows 1 GiB)
    sixteen busy threads can exhaust it, and the race would fail for lack of memory
    instead of for a bug. Elsewhere (macOS, musl) there is no such call and nothing to do.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError, TypeError):
        pass


@dataclass
class RaceReport:
    """How often each code was redeemed when ``threads`` threads raced for it."""

    threads: int
    rounds: int
    wins: Counter[str] = field(default_factory=Counter)
    codes: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    stuck_threads: int = 0

    @property
    def exactly_once(self) -> bool:
        return (not self.errors and not self.stuck_threads
                and all(self.wins[code] == 1 for code in self.codes))

    def summary(self) -> dict[str, int]:
        """Plain counts, e.g. for a grader: every code once, nothing else."""
        return {
            "codes": len(self.codes),
            "redeemed_once": sum(1 for code in self.codes if self.wins[code] == 1),
            "redeemed_more_than_once": sum(1 for code in self.codes if self.wins[code] > 1),
            "never_redeemed": sum(1 for code in self.codes if self.wins[code] == 0),
            "exceptions": sum(self.errors.values()),
            "stuck_threads": self.stuck_threads,
        }


def race_coupon_book(make_book: Callable[[Iterable[str]], Any], threads: int = 16, rounds: int = 3,
                     codes_per_round: int = 4, preempt: bool = True, seconds: float = 3.0) -> RaceReport:
    """Race ``threads`` threads for the same coupons of a fresh ``make_book(codes)`` per round.

    Each round, a ``threading.Barrier`` releases every thread at once and each calls
    ``book.redeem(code, order_id)`` for every code of the round. With ``preempt``, the
    learner's code runs under ``preempting`` (see there). Bounded: at most 32 threads,
    10 rounds and 10 codes per round; threads that do not finish within ``seconds`` are
    reported as stuck.
    """
    if not (2 <= threads <= 32 and 1 <= rounds <= 10 and 1 <= codes_per_round <= 10):
        raise ValueError("use 2-32 threads, 1-10 rounds and 1-10 codes per round")
    report = RaceReport(threads, rounds)
    tally = threading.Lock()
    learner_globals = getattr(getattr(make_book, "redeem", None), "__globals__", None)
    if learner_globals is None:
        learner_globals = getattr(make_book, "__globals__", {})
    deadline = time.monotonic() + seconds
    _fewer_malloc_arenas()
    with preempting(learner_globals) if preempt else _nothing():
        for round_number in range(rounds):
            codes = [f"RACE-{round_number}-{index}" for index in range(codes_per_round)]
            report.codes.extend(codes)
            book = make_book(list(codes))
            barrier = threading.Barrier(threads, timeout=max(0.1, deadline - time.monotonic()))

            def customer(number: int, book: Any = book, codes: list[str] = codes,
                         barrier: threading.Barrier = barrier, round_number: int = round_number) -> None:
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    return
                for code in codes:
                    try:
                        won = book.redeem(code, f"order-{round_number}-{number}")
                    except Exception as error:  # a crash under contention is a failure too
                        with tally:
                            report.errors[type(error).__name__] += 1
                        continue
                    if won is True:
                        with tally:
                            report.wins[code] += 1

            workers = [threading.Thread(target=customer, args=(number,), daemon=True) for number in range(threads)]
            previous_stack = threading.stack_size(_RACE_STACK_BYTES)
            try:
                for worker in workers:
                    worker.start()
            finally:
                threading.stack_size(previous_stack)
            for worker in workers:
                worker.join(timeout=max(0.0, deadline - time.monotonic()))
            report.stuck_threads += sum(1 for worker in workers if worker.is_alive())
            if report.stuck_threads:
                break
    return report


@contextmanager
def _nothing() -> Iterator[None]:
    yield
