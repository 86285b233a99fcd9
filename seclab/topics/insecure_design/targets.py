"""The insecure-design lesson's demo application: a small web shop on sqlite3.

The shop has a catalog, customer wallets (store credit in cents), a checkout and
single-use coupons that add credit to a wallet. Every feature exists twice:

* ``vulnerable_*`` is designed the way a first version often is: the checkout trusts the
  price and quantity the client's cart sends, adds money up in binary floats and
  truncates the total to cents, and a coupon is checked first and marked as used
  afterwards (check-then-act), with a deliberate pause in between so the race is
  reproducible on any machine.
* ``fixed_*`` is designed differently: the server looks prices up in its own catalog,
  counts money in integer cents, accepts only whole quantities from 1 to ``MAX_QTY``, and
  redeems a coupon with one conditional ``UPDATE`` whose row count says who won.

Both twins run on the same kind of database, so an attack can be fired at each and the
outcomes compared. The demo trusts the ``user`` field of a request: who the caller is
belongs to lessons 01 and 07, not to this one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask, jsonify, request

#: sku -> (name, price in integer cents)
PRODUCTS: dict[str, tuple[str, int]] = {
    "sticker": ("Laptop sticker", 29),
    "pen": ("Gel pen", 115),
    "mug": ("Coffee mug", 1299),
    "tshirt": ("T-shirt", 2499),
    "headphones": ("Noise-cancelling headphones", 19999),
}
#: The price list the server trusts: sku -> integer cents.
CATALOG: dict[str, int] = {sku: cents for sku, (_name, cents) in PRODUCTS.items()}
MOST_EXPENSIVE = max(CATALOG, key=CATALOG.__getitem__)
#: The largest quantity of one item the fixed checkout accepts per order line.
MAX_QTY = 100
#: Customers and the store credit in their wallets (cents) in a fresh shop.
START_BALANCES = {"alice": 5000, "mallory": 5000}
#: Single-use coupons: code -> store credit in cents.
COUPONS = {"WELCOME5": 500, "SPRING5": 500, "THANKYOU10": 1000}
#: The pause between "is the coupon still unused?" and "mark it used" in the race demo.
DEFAULT_RACE_WINDOW = 0.25


def dollars(cents: int) -> str:
    """``1299`` -> ``"$12.99"`` (for display only; the fixed shop never computes with it)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100}.{abs(cents) % 100:02d}"


