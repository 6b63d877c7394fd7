"""Issue 12's command-line items, each through the real ``python -m hukspy`` in a subprocess with its
own ``HUKSPY_HOME`` (docs: README "Command line")."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests._require import unavailable


def hukspy(
    home: Path, *argv: str, stdin: bytes = b"", keystore: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m hukspy ARGV`` with ``HUKSPY_HOME=home`` (and ``HUKSPY_KEYSTORE`` only if given)."""
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    env["HUKSPY_HOME"] = str(home)
    if keystore is not None:
        env["HUKSPY_KEYSTORE"] = keystore
    return subprocess.run(
        [sys.executable, "-m", "hukspy", *argv], input=stdin, capture_output=True, env=env, timeout=600,
        check=False,
    )


def tree(path: Path) -> set[str]:
    """Every file and directory under ``path``, relative to it (empty when it does not exist)."""
    return {str(p.relative_to(path)) for p in path.rglob("*")} if path.exists() else set()


# ------------------------------------------------------------------------------- item 2: selftest


@pytest.mark.slow
def test_selftest_without_a_keystore_leaves_nothing_in_hukspy_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = hukspy(home, "--json", "selftest")
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["backend"] == "software" and result["failed"] == 0 and result["passed"] > 10
    assert tree(home) == set()


