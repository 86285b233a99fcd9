"""Lesson 04 Insecure Design: the shop twins, the race drivers, the exercise spec and the playground."""

import sys
import threading

import pytest
from support import SOURCE, program_notebook, roundtrip_data

from seclab import answers, grading
from seclab.check import format_report, run_checks
from seclab.spec import load_spec
from seclab.targets import running
from seclab.topics.insecure_design import attacks
from seclab.topics.insecure_design import targets as shop
from seclab.topics.insecure_design import widgets as playground

EXERCISE = "04_insecure_design"
INSTRUCTOR = SOURCE / EXERCISE / f"{EXERCISE}.ipynb"
SPEC = load_spec(EXERCISE)
VULNERABLE_SOLUTION = roundtrip_data(EXERCISE)["vulnerable_solution"]

NAIVE_BOOK = '''
class CouponBook:
    def __init__(self, codes):
        self.unused = set(codes)

    def redeem(self, code, order_id):
        if code in self.unused:
            self.unused.discard(code)
            return True
        return False
'''

ATOMIC_BOOK = '''
class CouponBook:
    def __init__(self, codes):
        self.unused = set(codes)

    def redeem(self, code, order_id):
        try:
            self.unused.remove(code)
        except KeyError:
            return False
        return True
'''


def define(source: str, name: str = "CouponBook"):
    namespace: dict = {"threading": threading}
    exec(compile(source, "<learner cell>", "exec"), namespace)  # test fixtures written above
    return namespace[name]


class LockedBook:
    def __init__(self, codes):
        self.unused = set(codes)
        self.lock = threading.Lock()

    def redeem(self, code, order_id):
        with self.lock:
            if code in self.unused:
                self.unused.remove(code)
                return True
            return False


# --- the shop ------------------------------------------------------------------------

def test_vulnerable_checkout_charges_the_client_price():
    receipt = shop.vulnerable_checkout(shop.ShopDB(), "mallory", [{"sku": "headphones", "qty": 1, "price": 0.01}])
    assert receipt.accepted and receipt.charged_cents == 1 and receipt.balance_cents == 4999


def test_fixed_checkout_charges_the_catalog_price_and_refuses_what_the_wallet_cannot_pay():
    db = shop.ShopDB()
    receipt = shop.fixed_checkout(db, "mallory", [{"sku": "mug", "qty": 2, "price": 0.01}])
    assert receipt.accepted and receipt.charged_cents == 2598 and receipt.balance_cents == 5000 - 2598
    refused = shop.fixed_checkout(db, "mallory", [{"sku": "headphones", "qty": 1, "price": 0.01}])
    assert not refused.accepted and refused.error == "insufficient funds" and db.balance("mallory") == 2402
    assert db.orders("mallory")[0]["items"] == [{"sku": "mug", "qty": 2, "price_cents": 1299}]


def test_negative_quantity_raises_the_vulnerable_balance_only():
    cart = [{"sku": "sticker", "qty": -100, "price": 0.29}]
    vulnerable_db, fixed_db = shop.ShopDB(), shop.ShopDB()
    assert shop.vulnerable_checkout(vulnerable_db, "mallory", cart).accepted
    assert vulnerable_db.balance("mallory") > shop.START_BALANCES["mallory"]
    assert not shop.fixed_checkout(fixed_db, "mallory", cart).accepted
    assert fixed_db.balance("mallory") == shop.START_BALANCES["mallory"]


def test_float_truncation_loses_a_cent_per_sticker():
    assert shop.vulnerable_to_cents(0.29) == 28
    assert shop.vulnerable_checkout(shop.ShopDB(), "alice", [{"sku": "sticker", "qty": 1, "price": 0.29}]).charged_cents == 28
    assert shop.fixed_checkout(shop.ShopDB(), "alice", [{"sku": "sticker", "qty": 1, "price": 0.29}]).charged_cents == 29


@pytest.mark.parametrize("cart", attacks.BAD_QUANTITY_CARTS + [[], [{"sku": "yacht", "qty": 1}]])
def test_fixed_price_order_refuses_bad_orders(cart):
    with pytest.raises(ValueError):
        shop.fixed_price_order(cart, shop.CATALOG)


