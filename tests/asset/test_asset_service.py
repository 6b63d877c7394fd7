"""The ASSET suite through the keystore service (docs/service.md), on a ``hukspy serve`` of a software
keystore and one of swtpm (``?fallback=sealed``: the TPM has no AES-GCM). Each module-scoped service is
started once; every test gets ``AssetStore(keystore=Keystore("service:..."))`` of a fresh owner, so each
add, query, update and remove crosses the socket and runs in the service.

**Run here unchanged** (``THROUGH_THE_SERVICE``): the tests of test_asset_semantics, test_asset_checks,
test_asset_auth, test_asset_userauth and test_asset_crypto that use only a store, its keystore, its
owner and the keystore's PIN (``store``, ``keystore``, ``owner``, ``pin_set``; ``st``, ``ks``,
``auth_store``: the same over the service). The tests run as the service's own uid, an administrator
(docs/service.md, "Trust model"): its keys are in the keystore's plain namespace and its owners are the
names it gives, so the asset key aliases a test derives from its owner are the ones the client sees. The
per-uid namespaces and owners are tests/service/test_service_uids.py's.

**Stay in-process** (``IN_PROCESS``, each with its reason): the tests that read or edit the database
behind the store's back (``db_exec``: a client of the service cannot reach the service's files, by
design), that move the in-process clocks (the asset challenge clock, ``FakeClock`` reboots: the client
cannot move the service's clock), that open stores by ``path`` (a store in the service takes none), and
the enum tables that need no store. Where the behaviour is a contract, a service-shaped equivalent
below replaces the test (named in the reason): another owner or another connection instead of another
path, a real wait instead of a moved clock, a restart of the service (keys and secrets survive, pre_query
challenges and HUKS sessions do not: 24000002 / 12000011).
``test_every_asset_test_is_accounted_for`` keeps the two tables complete.
"""

from __future__ import annotations

import contextlib
import inspect
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Final

import pytest
import test_asset_auth
import test_asset_checks
import test_asset_crypto
import test_asset_semantics
import test_asset_userauth
from _require import swtpm
from asset_sql import asset_uri

import hukspy
from hukspy import HuksError, HuksOptions, asset
from hukspy.asset import Accessibility, AssetError, AuthType, ReturnType, Tag
from hukspy.testing.service import ServiceProcess, service_dirs
from hukspy.testing.simple import simple

T = Tag
ALL: dict[Tag, asset.AssetValue] = {T.RETURN_TYPE: ReturnType.ALL}
ANY: dict[Tag, asset.AssetValue] = {T.AUTH_TYPE: AuthType.ANY}
#: The PIN ``pin_set`` enrolls (test_asset_userauth's tests enroll ``test_asset_userauth.PIN``).
SET_PIN: Final = b"asset-test-pin"

#: The tests of the ASSET suite that run here unchanged, through the service.
THROUGH_THE_SERVICE: Final[dict[ModuleType, tuple[str, ...]]] = {
    test_asset_semantics: (
        "test_minimal_asset_round_trip", "test_all_tags_asset_returns_20_attributes",
        "test_duplicate_alias_and_overwrite", "test_equality_matching", "test_sync_type_matches_bitwise",
        "test_order_and_paging", "test_update_secret_and_labels", "test_batch_add",
        "test_batch_update_and_remove",
    ),
    test_asset_checks: tuple(
        name for name in dir(test_asset_checks)
        if name.startswith("test_")
        and "store" in inspect.signature(getattr(test_asset_checks, name)).parameters
    ),
    test_asset_auth: (
        "test_any_assets_can_be_added_updated_and_listed", "test_any_secret_needs_a_challenge_and_a_token",
        "test_pre_query_matches", "test_pre_query_with_the_key_deleted",
    ),
    test_asset_userauth: (
        "test_any_secret_with_a_token_of_this_keystore", "test_a_token_of_another_keystore_is_denied",
        "test_require_password_set_follows_the_pin", "test_locking_ends_device_unlocked_pre_query_sessions",
        "test_Security_DataSecurity_Asset_Authentication_Func_0600_17th_pre_query_is_limit_exceeded",
        "test_Security_DataSecurity_Asset_Authentication_Func_0700_validity_period_out_of_range_is_401",
        "test_Security_DataSecurity_Asset_Authentication_Func_1200_query_without_challenge_is_401",
    ),
    test_asset_crypto: ("test_one_key_per_access_control", "test_a_key_deleted_under_the_store"),
}