class ShopDB:
    """One in-memory shop database that a threaded server shares.

    ``query`` and ``update`` run ONE statement each under a lock, the way a database
    server runs each statement atomically; a sequence of statements is not atomic,
    exactly as on a real database without an explicit transaction.
    """

    def __init__(self) -> None:
        import sqlite3

        self._conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._conn.executescript(
            """
            CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL);
            CREATE TABLE accounts (user TEXT PRIMARY KEY, balance_cents INTEGER NOT NULL);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, user TEXT NOT NULL, charged_cents INTEGER NOT NULL,
                                 items TEXT NOT NULL);
            CREATE TABLE coupons (code TEXT PRIMARY KEY, credit_cents INTEGER NOT NULL, used_by TEXT);
            """
        )
        self._conn.executemany("INSERT INTO products VALUES (?, ?, ?)",
                               [(sku, name, cents) for sku, (name, cents) in PRODUCTS.items()])
        self._conn.executemany("INSERT INTO accounts VALUES (?, ?)", list(START_BALANCES.items()))
        self._conn.executemany("INSERT INTO coupons VALUES (?, ?, NULL)", list(COUPONS.items()))

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def update(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one writing statement; returns how many rows it changed."""
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    def insert(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        with self._lock:
            return int(self._conn.execute(sql, params).lastrowid or 0)

    def catalog(self) -> dict[str, int]:
        return {sku: cents for sku, cents in self.query("SELECT sku, price_cents FROM products")}

    def balance(self, user: str) -> int | None:
        rows = self.query("SELECT balance_cents FROM accounts WHERE user = ?", (user,))
        return int(rows[0][0]) if rows else None

    def orders(self, user: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, charged_cents, items FROM orders WHERE user = ? ORDER BY id", (user,))
        return [{"id": oid, "charged_cents": charged, "items": json.loads(items)} for oid, charged, items in rows]

    def close(self) -> None:
        self._conn.close()


@dataclass(frozen=True)
class Receipt:
    """What a checkout did: accepted or not, what it charged, the wallet afterwards."""

    accepted: bool
    charged_cents: int | None
    balance_cents: int | None
    order_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Redemption:
    """What redeeming a coupon did."""

    ok: bool
    credit_cents: int
    balance_cents: int | None
    error: str | None = None


# --- pricing ---------------------------------------------------------------------------

def vulnerable_order_total(items: list[dict[str, Any]]) -> float:
    """INSECURE: the total in dollars from the prices and quantities the CLIENT sent, in floats."""
    total = 0.0
    for item in items:
        total += float(item["price"]) * item["qty"]
    return total


def vulnerable_to_cents(total: float) -> int:
    """INSECURE: float dollars -> cents by truncation (``int(28.999999999999996) == 28``)."""
    return int(total * 100)


def valid_quantity(qty: Any) -> bool:
    """A quantity is an ``int`` (never a bool, float or str) from 1 to ``MAX_QTY``."""
    return type(qty) is int and 1 <= qty <= MAX_QTY


def fixed_price_order(items: Any, catalog: Mapping[str, int]) -> int:
    """The order total in integer cents, from the server's catalog only.

    Each item needs a known ``sku`` and a whole ``qty`` from 1 to ``MAX_QTY``; whatever
    else the client sends (a ``price``, a ``total``, a ``discount``) is ignored. Raises
    ValueError for an empty order, an unknown sku or a bad quantity.
    """
    if not isinstance(items, list) or not items:
        raise ValueError("an order needs at least one item")
    total = 0
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("each item must be an object with sku and qty")
        sku, qty = item.get("sku"), item.get("qty")
        if not isinstance(sku, str) or sku not in catalog:
            raise ValueError(f"unknown sku {sku!r}")
        if type(qty) is not int or not 1 <= qty <= MAX_QTY:
            raise ValueError(f"qty must be a whole number from 1 to {MAX_QTY}, not {qty!r}")
        total += catalog[sku] * qty
    return total


# --- checkout --------------------------------------------------------------------------

def _record_order(db: ShopDB, user: str, charged: int, items: Any) -> int:
    return db.insert("INSERT INTO orders (user, charged_cents, items) VALUES (?, ?, ?)",
                     (user, charged, json.dumps(items)))


def vulnerable_checkout(db: ShopDB, user: str, items: Any) -> Receipt:
    """INSECURE: charges what the client's cart says, in floats, whatever the quantity."""
    balance = db.balance(user)
    if balance is None:
        return Receipt(False, None, None, error="unknown customer")
    if not isinstance(items, list) or not items:
        return Receipt(False, None, balance, error="empty order")
    try:
        charged = vulnerable_to_cents(vulnerable_order_total(items))
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        return Receipt(False, None, balance, error=f"malformed order: {type(error).__name__}")
    if charged > balance:
        return Receipt(False, None, balance, error="insufficient funds")
    db.update("UPDATE accounts SET balance_cents = balance_cents - ? WHERE user = ?", (charged, user))
    order_id = _record_order(db, user, charged, items)
    return Receipt(True, charged, db.balance(user), order_id)


def fixed_checkout(db: ShopDB, user: str, items: Any) -> Receipt:
    """Prices from the catalog, integer cents, validated quantities, an atomic debit."""
    balance = db.balance(user)
    if balance is None:
        return Receipt(False, None, None, error="unknown customer")
    catalog = db.catalog()
    try:
        charged = fixed_price_order(items, catalog)
    except ValueError as error:
        return Receipt(False, None, balance, error=str(error))
    debited = db.update(
        "UPDATE accounts SET balance_cents = balance_cents - ? WHERE user = ? AND balance_cents >= ?",
        (charged, user, charged),
    )
    if debited != 1:
        return Receipt(False, None, db.balance(user), error="insufficient funds")
    lines = [{"sku": item["sku"], "qty": item["qty"], "price_cents": catalog[item["sku"]]} for item in items]
    order_id = _record_order(db, user, charged, lines)
    return Receipt(True, charged, db.balance(user), order_id)


# --- coupons ---------------------------------------------------------------------------

def vulnerable_redeem(db: ShopDB, user: str, code: str, window: float = 0.0) -> Redemption:
    """INSECURE: check the coupon, pause, then mark it used (check-then-act)."""
    rows = db.query("SELECT credit_cents, used_by FROM coupons WHERE code = ?", (code,))
    if not rows or rows[0][1] is not None:
        return Redemption(False, 0, db.balance(user), "unknown or already used coupon")
    credit = int(rows[0][0])
    time.sleep(window)  # the work a real handler does here: a fraud check, an API call, a log write
    db.update("UPDATE coupons SET used_by = ? WHERE code = ?", (user, code))
    db.update("UPDATE accounts SET balance_cents = balance_cents + ? WHERE user = ?", (credit, user))
    return Redemption(True, credit, db.balance(user))


def fixed_redeem(db: ShopDB, user: str, code: str, window: float = 0.0) -> Redemption:
    """Claim the coupon with one conditional UPDATE; only the request that changed the row wins."""
    claimed = db.update("UPDATE coupons SET used_by = ? WHERE code = ? AND used_by IS NULL", (user, code))
    if claimed != 1:
        return Redemption(False, 0, db.balance(user), "unknown or already used coupon")
    time.sleep(window)  # the same pause as the vulnerable twin: harmless once the claim is atomic
    credit = int(db.query("SELECT credit_cents FROM coupons WHERE code = ?", (code,))[0][0])
    db.update("UPDATE accounts SET balance_cents = balance_cents + ? WHERE user = ?", (credit, user))
    return Redemption(True, credit, db.balance(user))


# --- the same features over HTTP -------------------------------------------------------

def create_app(vulnerable: bool, race_window: float = DEFAULT_RACE_WINDOW, db: ShopDB | None = None) -> Flask:
    """The shop as a Flask app.

    ``GET /catalog``, ``GET /account?user=``, ``POST /checkout`` with
    ``{"user": ..., "items": [{"sku", "qty", "price"}, ...]}`` and ``POST /coupons/redeem``
    with ``{"user": ..., "code": ...}``. ``race_window`` is the pause inside coupon
    redemption (the same in both twins).
    """
    app = Flask("shop-vulnerable" if vulnerable else "shop-fixed")
    shop = db if db is not None else ShopDB()
    app.config["SHOP_DB"] = shop
    checkout = vulnerable_checkout if vulnerable else fixed_checkout
    redeem = vulnerable_redeem if vulnerable else fixed_redeem

    @app.get("/catalog")
    def show_catalog() -> Any:
        # The cart page needs prices to display them; only the vulnerable checkout
        # believes them when they come back.
        return jsonify([{"sku": sku, "name": name, "price": cents / 100, "price_cents": cents}
                        for sku, (name, cents) in PRODUCTS.items()])

    @app.get("/account")
    def account() -> Any:
        user = request.args.get("user", "")
        balance = shop.balance(user)
        if balance is None:
            return jsonify(error="unknown customer"), 404
        return jsonify(user=user, balance_cents=balance, orders=shop.orders(user))

    @app.post("/checkout")
    def do_checkout() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("user"), str):
            return jsonify(accepted=False, error="send JSON with user and items"), 400
        receipt = checkout(shop, body["user"], body.get("items"))
        status = 200 if receipt.accepted else (402 if receipt.error == "insufficient funds" else 400)
        return jsonify(asdict(receipt)), status

    @app.post("/coupons/redeem")
    def do_redeem() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("user"), str) or not isinstance(body.get("code"), str):
            return jsonify(ok=False, error="send JSON with user and code"), 400
        if shop.balance(body["user"]) is None:
            return jsonify(ok=False, error="unknown customer"), 404
        outcome = redeem(shop, body["user"], body["code"], race_window)
        return jsonify(asdict(outcome)), 200 if outcome.ok else 409

    return app


SERVABLE = {
    "shop-vulnerable": ("a shop whose checkout trusts client prices and whose coupons race (lesson 04)",
                        lambda: create_app(vulnerable=True)),
    "shop-fixed": ("the same shop with server-side prices, integer cents and atomic coupons (lesson 04)",
                   lambda: create_app(vulnerable=False)),
}
