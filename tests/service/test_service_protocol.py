"""The service as a process: unreachable, killed and restarted, shut down; malformed, truncated, oversized
and slow frames, a storm of connections, limits; the frame decoder under hypothesis. Every fault is
produced for real on a real ``hukspy serve``; a second client is checked to be served throughout."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hukspy
from hukspy import HuksError, HuksOptions, HuksParam, HuksTag, asset
from hukspy.asset import AssetError
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksKeyPurpose
from hukspy.service import wire
from hukspy.testing.processes import stop_process
from hukspy.testing.service import ServiceProcess
from hukspy.userauth import AuthToken

AES = [
    HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
    HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 256),
    HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT),
]
GCM = [
    *AES,
    HuksParam(HuksTag.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
    HuksParam(HuksTag.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
]
NONE = HuksOptions()


def code_of(call: Callable[[], object]) -> int:
    with pytest.raises((HuksError, AssetError)) as info:
        call()
    return int(info.value.code)


def closed_by_service(sock: socket.socket, timeout: float = 15) -> bool:
    """Whether the service closes ``sock`` (EOF or reset) within ``timeout`` seconds, reading and
    dropping whatever it answers first."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def raw(service: ServiceProcess) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(service.socket_path)
    return s


def hello() -> bytes:
    return frame(wire.encode([wire.MAGIC, wire.VERSION, {}]))


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def test_absent_service_is_12000005_and_24000010(
    tmp_path: Path, make_service: Callable[..., ServiceProcess]
) -> None:
    assert code_of(lambda: hukspy.Keystore(f"service:{tmp_path / 'none.sock'}")) == 12000005
    service = make_service()
    ks = hukspy.Keystore(service.uri)
    store = asset.AssetStore(keystore=ks, owner="app")
    service.stop()
    assert code_of(lambda: ks.has_key_item("k", NONE)) == 12000005
    assert code_of(lambda: store.add({asset.Tag.ALIAS: b"a", asset.Tag.SECRET: b"s"})) == 24000010
    assert code_of(lambda: store.query({})) == 24000010


def test_killed_and_restarted_keeps_keys_and_secrets(make_service: Callable[..., ServiceProcess]) -> None:
    service = make_service()
    ks = hukspy.Keystore(service.uri)
    store = asset.AssetStore(keystore=ks, owner="app")
    ks.generate_key_item("k", HuksOptions(properties=AES))
    store.add({asset.Tag.ALIAS: b"a", asset.Tag.SECRET: b"kept"})
    handle = ks.init_session("k", HuksOptions(properties=GCM))
    service.kill()
    assert code_of(lambda: ks.update_session(handle, HuksOptions(in_data=b"x"))) == 12000005
    service.start()
    assert ks.has_key_item("k", NONE) is True  # the client connected again by itself
    assert code_of(lambda: ks.update_session(handle, HuksOptions(in_data=b"x"))) == 12000011
    rows = store.query({asset.Tag.ALIAS: b"a", asset.Tag.RETURN_TYPE: asset.ReturnType.ALL})
    assert rows[0][asset.Tag.SECRET] == b"kept"
    h2 = ks.init_session("k", HuksOptions(properties=GCM))
    assert len(ks.finish_session(h2, HuksOptions(properties=GCM, in_data=b"abc")).out_data) == 3 + 16 + 12
    ks.close()


def test_sigterm_is_a_clean_shutdown(make_service: Callable[..., ServiceProcess]) -> None:
    service = make_service()
    ks = hukspy.Keystore(service.uri)
    assert ks.list_aliases(NONE).key_aliases == []
    assert service.stop() == 0
    assert not os.path.exists(service.socket_path)
    assert code_of(lambda: ks.list_aliases(NONE)) == 12000005


