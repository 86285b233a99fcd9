"""Lesson 02 and exercise 02_crypto: the targets, attacks, spec and playgrounds do what they claim."""

import hashlib
import json
import random
import secrets
import ssl

import pytest
from cryptography.fernet import Fernet
from support import REPO, SOURCE, failing_parts, load_notebook, program_notebook, roundtrip_data

from seclab import answers, grading
from seclab.server import serve
from seclab.topics.crypto import attacks, spec, targets
from seclab.topics.crypto import widgets as playgrounds

INSTRUCTOR = SOURCE / "02_crypto" / "02_crypto.ipynb"
PARTS = set(spec.PARTS)
SECURITY_PARTS = {name for name in PARTS if name.endswith(".security")}


# --- the wire ---------------------------------------------------------------------------

def _port(url):
    return int(url.rsplit(":", 1)[1])


def test_password_crosses_plain_http_readably(tmp_path):
    with serve(targets.create_login_app()) as url, targets.recording_proxy(_port(url)) as proxy:
        assert attacks.post_login(proxy.port, targets.DEMO_USER, targets.DEMO_PASSWORD) == 200
    assert attacks.sniff(proxy.client_to_server, targets.DEMO_PASSWORD).succeeded
    assert b"HTTP/1.1 200" in proxy.server_to_client


def test_password_does_not_cross_tls_readably_and_the_login_still_works(tmp_path):
    certificate = targets.make_self_signed_certificate(tmp_path)
    app = targets.create_login_app()
    with targets.serve_tls(app, certificate) as url, targets.recording_proxy(_port(url)) as proxy:
        client = targets.client_tls_context(certificate)
        assert attacks.post_login(proxy.port, targets.DEMO_USER, targets.DEMO_PASSWORD, client) == 200
        assert attacks.post_login(proxy.port, targets.DEMO_USER, "wrong", client) == 401
    assert len(proxy.client_to_server) > 200
    assert not attacks.sniff(proxy.client_to_server, targets.DEMO_PASSWORD).succeeded
    assert b"HTTP/1.1" not in proxy.server_to_client


def test_tls_client_verifies_the_certificate(tmp_path):
    certificate = targets.make_self_signed_certificate(tmp_path)
    client = targets.client_tls_context(certificate)
    assert client.verify_mode == ssl.CERT_REQUIRED and client.check_hostname
    with targets.serve_tls(targets.create_login_app(), certificate) as url:
        with pytest.raises(ssl.SSLCertVerificationError):
            attacks.post_login(_port(url), "alice", "x", ssl.create_default_context())  # does not trust it
        (tmp_path / "other").mkdir()
        other = targets.make_self_signed_certificate(tmp_path / "other")  # another key, same names
        with pytest.raises(ssl.SSLCertVerificationError):
            attacks.post_login(_port(url), "alice", "x", targets.client_tls_context(other))


def test_recording_proxy_only_forwards_to_loopback():
    with pytest.raises(ValueError):
        targets.RecordingProxy(80, upstream_host="192.0.2.1")


def test_private_key_file_is_private(tmp_path):
    certificate = targets.make_self_signed_certificate(tmp_path)
    assert certificate.key.stat().st_mode & 0o077 == 0


# --- passwords ----------------------------------------------------------------------------

def test_wordlist_ships_with_the_package_and_has_thousands_of_unique_words():
    words = attacks.load_wordlist()
    assert 2000 < len(words) == len(set(words))
    assert (REPO / "seclab" / "topics" / "crypto" / "wordlist.txt").is_file()
    assert words[:3] == ["123456", "12345678", "123456789"]


def test_unsalted_hashes_crack_at_once_and_equal_passwords_show():
    passwords = targets.demo_passwords()
    for hash_function in (targets.md5_hex, targets.sha256_hex):
        table = targets.password_table(passwords, hash_function)
        assert table["alice"] == table["carol"]
        result = attacks.crack_unsalted(table, hash_function, attacks.load_wordlist())
        assert result.found == {user: passwords[user] for user in ("alice", "bob", "carol")}
        assert result.guesses == len(attacks.load_wordlist())  # dave's random password is not in it


