"""Access groups with real Unix groups (issue 13 item 6; docs/userauth.md "Access groups").

The groups are made with ``groupadd`` (root only); the process joins one with ``os.setgroups`` for a
test, so membership is the kernel's, never simulated. ``Keystore.for_caller`` is checked with the same
groups: it is how the keystore service passes a peer's credentials.
"""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from hukspy import Keystore, access
from hukspy.enums import HuksKeyAlg, HuksKeyPurpose, HuksTag
from hukspy.testing.support import options, param, raises_code

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("groupadd") is None, reason="groupadd needs root"
)

_GEN = (
    param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC),
    param(HuksTag.HUKS_TAG_KEY_SIZE, 256),
    param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC),
    param(HuksTag.HUKS_TAG_DIGEST, 12),  # SHA256
)


@pytest.fixture
def unix_group() -> Iterator[tuple[str, int]]:
    """A fresh Unix group (name, gid) the test process is not a member of; removed afterwards."""
    name = f"hukspy-t{uuid.uuid4().hex[:8]}"
    subprocess.run(["groupadd", name], check=True)
    try:
        yield name, grp.getgrnam(name).gr_gid
    finally:
        subprocess.run(["groupdel", name], check=False)


@pytest.fixture
def ks(tmp_path: object) -> Iterator[Keystore]:
    with Keystore("software:", home=str(tmp_path)) as k:
        yield k


def _group(name: str) -> object:
    return param(HuksTag.HUKS_TAG_KEY_ACCESS_GROUP, name.encode())


@needs_root
def test_member_by_supplementary_group_reaches_the_key(ks: Keystore, unix_group: tuple[str, int]) -> None:
    name, gid = unix_group
    g = _group(name)
    with raises_code(12000018):
        ks.generate_key_item("k", options(*_GEN, g))  # type: ignore[arg-type]
    assert ks.list_aliases(options()).key_aliases == []
    saved = os.getgroups()
    os.setgroups([*saved, gid])
    try:
        ks.generate_key_item("k", options(*_GEN, g))  # type: ignore[arg-type]
        assert ks.list_aliases(options(g)).key_aliases == ["k"]  # type: ignore[arg-type]
        assert ks.list_aliases(options()).key_aliases == []
    finally:
        os.setgroups(saved)
    # the membership is asked at every call: out of the group again, the key is out of reach
    with raises_code(12000018):
        ks.has_key_item("k", options(g))  # type: ignore[arg-type]
    with raises_code(12000018):
        ks.delete_key_item("k", options(g))  # type: ignore[arg-type]


@needs_root
def test_for_caller_checks_the_given_credentials(ks: Keystore, unix_group: tuple[str, int]) -> None:
    name, gid = unix_group
    g = _group(name)
    member = ks.for_caller(access.Caller(uid=1000, gid=gid))
    outsider = ks.for_caller(access.Caller(uid=1001, gid=gid + 1, groups=frozenset({gid + 2})))
    member.generate_key_item("shared", options(*_GEN, g))  # type: ignore[arg-type]
    with raises_code(12000018):
        outsider.has_key_item("shared", options(g))  # type: ignore[arg-type]
    # per-uid home namespaces: the service's use of the same concept
    alice = ks.for_caller(access.Caller(uid=1000, gid=gid), home="uid:1000")
    bob = ks.for_caller(access.Caller(uid=1001, gid=gid), home="uid:1001")
    alice.generate_key_item("mine", options(*_GEN))  # type: ignore[arg-type]
    assert bob.has_key_item("mine", options()) is False
    assert alice.list_aliases(options()).key_aliases == ["mine"]
    assert ks.list_aliases(options()).key_aliases == []
    assert bob.has_key_item("shared", options(g)) is True, "a group key is shared across uids"  # type: ignore[arg-type]


def test_stored_alias_is_injective() -> None:
    names = ["a", "\x1e", "\x1ea", "\x1e\x1ea", "group:x\x1ea", "", "\x1e\x1e"]
    seen: dict[str, tuple[str, str]] = {}
    for ns in ("", "group:x", "uid:1000"):
        for alias in names:
            if not alias:
                continue
            stored = access.stored_alias(ns, alias)
            assert access.split_stored(stored) == (ns, alias)
            assert stored not in seen, (stored, seen.get(stored), (ns, alias))
            seen[stored] = (ns, alias)


def test_for_caller_rejects_bad_arguments(ks: Keystore) -> None:
    with raises_code(401):
        ks.for_caller("root")  # type: ignore[arg-type]
    with raises_code(401):
        ks.for_caller(access.Caller.current(), home="a\x1eb")