@pytest.mark.slow
def test_selftest_on_a_named_keystore_removes_what_it_created(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = tmp_path / "store"
    uri = f"software:{store}"
    made = hukspy(home, "--keystore", uri, "generate", "mine", "--alg", "aes", "--size", "256",
                  "--purpose", "encrypt,decrypt", "--mode", "gcm", "--padding", "none")
    assert made.returncode == 0, made.stderr.decode()
    before = tree(store)
    assert before and "attest-ca.pem" not in before
    done = hukspy(home, "--json", "selftest", keystore=uri)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["failed"] == 0
    assert tree(store) == before  # the attestation CA files it made are gone
    listed = hukspy(home, "--keystore", uri, "--json", "list")
    assert json.loads(listed.stdout)["aliases"] == ["mine"]
    # a keystore directory the selftest itself brought into being is removed altogether
    fresh = tmp_path / "fresh"
    done = hukspy(home, "--keystore", f"software:{fresh}", "selftest")
    assert done.returncode == 0, done.stderr.decode()
    assert not fresh.exists()
    assert tree(home) == set()


# ------------------------------------------------------------------------------- item 3: --version


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    from hukspy import __version__

    done = hukspy(tmp_path / "home", "--version")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == f"hukspy {__version__}\n"
    assert __version__.count(".") == 2


# ------------------------------------------------------------------------------- item 3: completion


def _hukspy_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH starts with a directory holding a ``hukspy`` that runs this checkout
    (the completion script calls ``hukspy`` by name), with its own ``HUKSPY_HOME``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "hukspy"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m hukspy "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    env["PATH"] = f"{bin_dir}:{env.get('PATH', '/usr/bin:/bin')}"
    env["HUKSPY_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


#: Source the script, then ask its completion function what TAB offers at the end of each line given
#: on stdin (one ``words: ...`` line per request), as bash does: COMP_WORDS, COMP_CWORD, COMP_LINE.
_BASH_DRIVER = r"""
source "$1"
while IFS= read -r line; do
  COMP_LINE="$line"; COMP_POINT=${#line}; COMP_TYPE=9
  read -ra COMP_WORDS <<<"$line"
  [[ "$line" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _python_argcomplete hukspy "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  echo "words: ${COMPREPLY[*]}"
done
"""


def _bash_complete(tmp_path: Path, *lines: str) -> list[set[str]]:
    """What a real bash, with ``hukspy completion bash`` sourced, offers at the end of each line."""
    env = _hukspy_on_path(tmp_path)
    made = subprocess.run(["hukspy", "completion", "bash"], capture_output=True, env=env, check=False)
    assert made.returncode == 0, made.stderr.decode()
    script = tmp_path / "hukspy.bash"
    script.write_bytes(made.stdout)
    done = subprocess.run(
        ["bash", "-c", _BASH_DRIVER, "driver", str(script)], input="\n".join(lines) + "\n", text=True,
        capture_output=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    answers = [line.removeprefix("words: ") for line in done.stdout.splitlines() if line.startswith("words:")]
    assert len(answers) == len(lines), done.stdout + done.stderr
    return [set(a.split()) for a in answers]


def test_bash_completion_offers_commands_options_and_the_keystores_algorithms(tmp_path: Path) -> None:
    from hukspy.cli.completion import declared_algs
    from hukspy.enums import HuksKeyAlg
    from hukspy.keystore import Keystore
    from hukspy.names import enum_name

    with Keystore(f"software:{tmp_path / 'declared'}", home=str(tmp_path / "declared")) as ks:
        generated, imported = declared_algs(ks, "generate"), declared_algs(ks, "import")
    every = {enum_name(HuksKeyAlg, a) for a in HuksKeyAlg}
    assert generated and set(generated) < every  # the keystore does not declare every HUKS algorithm
    gen, alg, imp, nothing, purpose, mode, asset, shells = _bash_complete(
        tmp_path,
        "hukspy gen",
        "hukspy generate k --alg ",
        "hukspy import k f --alg ",
        "hukspy --keystore nosuch: generate k --alg ",
        "hukspy generate k --purpose sign,v",
        "hukspy encrypt k --mode g",
        "hukspy asset q",
        "hukspy completion ",
    )
    assert gen == {"generate"}
    assert alg == set(generated)  # and so what the keystore lacks is not offered
    assert imp == set(imported)
    assert nothing == set()  # a keystore that cannot be opened offers no algorithm
    assert purpose == {"sign,verify"}
    assert mode == {"gcm"}
    assert asset == {"query"}
    assert {"bash", "zsh"} <= shells
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.db"))


def test_zsh_completion_script_parses_and_registers(tmp_path: Path) -> None:
    zsh = shutil.which("zsh")
    if zsh is None:
        unavailable("zsh", "no zsh on PATH (ci/install-system.sh installs it)")
    env = _hukspy_on_path(tmp_path)
    made = subprocess.run(["hukspy", "completion", "zsh"], capture_output=True, env=env, check=False)
    assert made.returncode == 0, made.stderr.decode()
    assert made.stdout.startswith(b"#compdef hukspy\n")
    script = tmp_path / "_hukspy"
    script.write_bytes(made.stdout)
    parsed = subprocess.run([zsh, "-n", str(script)], capture_output=True, check=False)
    assert parsed.returncode == 0, parsed.stderr.decode()
    registered = subprocess.run(
        [zsh, "-f", "-c",
         f'autoload -U compinit; compinit -u -D; source "{script}"; print -r -- "$_comps[hukspy]"'],
        capture_output=True, text=True, env=env, check=False,
    )
    assert registered.stdout.strip() == "_python_argcomplete", registered.stderr
    # what the zsh function asks hukspy for, asked the same way (zsh's answers are WORD:HELP)
    asked = subprocess.run(
        [zsh, "-f", "-c", 'COMP_LINE="hukspy gen" COMP_POINT=10 _ARGCOMPLETE=1 _ARGCOMPLETE_SHELL=zsh '
         '_ARGCOMPLETE_SUPPRESS_SPACE=1 hukspy 8>&1 9>&2 1>/dev/null 2>&1 </dev/null'],
        capture_output=True, text=True, env=env, check=False,
    )
    assert [w.split(":")[0] for w in asked.stdout.split("\x0b")] == ["generate"], asked.stdout


# ------------------------------------------------------------------------------- item 4: output


def test_json_before_or_after_the_subcommand(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for argv in (["--json", "list"], ["list", "--json"]):
        done = hukspy(home, *argv)
        assert done.returncode == 0, done.stderr.decode()
        assert json.loads(done.stdout)["aliases"] == []
    done = hukspy(home, "info", "nope", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == 12000011


def test_asset_errors_follow_the_one_convention(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = hukspy(home, "asset", "query", "--alias", "nope")
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().startswith("error 24000002: "), done.stderr.decode()
    for argv in (["--json", "asset", "query", "--alias", "nope"], ["asset", "query", "nope", "--json"]):
        done = hukspy(home, *argv)
        assert done.returncode == 1
        error = json.loads(done.stdout)["error"]
        assert error["code"] == 24000002 and error["message"], argv


def test_usage_errors_with_json_are_one_json_document(tmp_path: Path) -> None:
    done = hukspy(tmp_path / "home", "--json", "info")  # the alias is missing
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["code"] == 401 and "alias" in error["message"]
    done = hukspy(tmp_path / "home", "info")
    assert done.returncode == 2 and done.stdout == b"" and b"alias" in done.stderr


def test_asset_aliases_are_positional(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = hukspy(home, "asset", "add", "db", stdin=b"pa55word\n")
    assert added.returncode == 0, added.stderr.decode()
    for argv in (["asset", "query", "db", "--json"], ["asset", "query", "--alias", "db", "--json"]):
        done = hukspy(home, *argv)
        assert done.returncode == 0, done.stderr.decode()
        (row,) = json.loads(done.stdout)
        assert row["alias"] == "db"
    clash = hukspy(home, "asset", "query", "db", "--alias", "other")
    assert clash.returncode == 2 and b"alias" in clash.stderr
    removed = hukspy(home, "asset", "remove", "db")
    assert removed.returncode == 0, removed.stderr.decode()
    assert hukspy(home, "asset", "query", "db").returncode == 1


# ------------------------------------------------------------------------------- item 7: no silent overwrite

_AES = ("--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt", "--mode", "gcm", "--padding", "none")


def test_generate_and_import_refuse_an_existing_alias_unless_forced(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert hukspy(home, "generate", "k", *_AES).returncode == 0
    sealed = hukspy(home, "encrypt", "k", stdin=b"precious")
    assert sealed.returncode == 0, sealed.stderr.decode()
    again = hukspy(home, "generate", "k", *_AES)
    assert again.returncode == 1
    assert again.stderr.decode().startswith("error 12000017: "), again.stderr.decode()
    key_file = tmp_path / "k.bin"
    key_file.write_bytes(bytes(32))
    imported = hukspy(home, "import", "k", str(key_file), *_AES)
    assert imported.returncode == 1 and imported.stderr.decode().startswith("error 12000017: ")
    opened = hukspy(home, "decrypt", "k", stdin=sealed.stdout)  # the first key is still there
    assert opened.returncode == 0 and opened.stdout == b"precious", opened.stderr.decode()
    assert hukspy(home, "import", "k", str(key_file), *_AES, "--force").returncode == 0
    assert hukspy(home, "decrypt", "k", stdin=sealed.stdout).returncode == 1
    assert hukspy(home, "generate", "k", *_AES, "--force").returncode == 0


# ------------------------------------------------------------------------------- item 8: query --secret


def test_asset_query_secret_prints_only_the_secret(tmp_path: Path) -> None:
    home = tmp_path / "home"
    secret = b"\xffpa55 word"
    path = tmp_path / "secret.bin"
    path.write_bytes(secret)
    added = hukspy(home, "asset", "add", "db", "--secret-file", str(path), "--label", "normal1=prod")
    assert added.returncode == 0, added.stderr.decode()
    for argv in (["asset", "query", "db", "--secret"], ["asset", "query", "--alias", "db", "--secret"]):
        done = hukspy(home, *argv)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout == secret
    (row,) = json.loads(hukspy(home, "asset", "query", "db", "--secret", "--json").stdout)
    assert row["secret"] == {"base64": "/3BhNTUgd29yZA=="} and row["alias"] == "db"


# ------------------------------------------------------------------------------- item 5: --format


def test_sign_verify_mac_formats_never_depend_on_the_terminal(tmp_path: Path) -> None:
    import base64

    home = tmp_path / "home"
    msg = tmp_path / "msg"
    msg.write_bytes(b"a document")
    ecc = ("--alg", "ecc", "--size", "256", "--purpose", "sign,verify", "--digest", "sha256")
    assert hukspy(home, "generate", "s", *ecc).returncode == 0
    raw = hukspy(home, "sign", "s", "-i", str(msg))
    assert raw.returncode == 0 and raw.stdout[0] == 0x30  # a DER ECDSA signature, not hex text
    for fmt, decode in (("hex", bytes.fromhex), ("base64", base64.b64decode)):
        done = hukspy(home, "sign", "s", "-i", str(msg), "--format", fmt)
        assert done.returncode == 0, done.stderr.decode()
        assert decode(done.stdout.decode())[0] == 0x30
        sig = tmp_path / f"sig.{fmt}"
        sig.write_bytes(done.stdout)
        ok = hukspy(home, "verify", "s", "-i", str(msg), "--signature", str(sig), "--format", fmt)
        assert ok.returncode == 0, ok.stderr.decode()
    # `sign | xxd -p > sig.hex`: hex split over lines
    hex_lines = raw.stdout.hex()
    xxd = tmp_path / "xxd.hex"
    xxd.write_text("\n".join(hex_lines[i : i + 60] for i in range(0, len(hex_lines), 60)) + "\n")
    ok = hukspy(home, "verify", "s", "-i", str(msg), "--signature", str(xxd), "--format", "hex")
    assert ok.returncode == 0, ok.stderr.decode()
    bad = hukspy(home, "verify", "s", "-i", str(msg), "--signature", str(xxd))  # read as raw
    assert bad.returncode == 1 and bad.stderr.decode().startswith("error 12000006: ")
    mac = ("--alg", "hmac", "--size", "256", "--purpose", "mac", "--digest", "sha256")
    assert hukspy(home, "generate", "m", *mac).returncode == 0
    raw_mac = hukspy(home, "mac", "m", "-i", str(msg)).stdout
    assert len(raw_mac) == 32
    hex_mac = hukspy(home, "mac", "m", "-i", str(msg), "--format", "hex").stdout
    assert hex_mac == raw_mac.hex().encode() + b"\n"


def test_export_formats_and_a_pem_path_holds_pem(tmp_path: Path) -> None:
    import base64

    from cryptography.hazmat.primitives import serialization

    home = tmp_path / "home"
    ecc = ("--alg", "ecc", "--size", "256", "--purpose", "sign,verify")
    assert hukspy(home, "generate", "s", *ecc).returncode == 0
    assert hukspy(home, "export", "s", "-o", str(tmp_path / "s.pem")).returncode == 0
    pem = (tmp_path / "s.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert hukspy(home, "export", "s").stdout == pem  # the default is PEM on a pipe too
    der = hukspy(home, "export", "s", "--format", "der").stdout
    assert serialization.load_pem_public_key(pem) == serialization.load_der_public_key(der)
    assert hukspy(home, "export", "s", "--format", "raw").stdout == der
    assert hukspy(home, "export", "s", "--format", "hex").stdout == der.hex().encode() + b"\n"
    assert base64.b64decode(hukspy(home, "export", "s", "--format", "base64").stdout) == der
    clash = hukspy(home, "export", "s", "--format", "der", "-o", str(tmp_path / "x.pem"))
    assert clash.returncode == 2 and not (tmp_path / "x.pem").exists()


# ------------------------------------------------------------------------------- item 6: one AES-GCM layout


def _api_gcm(home: Path, purpose: int, data: bytes, *extra: object) -> bytes:
    """One AES-GCM session of the Python API on key ``k`` of the software keystore in ``home``."""
    from hukspy import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksOptions, HuksParam, HuksTag, Keystore

    params = [
        HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
        HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 256),
        HuksParam(HuksTag.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
        HuksParam(HuksTag.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
        HuksParam(HuksTag.HUKS_TAG_PURPOSE, purpose),
        *extra,
    ]
    with Keystore("software:", home=str(home)) as ks:
        handle = ks.init_session("k", HuksOptions(params))
        return bytes(ks.finish_session(handle, HuksOptions(in_data=data)).out_data)


def test_gcm_files_cross_between_the_cli_and_the_api(tmp_path: Path) -> None:
    from hukspy import HuksParam, HuksTag

    home = tmp_path / "home"
    assert hukspy(home, "generate", "k", *_AES).returncode == 0
    plain = b"the user's data " * 100
    # the CLI's file decrypts with the API: ciphertext ‖ tag(16) ‖ nonce(12)
    sealed = hukspy(home, "encrypt", "k", stdin=plain)
    assert sealed.returncode == 0, sealed.stderr.decode()
    ct, tag, nonce = sealed.stdout[:-28], sealed.stdout[-28:-12], sealed.stdout[-12:]
    nonce_param, tag_param = HuksParam(HuksTag.HUKS_TAG_NONCE, nonce), HuksParam(HuksTag.HUKS_TAG_AE_TAG, tag)
    assert _api_gcm(home, 2, ct, nonce_param, tag_param) == plain
    # the API's output decrypts with the CLI
    api_sealed = _api_gcm(home, 1, plain)
    (tmp_path / "api.enc").write_bytes(api_sealed)
    opened = hukspy(home, "decrypt", "k", "-i", str(tmp_path / "api.enc"))
    assert opened.returncode == 0 and opened.stdout == plain, opened.stderr.decode()
    # a file in the old CLI layout (nonce ‖ ciphertext ‖ tag) is read with --nonce-first
    old = api_sealed[-12:] + api_sealed[:-12]
    (tmp_path / "old.enc").write_bytes(old)
    opened = hukspy(home, "decrypt", "k", "-i", str(tmp_path / "old.enc"), "--nonce-first")
    assert opened.returncode == 0 and opened.stdout == plain, opened.stderr.decode()
    wrong = hukspy(home, "decrypt", "k", "-i", str(tmp_path / "old.enc"))
    assert wrong.returncode == 1 and wrong.stderr.decode().startswith("error 12000006: ")


# ------------------------------------------------------------------------------- item 9: no PIN shown


def test_backends_never_shows_the_pin_of_the_default_keystore(tmp_path: Path) -> None:
    uri = "pkcs11:token=t?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=918273"
    for argv in (["--json", "backends"], ["backends"]):
        done = hukspy(tmp_path / "home", *argv, keystore=uri)
        assert done.returncode == 0, done.stderr.decode()
        assert b"918273" not in done.stdout + done.stderr
    shown = json.loads(hukspy(tmp_path / "home", "--json", "backends", keystore=uri).stdout)["default"]
    assert shown == "pkcs11:token=t?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=<redacted>"


@pytest.mark.slow
def test_selftest_on_a_pkcs11_keystore_never_shows_its_pin(
    open_backend: Callable[..., Any], tmp_path: Path
) -> None:
    with open_backend("pkcs11", tmp_path / "token") as (uri, _):
        pin = re.search(r"pin-value=([^&;?]+)", uri)
        assert pin is not None, uri  # the test token's URI carries its PIN
        text = hukspy(tmp_path / "home", "--keystore", uri, "selftest")
        assert text.returncode == 0, text.stderr.decode()
        first = text.stdout.decode().splitlines()[0]
        assert first.startswith("keystore pkcs11:") and "pin-value=<redacted>" in first, first
        assert pin[0].encode() not in text.stdout + text.stderr
        as_json = hukspy(tmp_path / "home", "--json", "selftest", keystore=uri)
        assert as_json.returncode == 0, as_json.stderr.decode()
        assert "pin-value=<redacted>" in json.loads(as_json.stdout)["keystore"]
        assert pin[0].encode() not in as_json.stdout + as_json.stderr


# ------------------------------------------------------------------------------- item 10: messages


def test_a_missing_key_says_which_level_was_searched_and_where_it_is(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert hukspy(home, "generate", "k", *_AES, "--level", "de").returncode == 0
    done = hukspy(home, "info", "k")
    assert done.returncode == 1
    message = done.stderr.decode()
    assert message.startswith("error 12000011: ")
    assert 'no key "k" at storage level ce; level de holds it: add --level de' in message, message
    error = json.loads(hukspy(home, "--json", "sign", "k").stdout)["error"]
    assert error["code"] == 12000011 and "level de holds it" in error["message"]
    # import-wrapped: the key it looks for is the wrapping key, not the new alias
    (tmp_path / "wrapped").write_bytes(b"\x00" * 64)
    wrapped_file = str(tmp_path / "wrapped")
    wrapped = hukspy(home, "import-wrapped", "new", "k", wrapped_file, "--suite", "x25519", *_AES)
    assert 'no key "k" at storage level ce; level de holds it' in wrapped.stderr.decode(), wrapped.stderr
    gone = hukspy(home, "delete", "nope", "--level", "ece").stderr.decode()
    assert 'no key "nope" at storage level ece, nor at any other level' in gone, gone
    assert hukspy(home, "info", "k", "--level", "de").returncode == 0
    empty = hukspy(home, "list")
    assert empty.returncode == 0 and empty.stdout == b""
    assert "no keys at storage level ce; level de has 1: add --level de" in empty.stderr.decode()
    assert json.loads(hukspy(home, "--json", "list").stdout)["elsewhere"] == {"de": 1}


def test_an_algorithm_the_keystore_lacks_is_refused_with_the_ones_it_offers(tmp_path: Path) -> None:
    from hukspy.cli.completion import declared_algs
    from hukspy.keystore import Keystore

    home = tmp_path / "home"
    with Keystore("software:", home=str(tmp_path / "declared")) as ks:
        offered = declared_algs(ks, "generate")
    done = hukspy(home, "generate", "k", "--alg", "ml_dsa", "--size", "44", "--purpose", "sign,verify")
    if "ml_dsa" in offered:  # a software keystore that has ML-DSA generates it
        assert done.returncode == 0, done.stderr.decode()
        return
    assert done.returncode == 1
    message = done.stderr.decode()
    assert message.startswith("error 12000001: ")
    assert f"the software keystore offers --alg {', '.join(offered)}" in message, message


# ------------------------------------------------------------------------------- item 11: progress


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` with stderr on a pseudo-terminal (a real one, size unset); its status and what it
    drew there."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                              env=env, timeout=300, check=False)
    finally:
        os.close(follower)
    drawn = b""
    try:
        while piece := os.read(leader, 65536):
            drawn += piece
    except OSError:  # EIO: the terminal's other side is closed and everything is read
        pass
    finally:
        os.close(leader)
    return done.returncode, drawn.decode("utf-8", "replace")


def test_progress_bar_with_eta_on_a_terminal_only_and_off_with_quiet(tmp_path: Path) -> None:
    from hukspy.cli.streams import PROGRESS_MIN

    home = tmp_path / "home"
    assert hukspy(home, "generate", "k", *_AES).returncode == 0
    big = tmp_path / "big"
    big.write_bytes(os.urandom(PROGRESS_MIN + 1024 * 1024))
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    env["HUKSPY_HOME"] = str(home)
    encrypt = [sys.executable, "-m", "hukspy", "encrypt", "k", "-i", str(big), "-o", str(tmp_path / "c")]
    status, drawn = _on_a_terminal(encrypt, env)
    assert status == 0, drawn
    # tqdm's bar: the label, 100 %, bytes done of the total, elapsed<remaining (the ETA), the rate
    bar = r"encrypt: 100%\|.*\| 9\.00M/9\.00M \[\d\d:\d\d<\d\d:\d\d, +[\d.]+[kMG]?B/s\]"
    assert re.search(bar, drawn), drawn
    for quiet in (["--quiet", *encrypt[3:]], [*encrypt[3:], "-q"]):
        status, drawn = _on_a_terminal([*encrypt[:3], *quiet], env)
        assert status == 0 and drawn == "", drawn
    piped = subprocess.run(encrypt, capture_output=True, env=env, check=False)  # stderr is no terminal
    assert piped.returncode == 0 and piped.stderr == b""


# ------------------------------------------------------------------------------- item 12: list -l, backends


def test_list_long_shows_each_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert hukspy(home, "generate", "k", *_AES).returncode == 0
    ecc = ("--alg", "ecc", "--size", "256", "--purpose", "sign,verify", "--level", "de")
    assert hukspy(home, "generate", "s", *ecc).returncode == 0
    done = hukspy(home, "list", "-l")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert lines[0].split() == ["alias", "algorithm", "size", "purposes", "level", "storage"]
    assert lines[2].split()[:5] == ["k", "aes", "256", "encrypt|decrypt", "ce"]
    (row,) = json.loads(hukspy(home, "--json", "list", "-l", "--level", "de").stdout)["keys"]
    assert row["alias"] == "s" and row["algorithm"] == "ecc" and row["size"] == 256
    assert row["purposes"] == ["sign", "verify"] and row["level"] == "de" and row["storage"]


@pytest.mark.skipif(
    any(os.path.exists(d) for d in ("/dev/tpmrm0", "/dev/tpm0")), reason="this machine has a TPM device"
)
def test_backends_says_what_is_missing_for_tpm2(tmp_path: Path) -> None:
    done = hukspy(tmp_path / "home", "--json", "backends")
    rows = {r["name"]: r for r in json.loads(done.stdout)["backends"]}
    assert rows["tpm2"]["available"] is False and "/dev/tpm" in rows["tpm2"]["reason"]
    text = hukspy(tmp_path / "home", "backends").stdout.decode()
    (line,) = [x for x in text.splitlines() if x.startswith("tpm2")]
    assert line.split()[1] == "no" and "/dev/tpm" in line
