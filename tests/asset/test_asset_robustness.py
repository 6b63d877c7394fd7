"""Issue 11, the ASSET items, one test each, named after the item; every fault is produced for real.

- item 3: only ``AssetError`` leaves ``hukspy.asset`` (the property-based half is ``test_asset_fuzz.py``);
- item 4: 2,000 short-lived threads on one store leave no database connection behind;
- item 5: a stopped process holding ``.keys.lock`` makes ``add`` fail after a bounded wait;
- item 12: sessions that the application forgot do not starve the store's encryption.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hukspy
from hukspy import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksOptions,
    HuksParam,
    HuksSessionHandle,
    HuksTag,
    asset,
)
from hukspy.asset import Accessibility, AssetError, AuthType, ErrorCode, ReturnType, Tag
from hukspy.asset import crypto as asset_crypto
from hukspy.asset import store as asset_store

T = Tag


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value.code


# ---------------------------------------------------------------------------------------------- item 3


class _BytesPath(os.PathLike[bytes]):
    def __fspath__(self) -> bytes:
        return b"/tmp/x"


def test_item3_only_asset_error_leaves_the_constructor(tmp_path: Path, keystore: hukspy.Keystore) -> None:
    d = tmp_path / "asset"
    bad: list[tuple[str, Callable[[], object]]] = [
        ("owner with a lone surrogate", lambda: asset.AssetStore(d, keystore, "app\udc80")),
        ("owner of the wrong type", lambda: asset.AssetStore(d, keystore, b"app")),  # type: ignore[arg-type]
        ("empty owner", lambda: asset.AssetStore(d, keystore, "")),
        ("owner of 1025 bytes", lambda: asset.AssetStore(d, keystore, "é" * 513)),
        ("NUL in path", lambda: asset.AssetStore(f"{d}\0x", keystore, "app")),
        ("path of the wrong type", lambda: asset.AssetStore(3, keystore, "app")),  # type: ignore[arg-type]
        ("bytes path", lambda: asset.AssetStore(b"/tmp/x", keystore, "app")),  # type: ignore[arg-type]
        ("PathLike of bytes", lambda: asset.AssetStore(_BytesPath(), keystore, "app")),  # type: ignore[arg-type]
        ("path not encodable", lambda: asset.AssetStore(f"{d}/\ud800", keystore, "app")),
        ("keystore URI instead of a Keystore", lambda: asset.AssetStore(d, "software:", "app")),  # type: ignore[arg-type]
        ("keystore of the wrong type", lambda: asset.AssetStore(d, object(), "app")),  # type: ignore[arg-type]
    ]
    for what, call in bad:
        assert code_of(call) == ErrorCode.INVALID_ARGUMENT, what
    assert not d.exists()  # nothing was created on the way to a 401


def test_item3_a_default_keystore_that_cannot_open_is_24000001(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hukspy.keystore

    monkeypatch.setenv("HUKSPY_KEYSTORE", "nosuch:")
    monkeypatch.setattr(hukspy.keystore, "_default", None)
    monkeypatch.setattr(asset_store, "_default", None)
    with pytest.raises(AssetError) as ei:
        asset.AssetStore(tmp_path / "asset", None, "app")
    assert ei.value.code == ErrorCode.SERVICE_UNAVAILABLE
    assert "default keystore" in ei.value.detail and "nosuch" in ei.value.detail
    assert isinstance(ei.value.__cause__, hukspy.HuksError)
    for call in (
        lambda: asset.add({T.SECRET: b"s", T.ALIAS: b"a"}),
        lambda: asset.query({}),
        lambda: asset.batch_remove([]),
    ):
        assert code_of(call) == ErrorCode.SERVICE_UNAVAILABLE


def test_item3_cli_non_utf8_alias_and_owner_are_401(tmp_path: Path) -> None:
    env = {**os.environ, "HUKSPY_HOME": str(tmp_path), "HUKSPY_KEYSTORE": f"software:{tmp_path / 'ks'}"}
    env.pop("PYTHONWARNINGS", None)
    for extra in ([b"--alias", b"\xff"], [b"--alias", b"a", b"--owner", b"\xed\xa0\x80"]):
        proc = subprocess.run(
            [sys.executable, "-m", "hukspy", "asset", "add", "--store", str(tmp_path / "asset"), *extra],
            input=b"s3cret",
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 1, proc.stderr
        assert b"Traceback" not in proc.stderr
        assert b"error 401" in proc.stderr, proc.stderr


# ---------------------------------------------------------------------------------------------- item 4


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _in_threads(first: int, n: int, wave: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` for ``i`` in ``first..first+n-1``, one short-lived thread each, ``wave`` at a time."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    for start in range(first, first + n, wave):
        stop = min(first + n, start + wave)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(start, stop)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_item4_short_lived_threads_leave_no_connections(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s3cret", T.ALIAS: b"a"})

    def work(i: int) -> None:
        assert store.query({T.ALIAS: b"a"})[0][T.ALIAS] == b"a"
        if i % 20 == 0:  # a write (with a keystore encryption) now and then
            store.add({T.SECRET: b"v", T.ALIAS: f"t{i}".encode()})

    _in_threads(0, 100, 50, work)  # warm-up: the pool, the keystore, the allocator
    fds, rss = _fds(), _rss_mib()
    _in_threads(100, 2000, 50, work)
    grown_fds, grown_rss = _fds() - fds, _rss_mib() - rss
    # Before the fix every thread kept its connection: +2 descriptors (database, WAL) and ~120 KiB each.
    # Now the pool holds at most hukspy.asset.db.MAX_CONNECTIONS (8), whichever threads opened them; the
    # warm-up may not have needed all of them, hence up to 16 more.
    assert grown_fds <= 16, f"2,000 threads left {grown_fds} more descriptors open"
    assert grown_rss < 40, f"2,000 threads grew the RSS by {grown_rss:.0f} MiB"
    assert store.query({T.ALIAS: b"a", T.RETURN_TYPE: ReturnType.ALL})[0][T.SECRET] == b"s3cret"
    assert len(store.query({})) == 1 + 2100 // 20


# ---------------------------------------------------------------------------------------------- item 5

_HOLDER = textwrap.dedent(
    """
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
    """
)


@pytest.fixture
def stopped_lock_holder(tmp_path: Path) -> Iterator[Path]:
    """A real process that holds the ``.keys.lock`` of ``tmp_path/asset`` and is stopped (SIGSTOP)."""
    d = tmp_path / "asset"
    d.mkdir(mode=0o700)
    lock = d / ".keys.lock"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
        os.kill(proc.pid, signal.SIGSTOP)
        state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        deadline = time.monotonic() + 10
        while state != "T" and time.monotonic() < deadline:
            time.sleep(0.01)
            state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        assert state == "T", f"the lock holder is not stopped (state {state})"
        yield d
    finally:
        proc.kill()  # SIGKILL ends a stopped process too, and its lock with it
        proc.wait(timeout=30)


def test_item5_a_stopped_lock_holder_gives_a_bounded_wait(
    stopped_lock_holder: Path, keystore: hukspy.Keystore, owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asset_crypto, "KEY_LOCK_TIMEOUT", 2.0, raising=False)
    result: list[BaseException | None] = []

    def add() -> None:
        try:
            with asset.AssetStore(stopped_lock_holder, keystore, owner) as st:
                st.add({T.SECRET: b"s", T.ALIAS: b"a"})  # a new owner: its key must be created
            result.append(None)
        except BaseException as exc:
            result.append(exc)

    start = time.monotonic()
    t = threading.Thread(target=add, daemon=True)
    t.start()
    t.join(timeout=30)
    took = time.monotonic() - start
    assert result, "asset.add still waits for a lock held by a stopped process after 30 s"
    err = result[0]
    assert isinstance(err, AssetError), err
    assert err.code == ErrorCode.SERVICE_UNAVAILABLE
    assert ".keys.lock" in err.detail
    assert 1.9 <= took < 15
    alias = asset_crypto.key_alias(owner.encode(), AuthType.NONE, Accessibility.DEVICE_FIRST_UNLOCKED, False)
    assert not keystore.has_key_item(alias, HuksOptions())  # no key was made behind the lock


# ---------------------------------------------------------------------------------------------- item 12


_GCM = [
    HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
    HuksParam(HuksTag.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
    HuksParam(HuksTag.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
]
_ENC, _DEC = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT, HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT


def _forget_sessions(ks: hukspy.Keystore, alias: str) -> list[HuksSessionHandle]:
    """Open sessions on ``ks`` until its session limit (``reject`` policy) refuses the next one."""
    key = [*_GCM, HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 256), HuksParam(HuksTag.HUKS_TAG_PURPOSE, _ENC | _DEC)]
    ks.generate_key_item(alias, HuksOptions(properties=key))
    nonce = HuksParam(HuksTag.HUKS_TAG_NONCE, bytes(12))
    encrypt = HuksOptions(properties=[*_GCM, HuksParam(HuksTag.HUKS_TAG_PURPOSE, _ENC), nonce])
    handles = [ks.init_session(alias, encrypt) for _ in range(15)]
    with pytest.raises(hukspy.HuksError) as ei:
        ks.init_session(alias, encrypt)
    assert ei.value.code == 12000010  # the application's budget is spent
    return handles


def _exercise(st: asset.AssetStore) -> None:
    st.add({T.SECRET: b"one", T.ALIAS: b"a"})
    st.update({T.ALIAS: b"a"}, {T.SECRET: b"two"})
    st.batch_add([{T.SECRET: f"s{i}".encode(), T.ALIAS: f"b{i}".encode()} for i in range(20)])
    assert st.query({T.ALIAS: b"a", T.RETURN_TYPE: ReturnType.ALL})[0][T.SECRET] == b"two"
    assert st.query({T.ALIAS: b"b19", T.RETURN_TYPE: ReturnType.ALL})[0][T.SECRET] == b"s19"


def test_item12_forgotten_sessions_do_not_starve_the_store(
    tmp_path: Path, keystore: hukspy.Keystore, owner: str
) -> None:
    handles = _forget_sessions(keystore, f"app-key-{owner}")
    try:
        with asset.AssetStore(tmp_path / "asset", keystore, owner) as st:
            start = time.monotonic()
            _exercise(st)
            assert time.monotonic() - start < 10
        assert keystore.open_sessions == 15  # the application's sessions are untouched
    finally:
        for h in handles:
            keystore.abort_session(h, HuksOptions())


def test_item12_forgotten_sessions_on_the_default_keystore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hukspy.keystore

    monkeypatch.setenv("HUKSPY_KEYSTORE", f"software:{tmp_path / 'ks'}")
    monkeypatch.setenv("HUKSPY_APP_ID", "item12.app")
    monkeypatch.setenv("HUKSPY_HOME", str(tmp_path))
    monkeypatch.setattr(hukspy.keystore, "_default", None)
    monkeypatch.setattr(asset_store, "_default", None)
    ks = hukspy.default_keystore()
    handles = _forget_sessions(ks, "app-key")
    try:
        start = time.monotonic()
        asset.add({T.SECRET: b"s3cret", T.ALIAS: b"a"})
        assert asset.query({T.ALIAS: b"a", T.RETURN_TYPE: ReturnType.ALL})[0][T.SECRET] == b"s3cret"
        assert time.monotonic() - start < 5
        assert asset.default_store().keystore is ks  # python-api.md §6: the default keystore
    finally:
        for h in handles:
            ks.abort_session(h, HuksOptions())
        asset.default_store().close()
        ks.close()


def test_item12_a_session_scope_shares_the_backend_not_the_budget(keystore: hukspy.Keystore) -> None:
    handles = _forget_sessions(keystore, "scope-key")
    scope = keystore.session_scope(session_limit=2)
    try:
        nonce = HuksParam(HuksTag.HUKS_TAG_NONCE, bytes(12))
        encrypt = HuksOptions(properties=[*_GCM, HuksParam(HuksTag.HUKS_TAG_PURPOSE, _ENC), nonce])
        mine = [scope.init_session("scope-key", encrypt) for _ in range(2)]  # the same key, its own budget
        with pytest.raises(hukspy.HuksError) as ei:
            scope.init_session("scope-key", encrypt)
        assert ei.value.code == 12000010
        assert (scope.open_sessions, keystore.open_sessions) == (2, 15)
        assert scope.finish_session(mine[0], HuksOptions(in_data=b"x")).out_data
        scope.close()  # ends the scope's sessions, not the backend
        assert keystore.has_key_item("scope-key", HuksOptions())
        with pytest.raises(hukspy.HuksError) as ei:
            scope.has_key_item("scope-key", HuksOptions())
        assert ei.value.code == 12000012
    finally:
        for h in handles:
            keystore.abort_session(h, HuksOptions())
        keystore.delete_key_item("scope-key", HuksOptions())
    second = keystore.session_scope()
    keystore.close()
    with pytest.raises(hukspy.HuksError) as ei:
        second.has_key_item("scope-key", HuksOptions())  # closing the keystore closes its scopes
    assert ei.value.code == 12000012