_DB = "reads or edits the database behind the store's back (db_exec); a client of the service cannot"

#: The tests of the ASSET suite that stay in-process, and why (a service-shaped equivalent is named).
IN_PROCESS: Final[dict[ModuleType, dict[str, str]]] = {
    test_asset_semantics: {
        "test_query_on_a_store_never_written_is_a_plain_no_match":
            "looks for database files (path) or rows (db_exec); here: test_service_an_owner_never_written_"
            "is_a_plain_no_match",
        "test_update_time_and_sync_status_as_upstream": _DB,
        "test_remove": "counts the rows left (db_exec)",
        "test_trusted_account_assets_leave_a_tombstone": _DB,
        "test_owners_are_isolated": "opens a second store by path and counts its files; here: "
                                    "test_service_owners_are_isolated",
        "test_owner_names_map_to_safe_file_names": "file names under a path of its own; here: "
                                                   "test_service_owner_names_stay_in_the_state_directory",
        "test_module_functions_use_the_default_store": "a default store at $HUKSPY_HOME; here: "
                                                       "test_service_module_functions_use_the_service",
        "test_a_result_holds_at_most_65536_maps": "writes 65536 rows in SQL (db_exec)",
        "test_repr_says_whether_the_store_is_closed": "opens its store by path (asset_path); here: "
                                                      "test_service_repr_says_whether_the_store_is_closed",
    },
    test_asset_checks: {
        "test_tag_values_are_upstream": "no store: the enum tables",
        "test_other_enum_values_are_upstream": "no store: the enum tables",
        "test_every_error_code_has_a_message": "no store: the enum tables",
    },
    test_asset_auth: {
        "test_16_challenges_per_owner": "moves the asset challenge clock in-process; here: "
                                        "test_service_16_challenges_per_owner",
        "test_validity_period": "moves the asset challenge clock in-process; here: "
                                "test_service_a_challenge_expires",
        "test_32_challenges_in_all": "stores by path, whose close drops their challenges; here: "
                                     "test_service_32_challenges_in_all",
        "test_challenges_belong_to_their_owner": "a second store by path; here: "
                                                 "test_service_challenges_belong_to_their_owner",
    },
    test_asset_userauth: {
        "test_accessibility_follows_the_lock_state": "reboots with a FakeClock; here (without the reboot): "
                                                     "test_service_accessibility_follows_the_lock_state",
        "test_keys_live_at_their_accessibilitys_storage_level":
            "reads the store's cipher and reopens it by path with a legacy key; here (without the legacy "
            "key): test_service_keys_live_at_their_accessibilitys_storage_level",
    },
    test_asset_crypto: {
        "test_secret_is_stored_only_as_ciphertext": "reads the database (db_exec) and its files; here: "
                                                    "test_service_secret_is_in_no_file_of_the_service",
        "test_editing_the_database_gives_24000007": _DB,
        "test_a_flipped_ciphertext_bit_gives_24000007": _DB,
        "test_editing_the_accessibility_gives_24000007": _DB,
        "test_copying_a_secret_to_another_row_gives_24000007": _DB,
        "test_normal_labels_are_not_integrity_protected": _DB,
        "test_a_damaged_attribute_gives_24000007": _DB,
        "test_update_keeps_the_binding": _DB,
        "test_keys_are_shared_by_stores_of_one_owner": "a second store by path; here: "
                                                       "test_service_keys_are_shared_by_stores_of_one_owner",
        "test_a_keystore_without_gcm_is_refused": "the keystore URI a store is opened on (the service opens "
                                                  "its own, with ?fallback=sealed on a TPM)",
    },
}

