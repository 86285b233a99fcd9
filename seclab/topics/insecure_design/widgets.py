"""Playground of the insecure-design lesson and exercise: a cart whose prices you can edit.

``checkout_both(items)`` sends one cart to a fresh vulnerable shop and a fresh fixed
shop and reports what each charged; ``cart_playground()`` is the ipywidgets view.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.insecure_design import targets as shop

#: The customer whose wallet the playground uses.
PLAYGROUND_USER = "mallory"


def default_cart() -> list[dict[str, Any]]:
    """One line per product, quantity 0, with the price the cart page shows (dollars)."""
    return [{"sku": sku, "qty": 0, "price": cents / 100} for sku, (_name, cents) in shop.PRODUCTS.items()]


def order_lines(cart: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines of ``cart`` that order something (quantity not 0): what the browser would send."""
    return [dict(line) for line in cart if line.get("qty") != 0]


@dataclass(frozen=True)
class SideBySide:
    """One cart, checked out at a fresh vulnerable and a fresh fixed shop."""

    items: list[dict[str, Any]]
    balance_before: int
    vulnerable: dict[str, Any]
    fixed: dict[str, Any]


def checkout_both(items: list[dict[str, Any]], user: str = PLAYGROUND_USER) -> SideBySide:
    """POST ``items`` to ``/checkout`` of both twins (in-process test clients, new shops)."""
    replies = {}
    for name, vulnerable in (("vulnerable", True), ("fixed", False)):
        client = shop.create_app(vulnerable=vulnerable, race_window=0.0).test_client()
        response = client.post("/checkout", json={"user": user, "items": items})
        replies[name] = response.get_json(silent=True) or {"accepted": False, "error": f"HTTP {response.status_code}"}
    return SideBySide(items, shop.START_BALANCES[user], replies["vulnerable"], replies["fixed"])


def _describe(reply: dict[str, Any], balance_before: int) -> str:
    if not reply.get("accepted"):
        return f"<span style='color:#070'>refused</span>: {html.escape(str(reply.get('error')))}"
    charged = int(reply["charged_cents"])
    after = int(reply["balance_cents"])
    change = after - balance_before
    colour = "#c00" if change >= 0 else "inherit"
    return (f"accepted, charged <b>{shop.dollars(charged)}</b> ({charged} cents); wallet "
            f"{shop.dollars(balance_before)} &rarr; <span style='color:{colour}'>{shop.dollars(after)}</span>")


def render_side_by_side(report: SideBySide) -> str:
    """The report as HTML: the JSON the browser sent, then both shops' answers."""
    honest = shop.fixed_price_order(report.items, shop.CATALOG) if _is_valid(report.items) else None
    worth = f"catalog value {shop.dollars(honest)}" if honest is not None else "not a valid order at catalog prices"
    lines = "".join(f"<li><code>{html.escape(repr(item))}</code></li>" for item in report.items) or "<li>(empty)</li>"
    return (f"<p><b>Cart sent by the browser</b> ({worth}):</p><ul>{lines}</ul>"
            f'<div style="display:flex;gap:2em">'
            f'<div class="seclab-vulnerable"><b>Vulnerable checkout</b><br>'
            f"{_describe(report.vulnerable, report.balance_before)}</div>"
            f'<div class="seclab-fixed"><b>Fixed checkout</b><br>'
            f"{_describe(report.fixed, report.balance_before)}</div></div>")


def _is_valid(items: list[dict[str, Any]]) -> bool:
    try:
        shop.fixed_price_order(items, shop.CATALOG)
    except ValueError:
        return False
    return True


def cart_playground(record_key: str | None = None) -> Any:
    """Edit quantities and prices, press Check out; with ``record_key`` a button records the cart."""
    import ipywidgets as widgets

    rows = []
    fields: list[tuple[str, Any, Any]] = []
    for line in default_cart():
        name = shop.PRODUCTS[line["sku"]][0]
        qty = widgets.IntText(value=line["qty"], description="qty", layout={"width": "12em"})
        price = widgets.FloatText(value=line["price"], description="price $", step=0.01, layout={"width": "14em"})
        fields.append((line["sku"], qty, price))
        rows.append(widgets.HBox([widgets.HTML(f"<code>{html.escape(line['sku'])}</code> {html.escape(name)}",
                                               layout={"width": "22em"}), qty, price]))
    checkout = widgets.Button(description="Check out", button_style="primary")
    result = widgets.HTML()
    children: list[Any] = [*rows, checkout]

    def current_items() -> list[dict[str, Any]]:
        cart = [{"sku": sku, "qty": qty.value, "price": price.value} for sku, qty, price in fields]
        return order_lines(cart)

    def on_checkout(_button: Any) -> None:
        result.value = render_side_by_side(checkout_both(current_items()))

    checkout.on_click(on_checkout)
    if record_key:
        save = widgets.Button(description="Record this cart")

        def on_save(_button: Any) -> None:
            items = current_items()
            record(record_key, {"items": items})
            result.value += f"<p><i>Recorded {html.escape(repr({'items': items}))} for grading.</i></p>"

        save.on_click(on_save)
        children.append(save)
    return widgets.VBox([*children, result])
