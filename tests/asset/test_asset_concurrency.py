"""Many threads and several processes on one store lose no write: the final state is checked exactly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import hukspy
from hukspy import asset
from hukspy.asset import ReturnType, Tag

T = Tag

# Each worker: 100 adds, 60 updates, 40 removes (200 operations) on its own aliases, all in one store.
WORKER = textwrap.dedent(
    """
    import sys
    import hukspy
    from hukspy import asset
    T = asset.Tag
    uri, path, owner, p = sys.argv[1:5]
    with hukspy.Keystore(uri) as ks, asset.AssetStore(None if path == "-" else path, ks, owner) as st:
        for i in range(100):
            st.add({T.SECRET: f"{p}-{i}-v0".encode(), T.ALIAS: f"{p}-{i}".encode(),
                    T.DATA_LABEL_NORMAL_1: p.encode()})
            if i % 5 == 4:
                for j in range(i - 4, i + 1):
                    if j < 60:
                        st.update({T.ALIAS: f"{p}-{j}".encode()}, {T.SECRET: f"{p}-{j}-v1".encode()})
                    else:
                        st.remove({T.ALIAS: f"{p}-{j}".encode()})
    """
)


def expected_final(workers: list[str]) -> dict[bytes, bytes]:
    return {f"{p}-{i}".encode(): f"{p}-{i}-v1".encode() for p in workers for i in range(60)}


def check_final(st: asset.AssetStore, expected: dict[bytes, bytes]) -> None:
    rows = st.query({})
    assert sorted(r[T.ALIAS] for r in rows) == sorted(expected)
    for alias, secret in expected.items():
        assert st.query({T.ALIAS: alias, T.RETURN_TYPE: ReturnType.ALL})[0][T.SECRET] == secret


def test_threads_lose_no_write(store: asset.AssetStore) -> None:
    workers = [f"t{n}" for n in range(8)]
    errors: list[BaseException] = []

    def work(p: str) -> None:
        try:
            for i in range(25):
                store.add({T.SECRET: f"{p}-{i}-v0".encode(), T.ALIAS: f"{p}-{i}".encode()})
            for i in range(15):
                store.update({T.ALIAS: f"{p}-{i}".encode()}, {T.SECRET: f"{p}-{i}-v1".encode()})
            store.batch_remove([{T.ALIAS: f"{p}-{i}".encode()} for i in range(15, 25)])
            assert store.query({T.ALIAS: f"{p}-0".encode(), T.RETURN_TYPE: ReturnType.ALL})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check_final(store, {f"{p}-{i}".encode(): f"{p}-{i}-v1".encode() for p in workers for i in range(15)})


def test_four_processes_lose_no_write(
    asset_path: str | Path, keystore: hukspy.Keystore, owner: str, request: pytest.FixtureRequest
) -> None:
    workers = [f"p{n}" for n in range(4)]
    if keystore.backend_name == "tpm2" and not any(rm in keystore.uri for rm in ("tabrmd", "tpmrm")):
        # Several processes on one TPM need a resource manager (tpm2-abrmd, or the kernel's /dev/tpmrm0):
        # without one, each process's open flushes the others' loaded objects (docs/tpm2.md), so the
        # shared swtpm of this session is not opened by the workers. They go through the keystore
        # service instead (docs/service.md): one `hukspy serve` holds a TPM of its own and the four
        # processes are its clients (test_asset_tabrmd.py runs the same over tpm2-abrmd).
        if asset_path != request.getfixturevalue("tmp_path") / "asset":
            pytest.skip("the service keeps its ASSET databases in SQLite (its own state directory)")
        _four_processes_through_the_service(request, owner, workers)
        return
    path = asset_path
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, keystore.uri, str(path), owner, p],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for p in workers
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    with asset.AssetStore(path, keystore, owner) as st:
        check_final(st, expected_final(workers))
        for p in workers:
            assert len(st.query({T.DATA_LABEL_NORMAL_1: p.encode()})) == 60


def _four_processes_through_the_service(
    request: pytest.FixtureRequest, owner: str, workers: list[str]
) -> None:
    """The four workers as clients of a real ``hukspy serve`` on a fresh swtpm (``?fallback=sealed``)."""
    from hukspy.testing.service import ServiceProcess

    tmp: Path = request.getfixturevalue("tmp_path")
    with request.getfixturevalue("open_backend")("tpm2", tmp / "tpm") as (uri, _):
        service = ServiceProcess(uri + "?fallback=sealed", tmp / "run" / "hukspy.sock", tmp / "state")
        service.start()
        try:
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, service.uri, "-", owner, p],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for p in workers
            ]
            for proc in procs:
                _, err = proc.communicate(timeout=600)
                assert proc.returncode == 0, err.decode()
            with hukspy.Keystore(service.uri) as ks, asset.AssetStore(keystore=ks, owner=owner) as st:
                check_final(st, expected_final(workers))
                for p in workers:
                    assert len(st.query({T.DATA_LABEL_NORMAL_1: p.encode()})) == 60
        finally:
            service.stop()