for _module, _names in THROUGH_THE_SERVICE.items():
    for _name in _names:
        globals()[f"test_service_{_module.__name__.removeprefix('test_asset_')}_{_name[5:]}"] = getattr(
            _module, _name
        )

auth_store = test_asset_auth.auth_store


def test_every_asset_test_is_accounted_for() -> None:
    """Every test of the five modules runs through the service or is listed as in-process, with a reason."""
    for module in (test_asset_semantics, test_asset_checks, test_asset_auth, test_asset_userauth,
                   test_asset_crypto):
        tests = {name for name, fn in vars(module).items() if name.startswith("test_") and callable(fn)}
        here, there = set(THROUGH_THE_SERVICE[module]), set(IN_PROCESS[module])
        assert here.isdisjoint(there), module.__name__
        assert tests == here | there, f"{module.__name__}: {sorted(tests ^ (here | there))}"


# ------------------------------------------------------------------------------------------- fixtures


@contextlib.contextmanager
def _service(backend: str) -> Iterator[ServiceProcess]:
    """A started ``hukspy serve`` of a fresh software keystore or swtpm; stopped and removed afterwards."""
    sock, home = service_dirs()
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, home.parent, ignore_errors=True)
        if backend == "software":
            uri = f"software:{home / 'keys'}"
        else:
            uri = asset_uri(stack.enter_context(swtpm()).uri)
        service = ServiceProcess(uri, sock, home)
        service.start()
        stack.callback(service.stop)
        yield service


@pytest.fixture(scope="module", params=["software", "tpm2"])
def asset_service(request: pytest.FixtureRequest) -> Iterator[ServiceProcess]:
    """One service per backend for the module."""
    with _service(request.param) as service:
        yield service


@pytest.fixture
def keystore(asset_service: ServiceProcess) -> Iterator[hukspy.Keystore]:
    """A client of the module's service. Afterwards its credential has no PIN (the tests share it)."""
    with hukspy.Keystore(asset_service.uri) as ks:
        assert ks._link.info["admin"] is True  # type: ignore[attr-defined]  # see the module docstring
        yield ks
        assert not ks.user_auth.is_pin_set()


@pytest.fixture
def owner() -> str:
    return f"test.app-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(keystore: hukspy.Keystore, owner: str) -> Iterator[asset.AssetStore]:
    with asset.AssetStore(keystore=keystore, owner=owner) as st:
        assert type(st).__name__ == "ServiceAssetStore"
        yield st


def _forget_pin(ks: hukspy.Keystore, pin: bytes) -> None:
    """Remove ``pin`` from the service's credential if it is enrolled (the next test starts without one)."""
    if ks.user_auth.is_pin_set():
        ks.user_auth.remove_pin(pin)


@pytest.fixture
def pin_set(keystore: hukspy.Keystore) -> Iterator[None]:
    """A PIN enrolled in the service's credential for the test, removed afterwards (the service's
    credential outlives the test: it is removed through the API, never by resetting records)."""
    keystore.user_auth.enroll_pin(SET_PIN)
    try:
        yield
    finally:
        _forget_pin(keystore, SET_PIN)


@pytest.fixture
def ks(keystore: hukspy.Keystore) -> Iterator[hukspy.Keystore]:
    """test_asset_userauth's keystore: the service's; the PIN its tests enroll is removed afterwards."""
    try:
        yield keystore
    finally:
        _forget_pin(keystore, test_asset_userauth.PIN)


@pytest.fixture
def st(store: asset.AssetStore, ks: hukspy.Keystore) -> asset.AssetStore:
    return store


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises((AssetError, HuksError)) as ei:
        fn()
    return int(ei.value.code)


# ------------------------------------------------------------------------- service-shaped equivalents


def test_service_an_owner_never_written_is_a_plain_no_match(store: asset.AssetStore) -> None:
    assert code_of(lambda: store.query({})) == 24000002
    assert code_of(lambda: store.remove({})) == 24000002
    assert code_of(lambda: store.update({T.ALIAS: b"a"}, {T.SECRET: b"s"})) == 24000002
    assert code_of(lambda: store.pre_query({})) == 24000002