def test_argon2id_hashes_differ_and_a_cracking_budget_runs_out():
    passwords = targets.demo_passwords()
    table = targets.password_table(passwords, lambda p: targets.argon2id_hasher().hash(p))
    assert table["alice"] != table["carol"] and table["alice"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    result = attacks.crack_salted(table, targets.argon2id_verify, attacks.load_wordlist(), time_budget=0.3)
    assert not result.finished and result.found == {} and 0 < result.guesses < 100


def test_argon2id_verify_never_raises():
    assert targets.argon2id_verify(targets.argon2id_hasher().hash("pw"), "pw")
    for stored in ["", "nonsense", targets.md5_hex("pw"), "$argon2id$v=19$m=19456,t=2,p=1$"]:
        assert targets.argon2id_verify(stored, "pw") is False


def test_guess_rates_differ_by_orders_of_magnitude():
    fast = attacks.guesses_per_second(targets.md5_hex, 0.05)
    slow = attacks.guesses_per_second(targets.argon2id_hasher().hash, 0.05, minimum=1)
    assert fast > 1000 * slow


# --- secrets at rest and reset tokens -----------------------------------------------------

def test_database_dump_leaks_clear_tokens_but_not_encrypted_ones():
    tokens = {"alice": "sk_live_" + secrets.token_hex(8)}
    clear = targets.make_token_db(tokens)
    fernet = Fernet(Fernet.generate_key())
    encrypted = targets.make_token_db(tokens, fernet)
    assert tokens["alice"] in targets.dump_db(clear)
    assert tokens["alice"] not in targets.dump_db(encrypted)
    assert targets.read_token(encrypted, "alice", fernet) == tokens["alice"]
    stored = encrypted.execute("SELECT token FROM api_tokens").fetchone()[0]
    encrypted.execute("UPDATE api_tokens SET token = ?", (spec.tampered(stored, 0.5),))
    with pytest.raises(ValueError):
        targets.read_token(encrypted, "alice", fernet)


def test_untemper_inverts_temper():
    for value in [0, 1, 0xFFFFFFFF, 0x80000000, *(secrets.randbits(32) for _ in range(200))]:
        assert attacks.temper(attacks.untemper(value)) == value


def test_clone_predicts_python_random_from_624_outputs():
    victim = random.Random(secrets.randbits(64))  # testing the predictor  # nosec B311
    observed = [victim.getrandbits(32) for _ in range(700)]
    clone = attacks.clone_from_outputs(observed)
    assert [clone.next32() for _ in range(100)] == [victim.getrandbits(32) for _ in range(100)]
    with pytest.raises(ValueError):
        attacks.clone_from_outputs(observed[:623])


def test_predictable_reset_tokens_are_predicted_and_secure_ones_are_not():
    service = targets.PredictableResetTokens()
    observed = [word for _ in range(156) for word in targets.token_words(service.issue())]
    assert attacks.predict_tokens(observed, 3) == [service.issue() for _ in range(3)]
    secure = [secrets.randbits(32) for _ in range(624)]
    assert attacks.predict_tokens(secure)[0] != f"{secrets.randbits(128):032x}"
    assert len(targets.SecureResetTokens().issue()) == 43


# --- the exercise's spec ------------------------------------------------------------------

def program(tmp_path, replacements):
    return program_notebook(tmp_path, "02_crypto", replacements)



def test_vulnerable_solution_fails_exactly_the_security_parts(tmp_path):
    results = grading.verify("02_crypto", program(tmp_path, roundtrip_data("02_crypto")["vulnerable_solution"]))
    assert failing_parts(results) == SECURITY_PARTS
    assert {"salt", "cost"} <= set(results["passwords.security"]["failed"])
    assert {"wrong-key", "tamper", "nonce", "plaintext-visible"} <= set(results["secrets.security"]["failed"])
    assert set(results["reset_token.security"]["failed"]) == {"predictable"}


AESGCM_AND_SCRYPT = {
    "impl_hash_password": '''
def hash_password(password):
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    b64 = lambda raw: base64.b64encode(raw).decode().rstrip("=")
    return f"$scrypt$ln=14,r=8,p=1${b64(salt)}${b64(digest)}"
''',
    "impl_verify_password": '''
import hmac
def verify_password(stored, password):
    try:
        _, name, params, salt, digest = stored.split("$")
        ln, r, p = (int(part.split("=")[1]) for part in params.split(","))
        unb64 = lambda text: base64.b64decode(text + "=" * (-len(text) % 4))
        got = hashlib.scrypt(password.encode(), salt=unb64(salt), n=2**ln, r=r, p=p)
        return name == "scrypt" and hmac.compare_digest(got, unb64(digest))
    except (ValueError, IndexError):
        return False
''',
    "impl_encrypt_secret": '''
def encrypt_secret(plaintext, key):
    nonce = os.urandom(12)
    sealed = AESGCM(base64.urlsafe_b64decode(key)).encrypt(nonce, plaintext.encode(), None)
    return (nonce + sealed).hex()
''',
    "impl_decrypt_secret": '''
def decrypt_secret(token, key):
    try:
        raw = bytes.fromhex(token)
        return AESGCM(base64.urlsafe_b64decode(key)).decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag as error:
        raise ValueError("tampered") from error
''',
    "impl_new_reset_token": "def new_reset_token():\n    return secrets.token_hex(16)\n",
}


def test_aesgcm_scrypt_and_hex_tokens_are_accepted_too(tmp_path):
    assert failing_parts(grading.verify("02_crypto", program(tmp_path, AESGCM_AND_SCRYPT))) == set()


@pytest.mark.parametrize(("cell", "code", "part", "category"), [
    ("impl_hash_password", "def hash_password(password):\n    return PasswordHasher().hash(password) if False "
     "else PasswordHasher(memory_cost=8192, time_cost=1).hash(password)\n", "passwords.security", "cost"),
    ("impl_verify_password", "def verify_password(stored, password):\n    try:\n"
     "        return PasswordHasher().verify(stored, password)\n    except VerifyMismatchError:\n"
     "        return False\n", "passwords.security", "malformed"),
    ("impl_decrypt_secret", "def decrypt_secret(token, key):\n    return Fernet(key).decrypt(token.encode()).decode()\n",
     "secrets.security", "wrong-key"),
    ("impl_new_reset_token", "def new_reset_token():\n    return secrets.token_hex(8)\n", "reset_token.security",
     "entropy"),
])
def test_typical_mistakes_cost_the_security_part(tmp_path, cell, code, part, category):
    results = grading.verify("02_crypto", program(tmp_path, {cell: code}))
    assert failing_parts(results) == {part}
    assert category in results[part]["failed"]


def test_aes_ecb_without_authentication_fails_the_security_part(tmp_path):
    ecb = {
        "impl_encrypt_secret": '''
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
def encrypt_secret(plaintext, key):
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.urlsafe_b64decode(key)), modes.ECB()).encryptor()
    return (encryptor.update(data) + encryptor.finalize()).hex()
''',
        "impl_decrypt_secret": '''
def decrypt_secret(token, key):
    decryptor = Cipher(algorithms.AES(base64.urlsafe_b64decode(key)), modes.ECB()).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    data = decryptor.update(bytes.fromhex(token)) + decryptor.finalize()
    return (unpadder.update(data) + unpadder.finalize()).decode()
''',
    }
    results = grading.verify("02_crypto", program(tmp_path, ecb))
    assert failing_parts(results) == {"secrets.security"}
    assert "nonce" in results["secrets.security"]["failed"]


def test_scheme_problem_names_what_is_wrong():
    assert spec.scheme_problem(targets.argon2id_hasher().hash("pw"), "pw") == "ok"
    assert "hex digest" in spec.scheme_problem(hashlib.sha256(b"pw").hexdigest(), "pw")
    assert "too cheap" in spec.scheme_problem(targets.argon2id_hasher(memory_kib=1024).hash("pw"), "pw")
    assert "contains the password" in spec.scheme_problem("salt$hunter2", "hunter2")
    assert spec.scheme_problem(b"bytes", "pw").endswith("not a str")


def test_tampering_changes_one_character_within_its_alphabet():
    token = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    for fraction in spec.TAMPER_POINTS:
        changed = spec.tampered(token, fraction)
        assert len(changed) == len(token) and sum(a != b for a, b in zip(changed, token, strict=True)) == 1
    assert set(spec.tampered("ab12", 0.5)) <= set("0123456789abcdef")


def test_reset_token_judges():
    assert spec.is_urlsafe_token("abc-_9") and not spec.is_urlsafe_token("a+b") and not spec.is_urlsafe_token("")
    assert spec.token_bits(secrets.token_hex(16)) == 128 and spec.token_bits(secrets.token_urlsafe(16)) >= 128


def test_exploit_replay_accepts_the_wordlist_password_only_on_the_vulnerable_store():
    password = roundtrip_data("02_crypto")["exploit"]["answers"]["exploit"]
    assert password in attacks.load_wordlist()
    assert spec.exploit_works(password) == {"vulnerable": True, "fixed": False}
    for wrong in ["falcon1987", "", None, 1987, targets.LEAKED_MD5]:
        assert spec.exploit_works(wrong) == {"vulnerable": False, "fixed": False}


def test_student_notebook_never_shows_the_leaked_password():
    password = roundtrip_data("02_crypto")["exploit"]["answers"]["exploit"]
    for path in [REPO / "exercises" / "02_crypto" / "02_crypto.ipynb", INSTRUCTOR,
                 REPO / "notebooks" / "02_Cryptographic_Failures.ipynb"]:
        assert password.lower() not in path.read_text(encoding="utf-8").lower(), path
    assert "Falcon" not in json.dumps(load_notebook(INSTRUCTOR))


# --- playgrounds --------------------------------------------------------------------------

def test_measurements_rank_fast_hashes_far_above_memory_hard_ones():
    fast_md5, fast_sha, bcrypt, scrypt, argon2 = playgrounds.measure_schemes(8, 1, 12, seconds_each=0.03,
                                                                             bcrypt_rounds=8)
    assert min(fast_md5.guesses_per_second, fast_sha.guesses_per_second) > 100 * max(
        bcrypt.guesses_per_second, scrypt.guesses_per_second, argon2.guesses_per_second)
    assert argon2.scheme == "argon2id 8 MiB, t=1" and scrypt.scheme == "scrypt N=2^12, r=8"
    assert bcrypt.scheme == "bcrypt cost 8"
    assert fast_md5.wordlist_seconds == pytest.approx(len(attacks.load_wordlist()) / fast_md5.guesses_per_second)


def test_bcrypt_cost_doubles_the_work_per_step():
    cheap, = [m for m in playgrounds.measure_schemes(4, 1, 10, seconds_each=0.1, bcrypt_rounds=6) if "bcrypt" in m.scheme]
    dear, = [m for m in playgrounds.measure_schemes(4, 1, 10, seconds_each=0.1, bcrypt_rounds=9) if "bcrypt" in m.scheme]
    assert cheap.guesses_per_second > 3 * dear.guesses_per_second  # 2**3 = 8 times the work


def test_plot_has_three_log_scale_panels_speed_memory_and_wordlist_time():
    measurements = playgrounds.measure_schemes(4, 1, 10, seconds_each=0.02)
    figure = playgrounds.plot_measurements(measurements)
    assert len(figure.axes) == 3 and all(axis.get_xscale() == "log" for axis in figure.axes)
    assert "memory per guess" in figure.axes[1].get_xlabel()
    memory = {m.scheme.split()[0]: m.memory_bytes for m in measurements}
    assert memory["argon2id"] == 4 * 2**20 and memory["scrypt"] == 128 * 8 * 2**10 and memory["bcrypt"] == 4168
    assert memory["MD5"] < memory["bcrypt"] < memory["scrypt"] < memory["argon2id"]


def test_cost_playground_measures_on_click():
    widget = playgrounds.cost_playground()
    argon2_sliders, other_sliders, button, chart = widget.children
    memory, passes = argon2_sliders.children
    scrypt_n, rounds = other_sliders.children
    memory.value, passes.value, scrypt_n.value, rounds.value = 4, 1, 10, 6
    assert bytes(chart.value) == b""
    button.click()
    assert bytes(chart.value).startswith(b"\x89PNG") and button.description == "Measure"


def test_md5_guess_playground_records_only_a_match(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    leaked = targets.md5_hex("sunshine1")
    assert playgrounds.md5_guess_report("sunshine1", leaked).matches
    widget = playgrounds.md5_guess_playground(leaked, record_key="exploit")
    guess, compare, record_button, result = widget.children
    guess.value = "dragon"
    compare.click()
    record_button.click()
    assert "no match" in result.value and answers.recorded("exploit") is None
    guess.value = "sunshine1"
    compare.click()
    record_button.click()
    assert "match" in result.value and answers.recorded("exploit") == "sunshine1"
