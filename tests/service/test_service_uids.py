"""Two real uids against one service: the caller is what the kernel says (SO_PEERCRED), each uid has its
own key namespace and ASSET owners, B's attempts change nothing of A's, neither reads the service's
files, and a uid the configuration does not allow gets 201.

Needs root (``useradd --system``, ``subprocess.run(user=...)``). The clients run with a Python that
other uids can execute: a venv made from Debian's ``/usr/bin/python3`` in a world-readable place
(``CLIENT_VENV``, default /opt/hukspy-test-venv) with a copy of this tree's ``hukspy`` package.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import hukspy
from hukspy import HuksOptions
from hukspy.testing.service import ServiceProcess

CLIENT_VENV = Path(os.environ.get("HUKSPY_CLIENT_VENV", "/opt/hukspy-test-venv"))
SYSTEM_PYTHON = "/usr/bin/python3"
USERS = ("hukspytesta", "hukspytestb")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: useradd and clients of other uids")

# One client run: a JSON list of operations in argv[2]; prints one JSON list of results, each
# ["ok", value] or ["err", code].
CLIENT = textwrap.dedent(
    """
    import json, os, sys
    import hukspy
    from hukspy import HuksOptions, HuksParam, HuksTag, asset
    from hukspy.userauth import UserAuthError
    from hukspy.enums import HuksKeyAlg, HuksKeyPurpose as KP, HuksCipherMode, HuksKeyPadding
    AES = [HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
           HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 256),
           HuksParam(HuksTag.HUKS_TAG_PURPOSE, KP.HUKS_KEY_PURPOSE_ENCRYPT | KP.HUKS_KEY_PURPOSE_DECRYPT)]
    def op(purpose, nonce):
        return [AES[0], AES[1], HuksParam(HuksTag.HUKS_TAG_PURPOSE, purpose),
                HuksParam(HuksTag.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC),
                HuksParam(HuksTag.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS7),
                HuksParam(HuksTag.HUKS_TAG_IV, nonce)]
    IV = b"0123456789abcdef"
    def run(ks, name, *a):
        E = HuksOptions()
        if name == "gen": return ks.generate_key_item(a[0], HuksOptions(properties=AES))
        if name == "has": return ks.has_key_item(a[0], E)
        if name == "pin_enroll": return ks.user_auth.enroll_pin(a[0]) and None
        if name == "pin_is_set": return ks.user_auth.is_pin_set()
        if name == "pin_auth": return len(ks.user_auth.authenticate(None, a[0]))
        if name == "ua_encrypt":  # a key that needs the PIN: generate, init (challenge), token, finish
            from hukspy.enums import HuksUserAuthType, HuksAuthAccessType, HuksChallengeType
            ua = [HuksParam(HuksTag.HUKS_TAG_USER_AUTH_TYPE, HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN),
                  HuksParam(HuksTag.HUKS_TAG_KEY_AUTH_ACCESS_TYPE,
                            HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD),
                  HuksParam(HuksTag.HUKS_TAG_CHALLENGE_TYPE, HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL)]
            ks.generate_key_item(a[0], HuksOptions(properties=[*AES, *ua]))
            p = op(KP.HUKS_KEY_PURPOSE_ENCRYPT, IV)
            h = ks.init_session(a[0], HuksOptions(properties=p))
            token = ks.user_auth.authenticate(h.challenge, a[1])
            return len(ks.finish_session(h, HuksOptions(properties=p, in_data=b"x" * 16), token).out_data)
        if name == "ggen":
            g = HuksParam(HuksTag.HUKS_TAG_KEY_ACCESS_GROUP, a[1].encode())
            return ks.generate_key_item(a[0], HuksOptions(properties=[*AES, g]))
        if name == "ghas":
            g = HuksParam(HuksTag.HUKS_TAG_KEY_ACCESS_GROUP, a[1].encode())
            return ks.has_key_item(a[0], HuksOptions(properties=[g]))
        if name == "list": return ks.list_aliases(E).key_aliases
        if name == "delete": return ks.delete_key_item(a[0], E)
        if name == "init":
            return ks.init_session(a[0], HuksOptions(properties=op(KP.HUKS_KEY_PURPOSE_ENCRYPT, IV))) and None
        if name == "encrypt":
            p = op(KP.HUKS_KEY_PURPOSE_ENCRYPT, IV)
            h = ks.init_session(a[0], HuksOptions(properties=p))
            return ks.finish_session(h, HuksOptions(properties=p, in_data=a[1].encode())).out_data.hex()
        if name == "decrypt":
            p = op(KP.HUKS_KEY_PURPOSE_DECRYPT, IV)
            h = ks.init_session(a[0], HuksOptions(properties=p))
            out = ks.finish_session(h, HuksOptions(properties=p, in_data=bytes.fromhex(a[1])))
            return out.out_data.decode()
        if name == "asset_add":
            st = asset.AssetStore(keystore=ks, owner=a[0])
            return st.add({asset.Tag.ALIAS: a[1].encode(), asset.Tag.SECRET: a[2].encode(),
                           asset.Tag.CONFLICT_RESOLUTION: asset.ConflictResolution.OVERWRITE})
        if name == "asset_get":
            st = asset.AssetStore(keystore=ks, owner=a[0])
            rows = st.query({asset.Tag.ALIAS: a[1].encode(), asset.Tag.RETURN_TYPE: asset.ReturnType.ALL})
            return rows[0][asset.Tag.SECRET].decode()
        if name == "asset_remove_all":
            return asset.AssetStore(keystore=ks, owner=a[0]).remove({})
        if name == "read":
            try:
                with open(a[0], "rb") as f:
                    f.read(1)
                return "read"
            except OSError as exc:
                return exc.__class__.__name__
        raise ValueError(name)
    out = []
    try:
        ks = hukspy.Keystore(sys.argv[1])
    except hukspy.HuksError as exc:
        print(json.dumps([["err", exc.code]])); sys.exit(0)
    for name, *a in json.loads(sys.argv[2]):
        try:
            out.append(["ok", run(ks, name, *a)])
        except (hukspy.HuksError, asset.AssetError, UserAuthError) as exc:
            out.append(["err", int(exc.code)])
    print(json.dumps(out))
    """
)


def _copy_package(venv: Path) -> None:
    """This tree's ``hukspy`` package into ``venv/src`` (world-readable), found through a .pth file."""
    src = venv / "src"
    shutil.rmtree(src, ignore_errors=True)
    package = Path(hukspy.__file__).parent
    shutil.copytree(package, src / "hukspy", ignore=shutil.ignore_patterns("__pycache__"))
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "hukspy-test-src.pth").write_text(f"{src}\n")
    # the entry points too (``service:`` is found through them), as an install would write them
    info = site / "hukspy-0+test.dist-info"
    shutil.rmtree(info, ignore_errors=True)
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hukspy\nVersion: 0+test\n")
    entry_points = metadata.distribution("hukspy").read_text("entry_points.txt") or ""
    (info / "entry_points.txt").write_text(entry_points)
    for root, dirs, files in os.walk(venv):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)  # noqa: S103 - other uids must run the client
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)


