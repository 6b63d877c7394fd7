"""Fixtures of the ASSET tests.

``keystore``: a keystore on the project's parametrised ``keystore_uri`` from ``tests/conftest.py`` when
it exists (software, PKCS#11, TPM: the same suite runs over every keystore; a TPM keystore is opened
with ``?fallback=sealed`` because the TPM has no AES-GCM), else the project's ``keystore``, else the URI
in ``$HUKSPY_ASSET_TEST_KEYSTORE``, else a software keystore in a temp dir.
``store``: a fresh :class:`AssetStore` (own directory, unique owner) on that keystore, closed afterwards.

``asset_path`` is where a test's store lives, parametrised over the two databases (``asset_db``):
``tmp_path/asset`` (SQLite) and the URL of a PostgreSQL database (``postgres_url``: a real server from
Debian's package, started once per session in a temp directory on a Unix socket, as the ``postgres``
user when the tests run as root, and stopped at the end). The PostgreSQL variants run on the software
keystore only (the others are deselected) to keep the CI short. A server that cannot start skips them,
or fails them when ``HUKSPY_REQUIRE`` names ``postgresql``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from asset_sql import asset_uri, pg_schema_url

import hukspy
from hukspy import asset


def _parent_provides(fixture: str) -> bool:
    parent = Path(__file__).resolve().parents[1] / "conftest.py"
    return parent.exists() and re.search(rf"def {fixture}\b", parent.read_text()) is not None


if _parent_provides("keystore_uri"):

    @pytest.fixture
    def keystore(keystore_uri: str) -> Iterator[hukspy.Keystore]:
        with hukspy.Keystore(asset_uri(keystore_uri)) as ks:
            yield ks

elif not _parent_provides("keystore"):

    @pytest.fixture(scope="session")
    def keystore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[hukspy.Keystore]:
        uri = os.environ.get("HUKSPY_ASSET_TEST_KEYSTORE") or "software:" + str(
            tmp_path_factory.mktemp("asset-keystore")
        )
        ks = hukspy.Keystore(asset_uri(uri))
        yield ks
        ks.close()


@pytest.fixture
def owner() -> str:
    return f"test.app-{uuid.uuid4().hex[:12]}"


DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "asset_db" in metafunc.fixturenames:
        metafunc.parametrize("asset_db", DATABASES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the PostgreSQL variants on keystores other than the software one."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        backend = params.get("keystore_uri")  # the parameter of keystore_uri is the backend's name
        other_keystore = backend is not None and backend != "software"
        (drop if params.get("asset_db") == "postgresql" and other_keystore else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _pg_unavailable(reason: str) -> None:
    names = {n.strip() for n in os.environ.get("HUKSPY_REQUIRE", "").split(",")}
    if "postgresql" in names or "all" in names:
        pytest.fail(f"HUKSPY_REQUIRE names postgresql, but it cannot run here: {reason}", pytrace=False)
    pytest.skip(f"postgresql unavailable: {reason}")


def _pg_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if os.environ.get("HUKSPY_PG_BINDIR"):
        return os.environ["HUKSPY_PG_BINDIR"]
    return os.path.dirname(found[-1]) if found else (os.path.dirname(shutil.which("initdb") or "") or None)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of an empty database on a PostgreSQL server of this session (see the module docstring)."""
    try:
        import psycopg
    except ImportError as exc:
        _pg_unavailable(f"psycopg is not installed ({exc}): pip install 'hukspy[postgresql]'")
    bindir = _pg_bindir()
    if bindir is None or not os.path.exists(os.path.join(bindir, "pg_ctl")):
        _pg_unavailable("initdb/pg_ctl not found (Debian package postgresql)")
    assert bindir is not None
    run_as: list[str] = []
    root = tempfile.mkdtemp(prefix="hukspy-pg-")
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            _pg_unavailable("running as root and there is no postgres user")
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, log = os.path.join(root, "data"), os.path.join(root, "log")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*run_as, *argv], capture_output=True, text=True, timeout=120, check=False)

    proc = run(
        f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "hukspy", "-E", "UTF8", "--locale=C", "--no-sync"
    )
    if proc.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        _pg_unavailable(f"initdb failed: {proc.stderr.strip()[-500:]}")
    opts = f"-k {root} -c listen_addresses='' -c fsync=off -c max_connections=200"
    proc = run(f"{bindir}/pg_ctl", "-D", data, "-l", log, "-o", opts, "-w", "-t", "60", "start")
    if proc.returncode != 0:
        detail = Path(log).read_text(errors="replace")[-800:] if os.path.exists(log) else proc.stderr
        shutil.rmtree(root, ignore_errors=True)
        _pg_unavailable(f"pg_ctl start failed: {detail}")
    try:
        with psycopg.connect(f"postgresql://hukspy@/postgres?host={root}", autocommit=True) as conn:
            conn.execute("CREATE DATABASE hukspy_asset")
        yield f"postgresql://hukspy@/hukspy_asset?host={root}"
    finally:
        run(f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def asset_path(asset_db: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where a test's store lives: ``tmp_path/asset``, or a fresh schema of the session's PostgreSQL
    database (:func:`pg_schema_url`)."""
    if asset_db == "postgresql":
        return pg_schema_url(request.getfixturevalue("postgres_url"))
    return tmp_path / "asset"


@pytest.fixture
def store(asset_path: str | Path, keystore: hukspy.Keystore, owner: str) -> Iterator[asset.AssetStore]:
    with asset.AssetStore(asset_path, keystore, owner) as st:
        yield st


@pytest.fixture
def pin_set(keystore: hukspy.Keystore) -> Iterator[None]:
    """A PIN enrolled in the test's keystore for the test (REQUIRE_PASSWORD_SET assets need one:
    24000005 otherwise, docs/userauth.md); the keystore's user-auth state is forgotten afterwards."""
    from hukspy.testing.userauth import reset_user_auth

    reset_user_auth(keystore)
    keystore.user_auth.enroll_pin(b"asset-test-pin")
    try:
        yield
    finally:
        reset_user_auth(keystore)