def test_service_owners_are_isolated(asset_service: ServiceProcess, store: asset.AssetStore) -> None:
    """Another owner of the same uid, on another connection, sees none of this owner's secrets."""
    store.add({T.SECRET: b"mine", T.ALIAS: b"a"})
    with hukspy.Keystore(asset_service.uri) as ks2, \
            asset.AssetStore(keystore=ks2, owner=store.owner + "-other") as other:
        assert code_of(lambda: other.query({})) == 24000002
        assert code_of(lambda: other.remove({})) == 24000002
        other.add({T.SECRET: b"theirs", T.ALIAS: b"a"})
        assert other.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"theirs"
        other.remove({})
    assert store.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"mine"


def test_service_owner_names_stay_in_the_state_directory(
    asset_service: ServiceProcess, keystore: hukspy.Keystore
) -> None:
    """An owner naming a path writes nothing outside the service's state directory; an empty owner is 401."""
    base = Path(asset_service.home).parent

    def outside() -> set[Path]:
        return {p for p in base.rglob("*") if Path(asset_service.home) not in p.parents}

    before = outside()
    with asset.AssetStore(keystore=keystore, owner=f"../../{uuid.uuid4().hex} evil owner") as st:
        st.add({T.SECRET: b"s", T.ALIAS: b"a"})
        assert st.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"s"
        st.remove({})
    assert outside() == before
    assert code_of(lambda: asset.AssetStore(keystore=keystore, owner="")) == 401


def test_service_module_functions_use_the_service(
    asset_service: ServiceProcess, owner: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``$HUKSPY_KEYSTORE=service:...`` the module functions' default store is the service's:
    nothing is written under ``$HUKSPY_HOME``; a store given a path there is refused (401), as a store
    on an explicit ``service:`` keystore is."""
    import hukspy.asset.store as store_module
    import hukspy.keystore as keystore_module

    monkeypatch.setenv("HUKSPY_KEYSTORE", asset_service.uri)
    monkeypatch.setenv("HUKSPY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUKSPY_APP_ID", owner)
    monkeypatch.setattr(keystore_module, "_default", None)
    monkeypatch.setattr(store_module, "_default", None)
    try:
        st = asset.default_store()
        assert type(st).__name__ == "ServiceAssetStore" and st.owner == owner
        asset.add({T.SECRET: b"s3cret", T.ALIAS: b"db-password"})
        assert asset.query({T.ALIAS: b"db-password", **ALL})[0][T.SECRET] == b"s3cret"
        with hukspy.Keystore(asset_service.uri) as ks, asset.AssetStore(keystore=ks, owner=owner) as again:
            assert again.query({T.ALIAS: b"db-password", **ALL})[0][T.SECRET] == b"s3cret"
        asset.remove({T.ALIAS: b"db-password"})
        assert code_of(lambda: asset.query({})) == 24000002
        assert code_of(lambda: asset.AssetStore(tmp_path / "elsewhere")) == 401  # the service's has no path
        assert not (tmp_path / "home").exists() and not (tmp_path / "elsewhere").exists()
    finally:
        if store_module._default is not None:
            store_module._default.close()
        if keystore_module._default is not None:
            keystore_module._default.close()


def test_service_repr_says_whether_the_store_is_closed(keystore: hukspy.Keystore, owner: str) -> None:
    st = asset.AssetStore(keystore=keystore, owner=owner)
    assert repr(st).endswith(f"owner={owner!r}, closed=False)")
    st.close()
    assert repr(st).endswith(f"owner={owner!r}, closed=True)")
    assert code_of(lambda: st.query({})) == 24000001


def test_service_16_challenges_per_owner(auth_store: asset.AssetStore) -> None:
    challenges = [auth_store.pre_query({}) for _ in range(16)]
    try:
        assert len(set(challenges)) == 16
        assert code_of(lambda: auth_store.pre_query({})) == 24000016
        auth_store.post_query({T.AUTH_CHALLENGE: challenges[0]})
        challenges[0] = auth_store.pre_query({})
        assert code_of(lambda: auth_store.pre_query({})) == 24000016
    finally:
        for c in challenges:
            auth_store.post_query({T.AUTH_CHALLENGE: c})
    auth_store.post_query({T.AUTH_CHALLENGE: auth_store.pre_query({})})  # the owner's slots are free again


def test_service_a_challenge_expires(auth_store: asset.AssetStore) -> None:
    """The service's own clock ends a challenge after its validity period (1 s here: a real wait)."""
    q: dict[Tag, asset.AssetValue] = {T.ALIAS: b"pin", **ALL, T.AUTH_TOKEN: b"t"}
    short = auth_store.pre_query({T.AUTH_VALIDITY_PERIOD: 1})
    long = auth_store.pre_query({T.AUTH_VALIDITY_PERIOD: 600})
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: short})) == 24000004  # live
    time.sleep(1.3)
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: short})) == 24000002  # expired
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: long})) == 24000004
    auth_store.post_query({T.AUTH_CHALLENGE: long})