@pytest.fixture(scope="module")
def client_python() -> str:
    """A python every uid can run, importing this tree's hukspy (ci/install-system.sh installs
    python3-venv, which ``/usr/bin/python3 -m venv`` needs)."""
    if not os.path.exists(SYSTEM_PYTHON):
        pytest.skip(f"{SYSTEM_PYTHON} is not installed")
    python = CLIENT_VENV / "bin" / "python"
    probe = [str(python), "-c", "import cryptography, msgpack"]
    if not python.exists() or subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--clear", str(CLIENT_VENV)], check=True)
        pip = str(CLIENT_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", "cryptography>=41", "msgpack>=1.0"], check=True)
    for parent in [CLIENT_VENV, *CLIENT_VENV.parents]:
        if parent.stat().st_mode & 0o005 != 0o005:
            pytest.fail(f"{parent} is not world-readable and traversable: other uids cannot run the client")
    _copy_package(CLIENT_VENV)
    return str(python)


@pytest.fixture(scope="module")
def users() -> Iterator[dict[str, pwd.struct_passwd]]:
    """Two system users made for this test (removed at the end when the test made them)."""
    made = []
    for name in USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True
            )
            made.append(name)
    yield {name: pwd.getpwnam(name) for name in USERS}
    for name in made:
        subprocess.run(["userdel", name], check=False)


