"""Spec of exercise 04_insecure_design: price_order and CouponBook.

Orders in the corpora are JSON data (lists of items; JSON text is accepted too), and
the CouponBook cases are SCENARIOS: the class is constructed and raced inside whichever
process runs the learner's code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part, raises, returns
from seclab.topics.insecure_design import attacks
from seclab.topics.insecure_design.targets import CATALOG, MAX_QTY, fixed_price_order, valid_quantity

PARTS = {
    part.name: part
    for part in [
        Part("price_order.works", "price_order", "price_order totals an order in integer cents from the catalog"),
        Part("price_order.tampering", "price_order",
             "price_order ignores client prices and rejects empty orders, unknown skus and bad quantities"),
        Part("CouponBook.works", "CouponBook", "CouponBook redeems each known code once, one call at a time"),
        Part("CouponBook.concurrency", "CouponBook",
             "CouponBook redeems each code exactly once when many threads redeem it at the same moment"),
    ]
}

HINTS = {
    "pricing": "Add catalog[sku] * qty over the items and return an int number of cents; use the catalog you are given.",
    "tampering": "Ignore every field of an item except sku and qty: the price comes from the catalog, never from the client.",
    "quantity": f"qty must be an int (not a bool, float or str) from 1 to {MAX_QTY}; raise ValueError otherwise.",
    "unknown-sku": "Raise ValueError for a sku that is not in the catalog.",
    "empty": "An order without items is not an order: raise ValueError.",
    "coupons": "redeem returns True the first time a known code is redeemed and False afterwards, and False for unknown codes; every CouponBook has its own codes.",
    "race": "Checking that a code is unused and marking it used must be one atomic step: hold a threading.Lock (created in __init__) around both, or use one atomic operation such as set.remove inside try/except KeyError.",
}


# --- orders ----------------------------------------------------------------------------

def _order(payload: Any) -> Any:
    return json.loads(payload) if isinstance(payload, str) else payload


def _category(order: Any, catalog: dict[str, int]) -> str:
    """Why a bad order is bad (the first reason), or what a good one tests."""
    if not isinstance(order, list) or not order:
        return "empty"
    for item in order:
        if not isinstance(item, dict) or item.get("sku") not in catalog:
            return "unknown-sku"
        if not valid_quantity(item.get("qty")):
            return "quantity"
    if any(set(item) - {"sku", "qty"} for item in order):
        return "tampering"
    return "pricing"


def _expected(order: Any, catalog: dict[str, int]) -> Any:
    try:
        return returns(fixed_price_order(order, catalog))
    except ValueError:
        return raises("ValueError")


#: Honest orders for the public "works" cases, with the catalog they are priced against.
_HONEST_ORDERS: list[tuple[list[dict[str, Any]], dict[str, int]]] = [
    ([{"sku": "mug", "qty": 1}], CATALOG),
    ([{"sku": "mug", "qty": 2}, {"sku": "pen", "qty": 3}], CATALOG),
    ([{"sku": "sticker", "qty": MAX_QTY}], CATALOG),
    ([{"sku": "sticker", "qty": 7}, {"sku": "sticker", "qty": 3}], CATALOG),
    ([{"sku": "tshirt", "qty": 1}, {"sku": "headphones", "qty": 1}, {"sku": "pen", "qty": 1}], CATALOG),
    ([{"sku": "apple", "qty": 3}, {"sku": "pear", "qty": 1}], {"apple": 45, "pear": 60}),
    ([{"sku": "mug", "qty": 1}], {"mug": 999, "pen": 1}),
]

#: Public bad orders.
_PUBLIC_BAD_ORDERS: list[Any] = [
    *[
        [],
        [{"sku": "laptop", "qty": 1}],
        [{"sku": "mug", "qty": 0}],
        [{"sku": "mug", "qty": -1}],
        [{"sku": "mug", "qty": MAX_QTY + 1}],
        [{"sku": "mug", "qty": 1.5}],
        [{"sku": "mug", "qty": "2"}],
        [{"sku": "mug", "qty": True}],
        [{"sku": "mug", "qty": None}],
        [{"sku": "headphones", "qty": 1}, {"sku": "mug", "qty": -16}],
    ],
    *attacks.BAD_QUANTITY_CARTS,
]


# --- coupon scenarios ------------------------------------------------------------------

def _sequential(namespace: dict[str, Any], codes: list[str], calls: list[list[str]]) -> list[Any]:
    """One book made from ``codes`` (as a generator: any iterable will do), then the calls in order."""
    book = namespace["CouponBook"](code for code in codes)
    return [book.redeem(code, order_id) for code, order_id in calls]


def _two_books(namespace: dict[str, Any], code: str) -> list[Any]:
    """Two books with the same code: each redeems it once, independently."""
    first, second = namespace["CouponBook"]([code]), namespace["CouponBook"]([code])
    return [first.redeem(code, "order-1"), second.redeem(code, "order-2"),
            first.redeem(code, "order-3"), second.redeem(code, "order-4")]


def _race(namespace: dict[str, Any], setting: str) -> dict[str, int]:
    """``setting`` is "threads,rounds,codes": race that many threads for the codes of each round."""
    threads, rounds, codes = (int(part) for part in setting.split(","))
    report = attacks.race_coupon_book(namespace["CouponBook"], threads=threads, rounds=rounds,
                                      codes_per_round=codes, preempt=True, seconds=3.0)
    return report.summary()


def _race_expected(setting: str) -> dict[str, int]:
    _threads, rounds, codes = (int(part) for part in setting.split(","))
    total = rounds * codes
    return {"codes": total, "redeemed_once": total, "redeemed_more_than_once": 0, "never_redeemed": 0,
            "exceptions": 0, "stuck_threads": 0}


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {"sequential": _sequential, "two_books": _two_books, "race": _race}

_SEQUENTIAL_CASES: list[tuple[list[str], list[list[str]], list[bool]]] = [
    (["WELCOME5"], [["WELCOME5", "o1"]], [True]),
    (["WELCOME5"], [["WELCOME5", "o1"], ["WELCOME5", "o2"]], [True, False]),
    (["A", "B"], [["A", "o1"], ["B", "o2"], ["A", "o3"], ["B", "o4"]], [True, True, False, False]),
    (["WELCOME5"], [["NOPE", "o1"], ["WELCOME5", "o2"], ["NOPE", "o3"]], [False, True, False]),
    ([], [["WELCOME5", "o1"]], [False]),
    (["A", "A"], [["A", "o1"], ["A", "o2"]], [True, False]),
    (["A", "B"], [["B", "o1"], ["b", "o2"], ["", "o3"], ["A", "o4"]], [True, False, False, True]),
]


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []

    if public:
        for order, catalog in _HONEST_ORDERS:
            found.append(Case("price_order.works", "pricing", "price_order", (order, catalog),
                              returns(fixed_price_order(order, catalog)), public=public))
        for codes, calls, expected in _SEQUENTIAL_CASES:
            found.append(Case("CouponBook.works", "coupons", "CouponBook", (codes, calls), returns(expected),
                              public=public, scenario="sequential"))
        found.append(Case("CouponBook.works", "coupons", "CouponBook", ("WELCOME5",),
                          returns([True, True, False, False]), public=public, scenario="two_books"))
    for payload in corpus.get("tampered_orders", []) + corpus.get("bad_orders", []):
        order = _order(payload)
        found.append(Case("price_order.tampering", _category(order, CATALOG), "price_order", (order, CATALOG),
                          _expected(order, CATALOG), public=public))
    for setting in map(str, corpus.get("race", [])):
        found.append(Case("CouponBook.concurrency", "race", "CouponBook", (setting,), returns(_race_expected(setting)),
                          public=public, scenario="race"))
    return found


def public_corpus() -> dict[str, list[Any]]:
    return {
        "tampered_orders": [list(cart) for cart in attacks.TAMPERED_CARTS],
        "bad_orders": list(_PUBLIC_BAD_ORDERS),
        "race": ["16,3,4"],
    }


# --- the exploit challenge ---------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded order ``{"items": [...]}`` at fresh vulnerable and fixed shops.

    Success: the checkout accepts an order that contains the most expensive item and
    charges less than one dollar for it.
    """
    from seclab.topics.insecure_design.targets import MOST_EXPENSIVE, create_app

    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        return {"vulnerable": False, "fixed": False}
    items = payload["items"]
    results = {}
    for name, vulnerable in (("vulnerable", True), ("fixed", False)):
        client = create_app(vulnerable=vulnerable, race_window=0.0).test_client()
        reply = client.post("/checkout", json={"user": "mallory", "items": items})
        body = reply.get_json(silent=True) or {}
        results[name] = attacks.got_item_cheaply(body, items, MOST_EXPENSIVE).succeeded
    return results