BAD_INPUTS = {
    "garbage": b"\xff" * 64,
    "zero-length": struct.pack(">I", 0),
    "oversized": struct.pack(">I", wire.MAX_FRAME + 1) + b"\0" * 1024,
    "not-msgpack": frame(b"\xc1\xc1\xc1"),
    "trailing-bytes": frame(msgpack.packb([wire.MAGIC, wire.VERSION, {}]) + b"\x00"),
    "not-a-handshake": frame(msgpack.packb({"hello": 1})),
    "unknown-ext": frame(msgpack.packb([wire.MAGIC, wire.VERSION, msgpack.ExtType(99, b"\x90")])),
    "ext-of-wrong-shape": frame(msgpack.packb([wire.MAGIC, wire.VERSION, msgpack.ExtType(1, b"\x01")])),
    "bad-utf8": frame(b"\x93\xa6hukspy\x01\xa2\xff\xfe"),
    "deep-nesting": frame(b"\x91" * 100_000 + b"\xc0"),
    "request-not-a-list": hello() + frame(msgpack.packb("generate_key_item")),
    "unknown-method": hello() + frame(msgpack.packb([1, "k", "_backend", [], {}])),
    "private-method": hello() + frame(msgpack.packb([1, "k", "__class__", [], {}])),
    "truncated-request": hello() + struct.pack(">I", 100) + b"\x95\x01",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_malformed_input_closes_that_connection_only(name: str, software_service: ServiceProcess) -> None:
    other = hukspy.Keystore(software_service.uri)
    other.generate_key_item("served", HuksOptions(properties=AES))
    s = raw(software_service)
    s.sendall(BAD_INPUTS[name])
    if name == "truncated-request":
        s.shutdown(socket.SHUT_WR)  # the peer ends mid-frame
    assert closed_by_service(s)
    s.close()
    assert other.has_key_item("served", NONE) is True
    assert hukspy.Keystore(software_service.uri).list_aliases(NONE).key_aliases.count("served") == 1
    other.close()


def test_version_mismatch_is_refused_with_12000005(software_service: ServiceProcess) -> None:
    s = raw(software_service)
    s.sendall(frame(wire.encode([wire.MAGIC, wire.VERSION + 1, {}])))
    reply = wire.read_frame(s, idle=10, frame=10)
    assert reply[2]["error"][1] == 12000005
    assert closed_by_service(s)


@pytest.fixture
def fast_timeouts(tmp_path: Path, make_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    config = tmp_path / "service.toml"
    config.write_text("[limits]\nhandshake_timeout = 1\nframe_timeout = 1\nidle_timeout = 2\n"
                      "sessions_per_uid = 3\n")
    return make_service(config=config)


def test_silent_and_slow_clients_block_no_one(fast_timeouts: ServiceProcess) -> None:
    service = fast_timeouts
    silent = [raw(service) for _ in range(20)]              # connect, send nothing
    slow = [raw(service) for _ in range(20)]
    for s in slow:
        s.sendall(hello()[:3])                            # half a frame header, then nothing
    idle = raw(service)
    idle.sendall(hello())
    wire.read_frame(idle, idle=5, frame=5)               # handshake done, then idle
    ks = hukspy.Keystore(service.uri)
    start = time.monotonic()
    for _ in range(20):
        assert ks.list_aliases(NONE).key_aliases == []
    assert time.monotonic() - start < 5
    started = time.monotonic()
    assert all(closed_by_service(s, timeout=10) for s in silent + slow)
    assert closed_by_service(idle, timeout=10)
    assert time.monotonic() - started < 10
    assert ks.list_aliases(NONE).key_aliases == []


def test_sessions_per_uid_cap_counts_every_connection(fast_timeouts: ServiceProcess) -> None:
    a = hukspy.Keystore(fast_timeouts.uri)
    b = hukspy.Keystore(fast_timeouts.uri)
    a.generate_key_item("k", HuksOptions(properties=AES))
    gcm = HuksOptions(properties=GCM)
    handles = [a.init_session("k", gcm), a.init_session("k", gcm), b.init_session("k", gcm)]
    assert code_of(lambda: b.init_session("k", HuksOptions(properties=GCM))) == 12000010
    b.abort_session(handles[2], NONE)
    handles[2] = b.init_session("k", HuksOptions(properties=GCM))
    a.close()  # a's sessions end with its connection
    time.sleep(0.5)
    b.init_session("k", HuksOptions(properties=GCM))


def test_a_thousand_clients_come_and_go_while_one_is_served(software_service: ServiceProcess) -> None:
    ks = hukspy.Keystore(software_service.uri)
    ks.generate_key_item("steady", HuksOptions(properties=AES))
    stop = threading.Event()
    served: list[int] = []
    failures: list[BaseException] = []

    def steady() -> None:
        try:
            while not stop.is_set():
                h = ks.init_session("steady", HuksOptions(properties=GCM))
                ks.finish_session(h, HuksOptions(properties=GCM, in_data=b"x"))
                served.append(1)
        except BaseException as exc:
            failures.append(exc)

    def churn(n: int) -> None:
        for i in range(n):
            s = raw(software_service)
            if i % 2:
                s.sendall(hello())
                wire.read_frame(s, idle=30, frame=30)
            s.close()

    worker = threading.Thread(target=steady)
    worker.start()
    churners = [threading.Thread(target=churn, args=(250,)) for _ in range(4)]
    for t in churners:
        t.start()
    for t in churners:
        t.join()
    stop.set()
    worker.join()
    assert failures == []
    assert len(served) > 0
    assert ks.has_key_item("steady", NONE) is True
    ks.close()


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.binary(max_size=64)
    | st.text(max_size=32),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_decoder_answers_any_bytes_with_a_value_or_protocol_error(data: bytes) -> None:
    with contextlib.suppress(wire.ProtocolError):
        wire.decode(data)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_values_round_trip(value: object) -> None:
    assert wire.decode(wire.encode(value)) == value


def test_auth_token_round_trips_and_an_uncarried_item_keeps_the_request_shape() -> None:
    token = AuthToken(challenge=bytes(range(32)), time=2**63, auth_type=1, secure_uid=2**64 - 1,
                      enrolled_id=7, credential_id=8, token_type=2, collector_udid=b"c" * 64)
    assert wire.decode(wire.encode(token)) == token
    # a PIN with a lone surrogate: only that argument becomes an Opaque (the service answers 12500008)
    request = wire.decode(wire.encode([1, "u", "unlock", ["\ud800", b"pin", 2**70], {"x": "\udc00"}]))
    assert request[:3] == [1, "u", "unlock"]
    (bad, pin, big), kwargs = request[3], request[4]
    assert pin == b"pin"
    assert [type(v).__name__ for v in (bad, big, kwargs["x"])] == ["Opaque"] * 3
    assert (bad.type_name, big.type_name) == ("str", "int")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=256))