@pytest.fixture
def as_user(client_python: str, users: dict[str, pwd.struct_passwd]) -> Callable[..., list[list[Any]]]:
    def run(user: str, uri: str, *ops: list[Any], groups: tuple[int, ...] = ()) -> list[list[Any]]:
        pw = users[user]
        done = subprocess.run(
            [client_python, "-c", CLIENT, uri, json.dumps(ops)],
            user=pw.pw_uid, group=pw.pw_gid, extra_groups=list(groups),
            env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "HUKSPY_HOME": "/nonexistent"},
            capture_output=True, timeout=120, check=False, cwd="/",
        )
        assert done.returncode == 0, done.stderr.decode()
        result: list[list[Any]] = json.loads(done.stdout)
        return result

    return run


def test_uids_are_isolated(
    as_user: Callable[..., list[list[Any]]], make_service: Callable[..., ServiceProcess],
    users: dict[str, pwd.struct_passwd],
) -> None:
    service = make_service()
    uri = service.uri
    a, b = USERS
    ok = ["ok", None]
    # A makes two keys and a secret; it encrypts a message with the alias B will try to overwrite.
    made = as_user(a, uri, ["gen", "same"], ["gen", "a-only"], ["asset_add", "app", "pw", "A-secret"],
                   ["encrypt", "same", "hello"])
    assert made[:3] == [ok, ok, ok]
    ciphertext = made[3][1]
    # B sees nothing of A's, and its writes land in its own namespace.
    seen = as_user(b, uri, ["list"], ["has", "a-only"], ["has", "same"], ["init", "a-only"],
                   ["delete", "a-only"], ["asset_get", "app", "pw"], ["gen", "same"],
                   ["asset_add", "app", "pw", "B-secret"],
                   ["asset_remove_all", "app"], ["list"], ["delete", "same"], ["list"])
    # (B's list shows B's own ASSET key once B added a secret: ASSET keys live in the owner's keystore.)
    lists = [seen.pop(9)[1], seen.pop(10)[1]]
    assert seen == [
        ["ok", []], ["ok", False], ["ok", False], ["err", 12000011], ["err", 12000011],
        ["err", 24000002], ok, ok, ok, ok,
    ]
    assert "same" in lists[0] and "a-only" not in lists[0]
    assert "same" not in lists[1] and "a-only" not in lists[1]
    # A's keys and secret are as they were: the old key still decrypts what it encrypted.
    after = as_user(a, uri, ["list"], ["decrypt", "same", ciphertext], ["asset_get", "app", "pw"])
    assert {"a-only", "same"} <= set(after[0][1])
    assert after[1:] == [["ok", "hello"], ["ok", "A-secret"]]
    # Neither reads any file of the service's state; root (an administrator) works in the plain
    # namespace, where none of A's keys is.
    files = [str(p) for p in Path(service.home).rglob("*")]
    assert any(p.endswith(".db") or "master" in p for p in files), files
    for user in (a, b):
        reads = as_user(user, uri, *(["read", p] for p in [service.home, *files]))
        assert {r[1] for r in reads} <= {"PermissionError", "IsADirectoryError"}, reads
        assert "read" not in {r[1] for r in reads}
    with hukspy.Keystore(uri) as root:
        assert root.list_aliases(HuksOptions()).key_aliases == []
        assert root.has_key_item("a-only", HuksOptions()) is False