def test_service_32_challenges_in_all() -> None:
    """32 challenges in all across owners and connections. A service of its own (software: the limit is
    the asset layer's), so that no challenge of another test counts."""
    with _service("software") as service, contextlib.ExitStack() as stack:
        owner = f"test.app-{uuid.uuid4().hex[:12]}"
        stores = []
        for name in ("a", "b", "c"):
            ks = stack.enter_context(hukspy.Keystore(service.uri))
            st = stack.enter_context(asset.AssetStore(keystore=ks, owner=f"{owner}-{name}"))
            st.add({T.SECRET: b"s", T.ALIAS: b"x", **ANY})
            stores.append(st)
        a, b, c = stores
        b_challenges = []
        for _ in range(16):
            a.pre_query({})
            b_challenges.append(b.pre_query({}))
        assert code_of(lambda: c.pre_query({})) == 24000016  # 32 in all
        b.post_query({T.AUTH_CHALLENGE: b_challenges[0]})
        c.pre_query({})
        assert code_of(lambda: a.pre_query({})) == 24000016


def test_service_challenges_belong_to_their_owner(
    asset_service: ServiceProcess, auth_store: asset.AssetStore
) -> None:
    challenge = auth_store.pre_query({})
    q: dict[Tag, asset.AssetValue] = {T.ALIAS: b"pin", **ALL, T.AUTH_TOKEN: b"t", T.AUTH_CHALLENGE: challenge}
    with hukspy.Keystore(asset_service.uri) as ks2, \
            asset.AssetStore(keystore=ks2, owner=auth_store.owner + "-x") as other:
        other.add({T.SECRET: b"s", T.ALIAS: b"pin", **ANY})
        assert code_of(lambda: other.query(q)) == 24000002
        other.post_query({T.AUTH_CHALLENGE: challenge})  # not its challenge: success, and no effect
    assert code_of(lambda: auth_store.query(q)) == 24000004
    auth_store.post_query({T.AUTH_CHALLENGE: challenge})


def test_service_accessibility_follows_the_lock_state(st: asset.AssetStore, ks: hukspy.Keystore) -> None:
    """test_asset_userauth's lock-state test without its reboot (the service's boot is the machine's)."""
    pin = test_asset_userauth.PIN
    ua = ks.user_auth
    ua.enroll_pin(pin)
    unlocked = {T.ALIAS: b"u", T.SECRET: b"u", T.ACCESSIBILITY: Accessibility.DEVICE_UNLOCKED}
    st.add(unlocked)
    st.add({T.ALIAS: b"f", T.SECRET: b"f"})  # DEVICE_FIRST_UNLOCKED, the default
    st.add({T.ALIAS: b"p", T.SECRET: b"p", T.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON})
    ua.lock()
    assert ua.is_locked() is True
    assert code_of(lambda: st.query({T.ALIAS: b"u", **ALL})) == 24000005
    assert code_of(lambda: st.add({**unlocked, T.ALIAS: b"u2"})) == 24000005
    assert code_of(lambda: st.update({T.ALIAS: b"u"}, {T.SECRET: b"new"})) == 24000005
    assert st.query({T.ALIAS: b"f", **ALL})[0][T.SECRET] == b"f"
    assert st.query({T.ALIAS: b"p", **ALL})[0][T.SECRET] == b"p"
    ua.unlock(pin)
    assert st.query({T.ALIAS: b"u", **ALL})[0][T.SECRET] == b"u"


