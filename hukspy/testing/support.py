"""Helpers the conformance suite is written with; usable by any backend's own tests.

Nothing here mocks anything: every helper drives a real ``hukspy.Keystore``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final

from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPurpose, HuksTag
from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.params import HuksOptions, HuksParam, ParamValue
from hukspy.testing.cases import PURPOSE_CLASSES, natural_class

if TYPE_CHECKING:
    import pytest

__all__ = [
    "P",
    "alg_name",
    "checked_keystore",
    "ensure_generated",
    "ensure_imported_secret",
    "key_extra_for",
    "key_purpose_for",
    "known_secret",
    "open_keystore",
    "open_session_count",
    "options",
    "param",
    "raises_code",
    "run_session",
    "split_irregular",
    "unique_alias",
]

_ALG = HuksKeyAlg
_TAG = HuksTag

_PREFIX: Final = "hukspy-conformance"


def param(tag: int, value: ParamValue) -> HuksParam:
    """``HuksParam(tag, value)``, short (reads like the ArkTS literal ``{tag, value}``)."""
    return HuksParam(tag, value)


#: The name ``param`` had before; kept because third-party backends' tests import it.
P: Final = param


def options(*params: HuksParam, in_data: bytes | None = None) -> HuksOptions:
    """``HuksOptions(properties=[...], in_data=...)``, short."""
    return HuksOptions(properties=list(params), in_data=in_data)


def alg_name(alg: int) -> str:
    try:
        return HuksKeyAlg(alg).name.removeprefix("HUKS_ALG_")
    except ValueError:
        return str(alg)


def unique_alias(label: str = "key") -> str:
    """A fresh alias no other test uses."""
    return f"{_PREFIX}:{label}:{uuid.uuid4().hex[:12]}"


def open_session_count(ks: Keystore) -> int:
    """How many sessions ``ks`` holds open right now."""
    return ks.open_sessions


@contextlib.contextmanager
def checked_keystore(ks: Keystore) -> Iterator[Keystore]:
    """Yield ``ks``; on a normal exit assert no session was left open, then close it.

    This is the check behind "tests assert nothing is left open" (architecture.md, convention 7).
    """
    try:
        yield ks
        left = open_session_count(ks)
        assert left == 0, f"{left} session(s) left open at the end of the test"
    finally:
        ks.close()


@contextlib.contextmanager
def open_keystore(uri: str, **kwargs: object) -> Iterator[Keystore]:
    """Open ``Keystore(uri, **kwargs)`` for ``checked_keystore``: no session may be left open."""
    with checked_keystore(Keystore(uri, **kwargs)) as ks:  # type: ignore[arg-type]
        yield ks


@contextlib.contextmanager
def raises_code(*codes: int) -> Iterator[pytest.ExceptionInfo[HuksError]]:
    """``pytest.raises(HuksError)`` that also requires ``err.code`` to be one of ``codes`` (needs pytest,
    the ``testing`` extra)."""
    import pytest

    with pytest.raises(HuksError) as info:
        yield info
    assert info.value.code in codes, f"expected HuksError {codes}, got {info.value.code}: {info.value}"


def split_irregular(data: bytes, block: int = 16) -> list[bytes]:
    """Cut ``data`` into uneven pieces (1 byte, a block and a bit, the rest) to exercise buffering.

    When ``len(data)`` is a multiple of ``block`` the last piece is too, so that "the finish input is a
    multiple of the block size" holds whichever way a keystore reads that rule.
    """
    if len(data) < 4 * block:
        return [data[:1], data[1:]] if len(data) > 1 else [data]
    tail = (len(data) // block - 2) * block if len(data) % block == 0 else len(data) - 3
    cuts = [0, 1, block + 3, tail, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def run_session(
    ks: Keystore,
    alias: str,
    params: Sequence[HuksParam],
    pieces: Sequence[bytes],
    *,
    finish: bytes | None = None,
    finish_params: Sequence[HuksParam] = (),
) -> bytes:
    """init → update(piece) for every piece but the last → finish(last piece, or ``finish``).

    With ``finish`` given, every piece goes through ``update`` and ``finish`` carries ``finish`` (a
    verify's signature). Returns every output concatenated. On failure the session is aborted.
    """
    h = ks.init_session(alias, options(*params)).handle
    out = bytearray()
    try:
        body = list(pieces) if finish is not None else list(pieces[:-1])
        last = finish if finish is not None else (pieces[-1] if pieces else b"")
        for piece in body:
            out += ks.update_session(h, options(in_data=piece)).out_data
        out += ks.finish_session(h, options(*finish_params, in_data=last)).out_data
    except BaseException:
        ks.abort_session(h, options())
        raise
    return bytes(out)


def key_purpose_for(alg: int) -> int:
    """A purpose class every key of ``alg`` may be generated with (for tests that need any key)."""
    return dict(PURPOSE_CLASSES)[natural_class(alg)]


def key_extra_for(alg: int, purpose: int) -> tuple[HuksParam, ...]:
    """Params a key of ``alg`` needs at generation beyond ALGORITHM/KEY_SIZE/PURPOSE (MAC keys: DIGEST)."""
    if purpose & HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC:
        sm3 = alg == _ALG.HUKS_ALG_SM3
        digest = HuksKeyDigest.HUKS_DIGEST_SM3 if sm3 else HuksKeyDigest.HUKS_DIGEST_SHA256
        return (param(_TAG.HUKS_TAG_DIGEST, digest),)
    return ()


def _cached_alias(kind: str, alg: int, size: int, purpose: int, extra: Sequence[HuksParam]) -> str:
    ident = ",".join(f"{p.tag}={p.value!r}" for p in extra)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:10]
    return f"{_PREFIX}:{kind}:{alg_name(alg)}-{size}:p{purpose}:{digest}"


def ensure_generated(
    ks: Keystore, alg: int, size: int, purpose: int, extra: Sequence[HuksParam] = ()
) -> str:
    """The alias of a generated key with exactly these params, generating it on first use only.

    The alias is derived from the params, so tests share keys (RSA keys are slow to make).
    """
    alias = _cached_alias("gen", alg, size, purpose, extra)
    if not ks.has_key_item(alias, options()):
        ks.generate_key_item(
            alias,
            options(param(_TAG.HUKS_TAG_ALGORITHM, alg), param(_TAG.HUKS_TAG_KEY_SIZE, size),
                    param(_TAG.HUKS_TAG_PURPOSE, purpose), *extra),
        )
    return alias


def known_secret(alg: int, size: int, label: str = "") -> bytes:
    """Deterministic key bytes for an imported symmetric key (so a cached key keeps known bytes)."""
    return hashlib.shake_256(f"{_PREFIX}:{alg}:{size}:{label}".encode()).digest(size // 8)


def ensure_imported_secret(
    ks: Keystore, alg: int, size: int, purpose: int, extra: Sequence[HuksParam] = ()
) -> tuple[str, bytes]:
    """The alias of an imported symmetric key of known bytes, and those bytes (imported on first use)."""
    alias = _cached_alias("imp", alg, size, purpose, extra)
    secret = known_secret(alg, size, alias)
    if not ks.has_key_item(alias, options()):
        ks.import_key_item(
            alias,
            options(param(_TAG.HUKS_TAG_ALGORITHM, alg), param(_TAG.HUKS_TAG_KEY_SIZE, size),
                    param(_TAG.HUKS_TAG_PURPOSE, purpose), *extra, in_data=secret),
        )
    return alias, secret