def test_frame_reader_on_a_socket_takes_any_bytes(data: bytes) -> None:
    a, b = socket.socketpair()
    with a, b:
        a.sendall(data)
        a.shutdown(socket.SHUT_WR)
        try:
            while wire.read_frame(b, idle=1, frame=1) is not wire.EOF:
                pass
        except wire.ProtocolError:
            pass


def test_systemd_socket_activation(tmp_path: Path) -> None:
    """``LISTEN_FDS``: systemd-socket-activate (systemd's own tool) binds the socket and starts the
    service on the first connection with the listening socket as fd 3."""
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        pytest.skip("systemd-socket-activate is not installed")
    sock = tmp_path / "activated.sock"
    home = tmp_path / "state"
    cmd = [tool, "-l", str(sock), sys.executable, "-m", "hukspy", "serve", "--keystore",
           f"software:{home / 'keys'}", "--home", str(home), "--socket", str(tmp_path / "unused.sock")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with hukspy.Keystore(f"service:{sock}") as ks:
            ks.generate_key_item("k", HuksOptions(properties=AES))
            assert ks.list_aliases(NONE).key_aliases == ["k"]
        assert not (tmp_path / "unused.sock").exists()  # the service used systemd's socket
    finally:
        stop_process(proc)
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""


def test_calls_and_connections_per_uid_are_capped(
    tmp_path: Path, make_service: Callable[..., ServiceProcess]
) -> None:
    config = tmp_path / "service.toml"
    config.write_text("[limits]\ncalls_per_uid = 1\nbusy_timeout = 0.3\nconnections_per_uid = 2\n")
    service = make_service(config=config)
    slow, other = hukspy.Keystore(service.uri), hukspy.Keystore(service.uri)
    assert code_of(lambda: hukspy.Keystore(service.uri)) == 12000024  # a third connection of the uid
    rsa = [HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA),
           HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 4096),
           HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)]
    # while the RSA-4096 generation is the uid's one call in flight, a second call waits busy_timeout
    # and is refused; it is tried until it overlaps (a generation that ends within the wait lets it in,
    # and one generation in a few is that quick: then another is started)
    refused = False
    for attempt in range(5):
        alias = f"big{attempt}"
        worker = threading.Thread(
            target=lambda alias=alias: slow.generate_key_item(alias, HuksOptions(properties=rsa))
        )
        worker.start()
        while worker.is_alive() and not refused:
            try:
                other.has_key_item(alias, NONE)
            except HuksError as exc:
                assert exc.code == 12000024, exc
                refused = True
        worker.join()
        if refused:
            break
    assert refused, "no call overlapped any of 5 RSA-4096 generations"
    assert other.has_key_item(alias, NONE) is True  # the slot is free again
    slow.close()
    other.close()


