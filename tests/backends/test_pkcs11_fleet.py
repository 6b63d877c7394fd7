"""A fleet on one network token: SoftHSM2 served by ``p11-kit server`` and reached through
p11-kit-client.so, as a network HSM is reached through its vendor's PKCS#11 client (docs/fleet.md).

Every "host" is a real process (tests/backends/fleet_host.py) with its own ``HUKSPY_HOME`` and a
``Keystore`` it keeps open, so what one host caches is exercised against what another changes. Loops
are bounded; every read of a host's answer has a deadline.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from fleet_host import KEY, SIGN, VERIFY, Host, without_pin
from test_pkcs11_fixture import p11kit_token  # noqa: F401 - session fixture

import hukspy
from hukspy.testing import options, run_session, unique_alias

if TYPE_CHECKING:
    from hukspy_pkcs11.testing import RemoteTokenInfo

DEADLINE = 120.0  # seconds for a thread's work (a loaded CI machine)
MISSING = 12000011


def _no_pin(token: RemoteTokenInfo) -> str:
    return without_pin(str(token.uri))


@pytest.fixture
def hosts(p11kit_token: RemoteTokenInfo, tmp_path: Path) -> Iterator[list[Host]]:  # noqa: F811
    """Three hosts on the shared token, ready."""
    fleet = []
    try:
        for name in "abc":
            fleet.append(Host(_no_pin(p11kit_token), tmp_path / f"home-{name}", p11kit_token.token.pin))
        for host in fleet:
            assert host.hello == {"ready": True}
        yield fleet
    finally:
        for host in fleet:
            host.close()


def _verifies(pub_hex: str, msg: bytes, sig_hex: str) -> bool:
    key = load_der_public_key(bytes.fromhex(pub_hex))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    try:
        key.verify(bytes.fromhex(sig_hex), msg, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_keystore_over_p11kit_client_signs_from_threads(p11kit_token: RemoteTokenInfo) -> None:  # noqa: F811
    """Issue 18 item 1: the keystore opens through p11-kit-client (it failed at open with 12000012:
    the OS-locking re-initialisation finalized another, uninitialised client instance) and streams
    signatures from several threads on the re-initialised module."""
    with hukspy.Keystore(p11kit_token.uri) as ks:
        assert ks.backend_name == "pkcs11"
        alias = unique_alias("p11kit")
        ks.generate_key_item(alias, options(*KEY))
        pub = ks.export_key_item(alias, options()).out_data
        assert pub is not None
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(5):
                    msg = f"{n}:{i}".encode() * 100
                    sig = run_session(ks, alias, SIGN, [msg[:150], msg[150:]])
                    assert _verifies(pub.hex(), msg, sig.hex())
                    run_session(ks, alias, VERIFY, [msg], finish=sig)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(DEADLINE)
        assert not errors, errors
        assert alias in (ks.list_aliases(options()).key_aliases or [])
        ks.delete_key_item(alias, options())


def test_key_generated_on_one_host_is_listed_and_used_on_another(hosts: list[Host]) -> None:
    a, b, c = hosts
    alias = unique_alias("fleet")
    pub = a.ok("gen", alias=alias)
    assert alias in b.ok("list")
    assert c.ok("pub", alias=alias) == pub
    msg = secrets.token_bytes(100)
    sig = b.ok("sign", alias=alias, msg=msg.hex())
    assert _verifies(pub, msg, sig)
    assert c.ok("verify", alias=alias, msg=msg.hex(), sig=sig) == {"verified": True}
    assert b.ok("exists", alias=alias) is True


def test_delete_and_overwrite_are_seen_by_every_host_on_its_next_call(hosts: list[Host]) -> None:
    a, b, c = hosts
    alias = unique_alias("fleet")
    msg = secrets.token_bytes(64)
    old = a.ok("gen", alias=alias)
    for host in (b, c):  # each host has looked the key up (and cached its record) before the change
        assert _verifies(old, msg, host.ok("sign", alias=alias, msg=msg.hex()))

    new = b.ok("gen", alias=alias)  # overwrite on B
    assert new != old
    for host in (a, c):
        assert host.ok("pub", alias=alias) == new
        assert _verifies(new, msg, host.ok("sign", alias=alias, msg=msg.hex()))
    assert a.ok("list").count(alias) == 1

    c.ok("delete", alias=alias)  # delete on C
    for host in (a, b):
        assert host.call("sign", alias=alias, msg=msg.hex()) == {"code": MISSING}
        assert host.ok("exists", alias=alias) is False
        assert alias not in host.ok("list")


def test_three_hosts_generating_and_signing_at_once_lose_and_collide_on_nothing(hosts: list[Host]) -> None:
    n = 4
    msg = secrets.token_bytes(32)
    prefix = unique_alias("burst")
    for i, host in enumerate(hosts):  # all three start before any answer is read
        host.send("loop", prefix=f"{prefix}:{i}", n=n, msg=msg.hex())
    made: dict[str, tuple[str, str]] = {}
    for host in hosts:
        for alias, pub, sig in host.ok_reply():
            assert alias not in made
            made[alias] = (pub, sig)
    assert len(made) == 3 * n
    assert len({pub for pub, _ in made.values()}) == 3 * n  # no two aliases share a key
    for alias, (pub, sig) in made.items():
        assert _verifies(pub, msg, sig), alias
    for host in hosts:
        listed = {x for x in host.ok("list") if x.startswith(prefix)}
        assert listed == set(made)
    a = hosts[0]
    for alias, (pub, _) in made.items():  # every key reads back as the one its host made
        assert a.ok("pub", alias=alias) == pub
        a.ok("delete", alias=alias)


def test_session_limit_and_error_codes_are_per_host(
    hosts: list[Host], p11kit_token: RemoteTokenInfo, tmp_path: Path,  # noqa: F811
) -> None:
    a, b, _ = hosts
    alias = unique_alias("limit")
    a.ok("gen", alias=alias)
    # 15 sessions per Keystore (docs/pkcs11.md): A at its limit does not take B's.
    assert a.ok("sessions", alias=alias, n=16) == {"held": 15, "code": 12000010}
    assert b.ok("sessions", alias=alias, n=16) == {"held": 15, "code": 12000010}
    msg = b"while A is full"
    assert b.call("sign", alias=alias, msg=msg.hex()) == {"code": 12000010}  # B's own limit
    assert a.ok("release") is True
    assert "ok" in a.call("sign", alias=alias, msg=msg.hex())  # A is free again, B still full
    assert b.call("sign", alias=alias, msg=msg.hex()) == {"code": 12000010}
    assert b.ok("release") is True
    # A host with a wrong PIN fails at open with 12000008; the others go on.
    bad = Host(_no_pin(p11kit_token), tmp_path / "home-bad", "0000")
    try:
        assert bad.hello == {"code": 12000008}
    finally:
        bad.close()
    assert "ok" in b.call("sign", alias=alias, msg=msg.hex())
    assert a.call("sign", alias=unique_alias("nothing"), msg=msg.hex()) == {"code": MISSING}
    a.ok("delete", alias=alias)