def test_malformed_carts_are_refused_not_crashing_the_vulnerable_checkout():
    for cart in ([{"sku": "mug", "qty": 1}], [{"sku": "mug", "qty": "2", "price": 1}], "not a list",
                 [{"sku": "mug", "qty": 1, "price": "nan"}]):
        assert not shop.vulnerable_checkout(shop.ShopDB(), "mallory", cart).accepted


def test_coupons_redeem_once_one_request_at_a_time():
    for redeem in (shop.vulnerable_redeem, shop.fixed_redeem):
        db = shop.ShopDB()
        assert redeem(db, "alice", "WELCOME5").ok and not redeem(db, "alice", "WELCOME5").ok
        assert not redeem(db, "alice", "NO-SUCH-CODE").ok
        assert db.balance("alice") == 5500


def test_http_coupon_race_double_spends_only_on_the_vulnerable_shop():
    with running("shop-vulnerable") as vulnerable_url, running("shop-fixed") as fixed_url:
        assert vulnerable_url.startswith("http://127.0.0.1:")
        vulnerable = attacks.race_http_redemptions(vulnerable_url, "mallory", "THANKYOU10", threads=6)
        fixed = attacks.race_http_redemptions(fixed_url, "mallory", "THANKYOU10", threads=6)
        _, vulnerable_account = attacks.get_json(f"{vulnerable_url}/account?user=mallory")
        _, fixed_account = attacks.get_json(f"{fixed_url}/account?user=mallory")
    assert vulnerable.redeemed > 1 and vulnerable_account["balance_cents"] == 5000 + 1000 * vulnerable.redeemed
    assert fixed.redeemed == 1 and sorted(fixed.statuses) == [200] + [409] * 5
    assert fixed_account["balance_cents"] == 6000


def test_http_checkout_and_catalog():
    with running("shop-vulnerable") as base_url:
        status, catalog = attacks.get_json(f"{base_url}/catalog")
        assert status == 200 and {item["sku"]: item["price_cents"] for item in catalog} == shop.CATALOG
        status, body = attacks.post_json(f"{base_url}/checkout", {"items": []})
        assert status == 400
        status, body = attacks.get_json(f"{base_url}/account?user=nobody")
        assert status == 404


def test_requests_go_to_loopback_only():
    with pytest.raises(ValueError):
        attacks.post_json("http://example.com/checkout", {})
    with pytest.raises(ValueError):
        attacks.race_http_redemptions("http://127.0.0.1:1", "mallory", "WELCOME5", threads=64)


def test_shop_targets_are_servable():
    from seclab.targets import servable_targets

    assert {"shop-vulnerable", "shop-fixed"} <= set(servable_targets())


# --- the in-process race driver ---------------------------------------------------------

def test_preempted_race_catches_check_then_act_every_time():
    naive = define(NAIVE_BOOK)
    for _ in range(5):
        assert not attacks.race_coupon_book(naive, threads=16, rounds=2, codes_per_round=3).exactly_once


def test_preempted_race_passes_locked_and_atomic_books():
    for book in (LockedBook, define(ATOMIC_BOOK)):
        for _ in range(3):
            report = attacks.race_coupon_book(book, threads=16, rounds=2, codes_per_round=3)
            assert report.exactly_once, report.summary()


def test_preempting_restores_trace_and_switch_interval():
    interval = sys.getswitchinterval()
    trace = threading.gettrace()
    attacks.race_coupon_book(LockedBook, threads=4, rounds=1, codes_per_round=1)
    assert sys.getswitchinterval() == interval and threading.gettrace() is trace


def test_race_is_bounded():
    with pytest.raises(ValueError):
        attacks.race_coupon_book(LockedBook, threads=100)
    with pytest.raises(ValueError):
        attacks.race_coupon_book(LockedBook, rounds=1000)


def test_a_deadlocking_book_is_reported_stuck_not_hanging():
    class Deadlock:
        def __init__(self, codes):
            self.lock = threading.Lock()
            self.lock.acquire()

        def redeem(self, code, order_id):
            return self.lock.acquire(timeout=2)

    report = attacks.race_coupon_book(Deadlock, threads=4, rounds=1, codes_per_round=1, preempt=False, seconds=0.5)
    assert report.stuck_threads > 0 and not report.exactly_once