def test_selftest_runs_a_user_auth_round_trip_and_leaves_no_pin(ks: Keystore) -> None:
    from hukspy.selftest import run_selftest
    from hukspy.selftest.auth import auth_rows

    rows = auth_rows(ks)
    assert [r.op for r in rows] == ["user-auth mac", "user-auth reject", "delete"]
    assert all(r.ok for r in rows), [r.detail for r in rows if not r.ok]
    assert not ks.user_auth.is_pin_set()
    assert ks.list_aliases(options(param(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, 0))).key_aliases == []
    assert any(r.op == "user-auth mac" for r in run_selftest(ks, enroll_pin=True))
    # on a keystore that is not the selftest's own, it never enrolls a PIN: no row, no PIN left
    assert not any(r.op.startswith("user-auth") for r in run_selftest(ks))
    assert not ks.user_auth.is_pin_set()
    # with the user's own PIN the selftest cannot authenticate: no row, and the PIN stays
    ks.user_auth.enroll_pin(b"31415926")
    assert auth_rows(ks) == []
    assert ks.user_auth.is_pin_set()


@needs_root
def test_private_key_reaches_a_group_key_only_with_its_group(
    ks: Keystore, unix_group: tuple[str, int]
) -> None:
    """Issue 16 item 1: ``private_key(alias, options)``'s options select the group of the key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from hukspy import HuksOptions

    name, gid = unix_group
    g = _group(name)
    gen = (
        param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC),
        param(HuksTag.HUKS_TAG_KEY_SIZE, 256),
        param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN),
        param(HuksTag.HUKS_TAG_DIGEST, 12),  # SHA256
    )
    saved = os.getgroups()
    os.setgroups([*saved, gid])
    try:
        ks.generate_key_item("signer", options(*gen, g))  # type: ignore[arg-type]
        with raises_code(12000011):  # without the group, only private keys are reached
            ks.private_key("signer")
        key = ks.private_key("signer", HuksOptions([g]))  # type: ignore[list-item]
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        signature = key.sign(b"grouped", ec.ECDSA(hashes.SHA256()))
        key.public_key().verify(signature, b"grouped", ec.ECDSA(hashes.SHA256()))
    finally:
        os.setgroups(saved)
    with raises_code(12000018):  # out of the group again
        ks.private_key("signer", HuksOptions([g]))  # type: ignore[list-item]


def test_ml_kem_reaches_only_the_callers_namespace(ks: Keystore) -> None:
    """``encapsulate``/``decapsulate`` find the key, and store a shared key, in the caller's namespace as
    every other key call does: a uid of the service neither reaches another namespace's ML-KEM key of
    the same alias nor writes its shared key into another namespace."""
    if ks.capabilities().key(HuksKeyAlg.HUKS_ALG_ML_KEM, 768) is None:
        pytest.skip(f"{ks.backend_name} declares no ML-KEM-768 keys")
    kem = options(param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ML_KEM),
                  param(HuksTag.HUKS_TAG_KEY_SIZE, 768),
                  param(HuksTag.HUKS_TAG_PURPOSE,
                        HuksKeyPurpose.HUKS_KEY_PURPOSE_WRAP | HuksKeyPurpose.HUKS_KEY_PURPOSE_UNWRAP))
    shared = [param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
              param(HuksTag.HUKS_TAG_KEY_SIZE, 256),
              param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)]
    alice = ks.for_caller(access.Caller.current(), home="uid:1000")
    bob = ks.for_caller(access.Caller.current(), home="uid:1001")
    ks.generate_key_item("plain", kem)  # type: ignore[arg-type]  # the plain namespace's (an administrator's)
    with raises_code(12000011):
        alice.decapsulate("plain", [], ks.encapsulate("plain", []).out_data)
    alice.generate_key_item("kem", kem)  # type: ignore[arg-type]
    ct = alice.encapsulate("kem", []).out_data
    assert alice.decapsulate("kem", [], ct).shared_secret is not None
    for call in (lambda k: k.encapsulate("kem", []), lambda k: k.decapsulate("kem", [], ct)):
        for other in (bob, ks):
            with raises_code(12000011):
                call(other)
    alice.encapsulate("kem", [], "secret", shared)  # type: ignore[arg-type]
    assert alice.list_aliases(options()).key_aliases == ["kem", "secret"]
    assert ks.list_aliases(options()).key_aliases == ["plain"]
    assert bob.list_aliases(options()).key_aliases == []