def test_asset_owners_per_uid_are_capped(tmp_path: Path, make_service: Callable[..., ServiceProcess]) -> None:
    config = tmp_path / "service.toml"
    config.write_text("[limits]\nowners_per_uid = 2\n")
    service = make_service(config=config)
    with hukspy.Keystore(service.uri) as ks:
        for owner in ("one", "two"):
            asset.AssetStore(keystore=ks, owner=owner).add({asset.Tag.ALIAS: b"a", asset.Tag.SECRET: b"s"})
        third = asset.AssetStore(keystore=ks, owner="three")
        assert code_of(lambda: third.add({asset.Tag.ALIAS: b"a", asset.Tag.SECRET: b"s"})) == 24000016
        assert asset.AssetStore(keystore=ks, owner="one").query({asset.Tag.ALIAS: b"a"})


def test_hukspy_keystore_and_hukspy_socket_select_the_service(
    software_service: ServiceProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUKSPY_KEYSTORE", software_service.uri)
    with hukspy.Keystore() as ks:
        assert type(ks).__name__ == "ServiceKeystore" and ks.backend_name == "software"
    monkeypatch.setenv("HUKSPY_KEYSTORE", "service:")
    monkeypatch.setenv("HUKSPY_SOCKET", software_service.socket_path)
    with hukspy.Keystore() as ks:
        assert ks.list_aliases(NONE) is not None
    monkeypatch.setenv("HUKSPY_SOCKET", software_service.socket_path + ".absent")
    assert code_of(hukspy.Keystore) == 12000005


RSA_4096_SIGN = [HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA),
                 HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 4096),
                 HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)]


def test_threads_of_one_keystore_call_in_parallel_and_share_its_sessions(
    software_service: ServiceProcess,
) -> None:
    """While one thread's RSA-4096 generation runs in the service, another thread of the same
    ``Keystore`` opens a session (on a second connection of the keystore's pool); after the generation
    the session is finished on the connection the generation used: one session table for them all."""
    with hukspy.Keystore(software_service.uri) as ks:
        ks.generate_key_item("par", HuksOptions(properties=AES))
        gcm = HuksOptions(properties=GCM)
        for attempt in range(3):
            generated = threading.Event()

            def generate(alias: str = f"big{attempt}", done: threading.Event = generated) -> None:
                ks.generate_key_item(alias, HuksOptions(properties=RSA_4096_SIGN))
                done.set()

            worker = threading.Thread(target=generate)
            worker.start()
            time.sleep(0.05)  # the generation's request is on its way
            handle = ks.init_session("par", gcm)
            overlapped = not generated.is_set()
            worker.join()
            # the connection the generation used is the idle one taken next
            out = ks.finish_session(handle, HuksOptions(properties=GCM, in_data=b"x" * 16))
            assert len(out.out_data) >= 16 + 16  # the ciphertext and the tag (and a nonce it chose)
            assert ks.open_sessions == 0
            if overlapped:
                return
        pytest.fail("no init_session overlapped an RSA-4096 generation")