def test_a_uid_the_configuration_does_not_allow_gets_201(
    as_user: Callable[..., list[list[Any]]], make_service: Callable[..., ServiceProcess],
    users: dict[str, pwd.struct_passwd], tmp_path: Path,
) -> None:
    a, b = USERS
    config = tmp_path / "service.toml"
    config.write_text(f"[access]\nuids = [{users[a].pw_uid}]\n")
    config.chmod(0o644)
    service = make_service(config=config)
    assert as_user(a, service.uri, ["list"]) == [["ok", []]]
    assert as_user(b, service.uri, ["list"]) == [["err", 201]]
    assert sys.executable  # the service itself ran with the test's python


@pytest.fixture(scope="module")
def shared_group() -> Iterator[grp.struct_group]:
    """A system group made for this test (removed at the end when the test made it)."""
    name = "hukspytestg"
    made = False
    try:
        grp.getgrnam(name)
    except KeyError:
        subprocess.run(["groupadd", "--system", name], check=True)
        made = True
    yield grp.getgrnam(name)
    if made:
        subprocess.run(["groupdel", name], check=False)


def test_access_group_keys_are_shared_by_the_peers_groups(
    as_user: Callable[..., list[list[Any]]], make_service: Callable[..., ServiceProcess],
    shared_group: grp.struct_group,
) -> None:
    """KEY_ACCESS_GROUP through the service: membership is the peer's groups as the kernel reports them
    (SO_PEERGROUPS), so the same uid reaches the group key with the group and gets 12000018 without."""
    service = make_service()
    a, b = USERS
    gid, name = shared_group.gr_gid, shared_group.gr_name
    assert as_user(a, service.uri, ["ggen", "team", name], groups=(gid,)) == [["ok", None]]
    assert as_user(b, service.uri, ["ghas", "team", name], ["has", "team"], groups=(gid,)) == [
        ["ok", True], ["ok", False]]
    assert as_user(b, service.uri, ["ghas", "team", name]) == [["err", 12000018]]


def test_each_uid_has_its_own_pin_credential(
    as_user: Callable[..., list[list[Any]]], make_service: Callable[..., ServiceProcess]
) -> None:
    """hukspy.userauth through the service: A's PIN is A's; B has none until it enrolls its own, and
    neither PIN authenticates the other uid."""
    service = make_service()
    a, b = USERS
    ok = ["ok", None]
    assert as_user(a, service.uri, ["pin_enroll", "1111"], ["pin_is_set"]) == [ok, ["ok", True]]
    assert as_user(b, service.uri, ["pin_is_set"], ["pin_auth", "1111"], ["pin_enroll", "2222"]) == [
        ["ok", False], ["err", 12500010], ok]
    assert as_user(a, service.uri, ["pin_auth", "2222"], ["pin_auth", "1111"]) == [
        ["err", 12500001], ["ok", 280]]
    with hukspy.Keystore(service.uri) as root:  # the administrator's credential is the keystore's own
        assert root.user_auth.is_pin_set() is False


def test_a_user_auth_key_through_the_service(
    as_user: Callable[..., list[list[Any]]], make_service: Callable[..., ServiceProcess]
) -> None:
    """A key that needs the PIN, used by its uid through the service: the challenge of its session,
    the token of that uid's credential; another uid's PIN makes no token for it."""
    service = make_service()
    a, b = USERS
    assert as_user(a, service.uri, ["pin_enroll", "1111"], ["ua_encrypt", "k", "1111"]) == [
        ["ok", None], ["ok", 32]]
    assert as_user(b, service.uri, ["ua_encrypt", "k", "1111"]) == [["err", 12000013]]  # B has no PIN