def test_service_keys_live_at_their_accessibilitys_storage_level(
    st: asset.AssetStore, ks: hukspy.Keystore, owner: str
) -> None:
    """DEVICE_POWERED_ON keys are DE, DEVICE_FIRST_UNLOCKED CE, DEVICE_UNLOCKED ECE, in the service's
    keystore (the aliases of test_asset_crypto.expected_alias)."""
    from hukspy import HuksParam, HuksTag

    def levels_of(alias: str) -> list[int]:
        return [
            lv for lv in (0, 1, 2)
            if ks.has_key_item(alias, HuksOptions([HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, lv)]))
        ]

    for acc, level in ((Accessibility.DEVICE_POWERED_ON, 0), (Accessibility.DEVICE_FIRST_UNLOCKED, 1),
                       (Accessibility.DEVICE_UNLOCKED, 2)):
        st.add({T.ALIAS: b"k%d" % level, T.SECRET: b"x", T.ACCESSIBILITY: acc})
        assert levels_of(test_asset_crypto.expected_alias(owner, 0, acc)) == [level]


def test_service_secret_is_in_no_file_of_the_service(
    asset_service: ServiceProcess, store: asset.AssetStore
) -> None:
    """The plaintext of a secret is in no file of the service's state (databases, journals, keys)."""
    secret = f"very-distinctive-plaintext-{uuid.uuid4().hex}".encode()
    store.add({T.SECRET: secret, T.ALIAS: b"a"})
    assert store.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == secret
    files = [p for p in Path(asset_service.home).rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files)
    assert not [p for p in files if secret in p.read_bytes()]


def test_service_keys_are_shared_by_stores_of_one_owner(
    asset_service: ServiceProcess, store: asset.AssetStore, owner: str
) -> None:
    """A second store of the same owner, on a connection of its own, reads the first one's secret."""
    store.add({T.SECRET: b"s", T.ALIAS: b"a"})
    with hukspy.Keystore(asset_service.uri) as ks2, asset.AssetStore(keystore=ks2, owner=owner) as again:
        assert again.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"s"


def test_service_restart_keeps_keys_and_secrets_not_challenges_or_sessions(
    asset_service: ServiceProcess, keystore: hukspy.Keystore, store: asset.AssetStore
) -> None:
    """A service killed (SIGKILL) and started again on its state: the secrets and the keys are there,
    the pre_query challenges (24000002) and the HUKS sessions (12000011) are not; the client connects
    again on its own (docs/service.md, "Failures")."""
    store.add({T.SECRET: b"kept", T.ALIAS: b"a"})
    store.add({T.SECRET: b"needs-auth", T.ALIAS: b"pin", **ANY})
    challenge = store.pre_query({T.ALIAS: b"pin"})
    q: dict[Tag, asset.AssetValue] = {T.ALIAS: b"pin", **ALL, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: b"t"}
    assert code_of(lambda: store.query(q)) == 24000004  # a live challenge, a token that does not open it
    key = simple(keystore)
    alias = key.make(keystore)
    handle = keystore.init_session(alias, HuksOptions(list(key.init)))
    asset_service.kill()
    assert code_of(lambda: store.query({T.ALIAS: b"a", **ALL})) == 24000010
    asset_service.start()
    assert store.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"kept"
    assert code_of(lambda: store.query(q)) == 24000002  # the challenge died with the service
    assert keystore.has_key_item(alias, HuksOptions()) is True
    assert code_of(lambda: keystore.finish_session(handle, HuksOptions(list(key.init)))) == 12000011
    fresh = keystore.init_session(alias, HuksOptions(list(key.init)))
    keystore.abort_session(fresh, HuksOptions())
    store.remove({})