def test_a_session_group_is_only_the_callers(make_service: Callable[..., ServiceProcess]) -> None:
    """Two keystores with the same group token (as two processes of one uid could send) share
    sessions; a malformed token is refused (401) in the handshake."""
    service = make_service()
    with hukspy.Keystore(service.uri) as a, hukspy.Keystore(service.uri) as b:
        a.generate_key_item("k", HuksOptions(properties=AES))
        h = a.init_session("k", HuksOptions(properties=GCM))
        assert code_of(lambda: b.finish_session(h, HuksOptions(properties=GCM, in_data=b"x"))) == 12000011
    s = raw(service)
    s.sendall(frame(wire.encode([wire.MAGIC, wire.VERSION, {"group": b"short"}])))
    reply = wire.read_frame(s, idle=10, frame=10)
    assert reply[2]["error"][1] == 401
    assert closed_by_service(s)


def test_kept_params_keep_their_types_and_wrong_shapes_are_refused() -> None:
    """The codec keeps the ext values of int-valued params: a bool and an int of the same value, and an
    enum and its int, stay what they are on the other side; a param of three fields is malformed."""
    tag = HuksTag.HUKS_TAG_IS_KEY_ALIAS
    for _ in range(2):  # the second time from what the codec kept
        sent = [HuksParam(tag, True), HuksParam(tag, 1), HuksParam(int(tag), HuksKeyAlg.HUKS_ALG_AES)]
        got = wire.decode(wire.encode(sent))
        assert got == sent
        assert [type(p.value) for p in got] == [bool, int, int]
    three = msgpack.packb(msgpack.ExtType(wire.EXT["param"], msgpack.packb([1, 2, 3])))
    with pytest.raises(wire.ProtocolError):
        wire.decode(three)
    one = msgpack.packb(msgpack.ExtType(wire.EXT["options"], msgpack.packb([None])))
    with pytest.raises(wire.ProtocolError):
        wire.decode(one)


def test_a_session_survives_a_large_answer_and_an_idle_second(software_service: ServiceProcess) -> None:
    """A large answer (read in several parts, with the frame timeout on the socket) and then more than
    the pool's idle check: the connection is checked without waiting and kept, with its sessions."""
    with hukspy.Keystore(software_service.uri) as ks:
        ks.generate_key_item("idle", HuksOptions(properties=AES))
        handle = ks.init_session("idle", HuksOptions(properties=GCM))
        out = ks.update_session(handle, HuksOptions(properties=GCM, in_data=b"x" * (512 * 1024)))
        assert len(out.out_data) >= 256 * 1024  # an answer of several reads
        time.sleep(1.5)
        start = time.monotonic()
        ks.update_session(handle, HuksOptions(properties=GCM, in_data=b"y" * 16))
        assert time.monotonic() - start < 5
        assert len(ks.finish_session(handle, HuksOptions(properties=GCM)).out_data) >= 16


def test_a_session_scope_closes_with_its_keystore(software_service: ServiceProcess) -> None:
    """As in-process: closing a keystore closes its session scopes (their connections and sessions);
    closing a scope leaves the keystore open."""
    parent = hukspy.Keystore(software_service.uri)
    parent.generate_key_item("scoped", HuksOptions(properties=AES))
    first = parent.session_scope()
    first.close()
    assert parent.has_key_item("scoped", NONE) is True
    scope = parent.session_scope()
    scope.init_session("scoped", HuksOptions(properties=GCM))
    assert scope.open_sessions == 1
    parent.close()
    assert code_of(lambda: scope.has_key_item("scoped", NONE)) == 12000012
    assert scope.open_sessions == 0