# --- the exercise spec ------------------------------------------------------------------

def test_exploit_replay():
    assert SPEC.exploit_works({"items": [{"sku": "headphones", "qty": 1, "price": 0.01}]}) == {
        "vulnerable": True, "fixed": False}
    assert SPEC.exploit_works({"items": attacks.REFUND_TRICK_CART})["vulnerable"]
    for failing in ({"items": [{"sku": "headphones", "qty": 1, "price": 1}]},  # exactly one dollar
                    {"items": [{"sku": "mug", "qty": 1, "price": 0.01}]},  # not the most expensive item
                    {"items": [{"sku": "headphones", "qty": 0.5, "price": 0.01}]},  # not a whole item
                    {"items": "headphones"}, "headphones", None):
        assert SPEC.exploit_works(failing) == {"vulnerable": False, "fixed": False}, failing



def test_hidden_races_are_bigger_than_the_public_ones():
    hidden = SPEC.cases(grading.hidden_corpus(EXERCISE), public=False)
    assert {case.part for case in hidden} == {"price_order.tampering", "CouponBook.concurrency"}
    assert max(int(case.args[0].split(",")[0]) for case in hidden if case.scenario == "race") == 32


def program(tmp_path, replacements):
    return program_notebook(tmp_path, EXERCISE, replacements)




@pytest.mark.grading
def test_naive_discard_book_fails_concurrency_in_the_sandbox(tmp_path):
    results = grading.verify(EXERCISE, program(tmp_path, {"impl_CouponBook": NAIVE_BOOK}))
    assert results["CouponBook.works"]["ok"] and results["CouponBook.concurrency"]["passed"] == 0


def test_check_reports_a_naive_book_and_praises_a_locked_one():
    naive = define(NAIVE_BOOK)
    report = format_report(f"{EXERCISE}.CouponBook", run_checks(f"{EXERCISE}.CouponBook", naive))
    assert "✗" in report and "threading.Lock" in report
    report = format_report(f"{EXERCISE}.CouponBook", run_checks(f"{EXERCISE}.CouponBook", LockedBook))
    assert "All public checks pass" in report


def test_check_says_not_written_yet_for_the_released_class():
    released = define("class CouponBook:\n    def __init__(self, codes):\n        raise NotImplementedError()\n\n"
                      "    def redeem(self, code, order_id):\n        raise NotImplementedError()\n")
    report = format_report(f"{EXERCISE}.CouponBook", run_checks(f"{EXERCISE}.CouponBook", released))
    assert "not written yet" in report


# --- the playground ---------------------------------------------------------------------

def test_checkout_both_compares_the_twins():
    report = playground.checkout_both([{"sku": "headphones", "qty": 1, "price": 0.01}])
    assert report.vulnerable["accepted"] and report.vulnerable["charged_cents"] == 1
    assert not report.fixed["accepted"] and report.fixed["error"] == "insufficient funds"
    honest = playground.checkout_both([{"sku": "pen", "qty": 2, "price": 1.15}])
    assert honest.fixed["charged_cents"] == 230 and honest.vulnerable["accepted"]


def test_rendered_report_escapes_the_cart():
    html = playground.render_side_by_side(playground.checkout_both([{"sku": "<b>x</b>", "qty": 1, "price": 1}]))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_cart_playground_checks_out_and_records(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playground.cart_playground(record_key="exploit")
    *rows, checkout, record_button, result = widget.children
    assert len(rows) == len(shop.PRODUCTS)
    headphones = next(row for row in rows if "headphones" in row.children[0].value)
    _label, qty, price = headphones.children
    qty.value, price.value = 1, 0.01
    checkout.click()
    assert "charged <b>$0.01</b>" in result.value
    record_button.click()
    recorded = answers.recorded("exploit")
    assert recorded == {"items": [{"sku": "headphones", "qty": 1, "price": 0.01}]}
    assert SPEC.exploit_works(recorded)["vulnerable"]
