"""The ``hukspy`` command line (python-api.md §7): ``hukspy [--keystore URI] [--json] COMMAND ...``.

Every command goes through the public ``Keystore`` API with ``HuksOptions``/``HuksParam``; nothing here
decides a HUKS rule. Names on the command line are the enum member names without their common prefix,
in lower case (``aes`` = ``HUKS_ALG_AES``, ``gcm`` = ``HUKS_MODE_GCM``, ``pkcs1_v1_5`` or ``pkcs1`` =
``HUKS_PADDING_PKCS1_V1_5``); see ``enum_names``. Plain numbers are accepted too.

Exit status: 0 on success, 1 on a ``HuksError`` (printed as ``error <code>: <message>`` on stderr, and
as ``{"error": {"code": ..., "message": ...}}`` on stdout with ``--json``), 2 on a usage error.
Failures to open or write the files named on the command line are reported as 12000004 (file error).

File format of ``encrypt``/``decrypt`` (``--raw`` turns the framing off):

    CBC, CTR, OFB, CFB:  iv ‖ ciphertext                 (iv: 16 bytes; 8 for DES/3DES)
    GCM, CCM:            nonce(12) ‖ ciphertext ‖ tag(16)
    ECB, RSA:            ciphertext

``encrypt`` draws a random IV or nonce unless ``--iv``/``--nonce`` gives one; ``decrypt`` reads them from
the head of its input. With ``--raw`` the input and output are exactly what HUKS consumes and produces:
the IV or nonce must then be given on both sides (GCM without ``--nonce``: HUKS draws the nonce and the
output is ``ciphertext ‖ tag ‖ nonce``, which ``decrypt --raw`` without ``--nonce`` reads back). HUKS takes
the GCM/CCM tag at ``init_session``, so ``decrypt`` reads it from the end of the input first: a file is
seeked, a pipe is first spooled to an anonymous temporary file (never into memory). Streaming decrypt
produces plaintext before the tag is checked: with ``-o FILE`` the output is written to a temporary file
that replaces FILE only on success; on stdout, a failed tag check (exit 1, error 12000006) means the
bytes already written must be discarded.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import secrets
import stat
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Final, NoReturn, TypeAlias

from hukspy import policy
from hukspy.backend import installed_backends
from hukspy.enums import (
    SENSITIVE_TAGS,
    HuksAuthAccessType,
    HuksAuthStorageLevel,
    HuksChallengePosition,
    HuksChallengeType,
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyGenerateType,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksKeyWrapType,
    HuksRsaPssSaltLenType,
    HuksSecureSignType,
    HuksTag,
    HuksTagType,
    HuksUnwrapSuite,
    HuksUserAuthMode,
    HuksUserAuthType,
    tag_type,
)
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam, HuksSessionHandle, ParamValue

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = [
    "AE_MODES",
    "BLOCK_BYTES",
    "CHUNK_SIZE",
    "IV_MODES",
    "enum_name",
    "enum_names",
    "main",
    "parse_enum",
    "purpose_bit",
    "run_session",
]

JSON: TypeAlias = "bool | int | float | str | list[JSON] | dict[str, JSON] | None"

#: Streaming commands feed ``update_session`` with chunks of this size (upstream's MAX_UPDATE_SIZE).
CHUNK_SIZE: Final = 64 * 1024
#: A progress bar is drawn (on a terminal stderr) for inputs larger than this.
PROGRESS_MIN: Final = 8 * 1024 * 1024
#: The framing of ``encrypt``/``decrypt`` (module docstring).
NONCE_LEN: Final = 12
TAG_LEN: Final = 16

_T = HuksTag
_MODE = HuksCipherMode
#: Modes that take an IV of one block, modes with a nonce and a tag, and the block (IV) size of each
#: block cipher: the tables of ``hukspy.policy``.
IV_MODES: Final = policy.IV_MODES
AE_MODES: Final = policy.AE_MODES
BLOCK_BYTES: Final = policy.BLOCK_BYTES


# ------------------------------------------------------------------------------------------------
# names: the one mapping between command-line words and enum values


def _words(enum_cls: type[IntEnum]) -> dict[str, list[str]]:
    split = {n: n.lower().split("_") for n in enum_cls.__members__}
    first = next(iter(split.values()))
    k = 0  # the number of leading words every name shares (each name keeps at least one)
    while len(split) > 1 and all(len(w) > k + 1 and w[k] == first[k] for w in split.values()):
        k += 1
    return {n: w[k:] for n, w in split.items()}


@functools.cache
def enum_names(enum_cls: type[IntEnum]) -> Mapping[str, int]:
    """The command-line names of ``enum_cls``'s members: the member name without the prefix every
    member shares, in lower case (``HUKS_ALG_AES`` → ``aes``, ``HUKS_PADDING_PKCS1_V1_5`` →
    ``pkcs1_v1_5``). Where one word is in every name it may also be left out
    (``HUKS_KEY_TYPE_KEY_PAIR`` → ``key_pair`` and ``pair``). Every alias of a value is listed."""
    words = _words(enum_cls)
    common = set.intersection(*(set(w) for w in words.values())) if len(words) > 1 else set()
    table: dict[str, int] = {}
    for name, parts in words.items():
        value = int(enum_cls.__members__[name])
        table.setdefault("_".join(parts), value)
        short = "_".join(p for p in parts if p not in common)
        if short:
            table.setdefault(short, value)
    return MappingProxyType(table)


@functools.cache
def _display_names(enum_cls: type[IntEnum]) -> Mapping[int, str]:
    words = _words(enum_cls)
    common = set.intersection(*(set(w) for w in words.values())) if len(words) > 1 else set()
    out: dict[int, str] = {}
    for name, parts in words.items():
        short = "_".join(p for p in parts if p not in common) or "_".join(parts)
        out.setdefault(int(enum_cls.__members__[name]), short)
    return MappingProxyType(out)


def enum_name(enum_cls: type[IntEnum], value: int) -> str:
    """The command-line name of ``value`` (the shortest form of ``enum_names``), or the number."""
    return _display_names(enum_cls).get(int(value), str(int(value)))


def flag_names(enum_cls: type[IntEnum], value: int) -> list[str]:
    """The names of the bits set in a bitmask ``value`` of a flag-valued enum (``HuksKeyPurpose``)."""
    out = [enum_name(enum_cls, v) for v in sorted(_display_names(enum_cls)) if v and value & v == v]
    rest = value & ~sum(v for v in _display_names(enum_cls) if value & v == v)
    return [*out, str(rest)] if rest else out


def parse_enum(enum_cls: type[IntEnum], text: str, *, flags: bool = False) -> int:
    """The value of the command-line word ``text`` (a name of ``enum_names``, an unambiguous prefix of
    one, or a number). With ``flags``, a list joined by ``,`` or ``|`` gives the OR of its values.
    Raises ``ValueError`` with the valid choices."""
    if flags:
        parts = [p for p in text.replace("|", ",").split(",") if p.strip()]
        if not parts:
            raise ValueError(f"an empty {_label(enum_cls)} list")
        value = 0
        for part in parts:
            value |= parse_enum(enum_cls, part)
        return value
    word = text.strip().lower().replace("-", "_")
    table = enum_names(enum_cls)
    if word in table:
        return table[word]
    hits = {v for k, v in table.items() if k.startswith(word)} if word else set()
    if len(hits) == 1:
        return hits.pop()
    with contextlib.suppress(ValueError):
        return int(word, 0)
    choices = ", ".join(sorted(set(_display_names(enum_cls).values())))
    what = "ambiguous" if hits else "unknown"
    raise ValueError(f"{what} {_label(enum_cls)} {text!r} (choose from: {choices})")


def _label(enum_cls: type[IntEnum]) -> str:
    return enum_cls.__name__.removeprefix("Huks")


class _EnumArg:
    """An argparse ``type`` for an enum word (``parse_enum``)."""

    def __init__(self, enum_cls: type[IntEnum], *, flags: bool = False) -> None:
        self.enum_cls = enum_cls
        self.flags = flags
        self.__name__ = _label(enum_cls)

    def __call__(self, text: str) -> int:
        try:
            return parse_enum(self.enum_cls, text, flags=self.flags)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None


#: The enum that names the values of a tag, and whether the value is a bitmask of it (for ``info`` and
#: ``--param``); tags not listed hold plain numbers.
TAG_ENUMS: Final[Mapping[int, tuple[type[IntEnum], bool]]] = MappingProxyType(
    {
        _T.HUKS_TAG_ALGORITHM: (HuksKeyAlg, False),
        _T.HUKS_TAG_PURPOSE: (HuksKeyPurpose, True),
        _T.HUKS_TAG_KEY_AUTH_PURPOSE: (HuksKeyPurpose, True),
        _T.HUKS_TAG_DIGEST: (HuksKeyDigest, False),
        _T.HUKS_TAG_PADDING: (HuksKeyPadding, False),
        _T.HUKS_TAG_BLOCK_MODE: (HuksCipherMode, False),
        _T.HUKS_TAG_KEY_GENERATE_TYPE: (HuksKeyGenerateType, False),
        _T.HUKS_TAG_AGREE_ALG: (HuksKeyAlg, False),
        _T.HUKS_TAG_DERIVE_ALG: (HuksKeyAlg, False),
        _T.HUKS_TAG_IMPORT_KEY_TYPE: (HuksImportKeyType, False),
        _T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE: (HuksUnwrapSuite, False),
        _T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG: (HuksKeyStorageType, False),
        _T.HUKS_TAG_KEY_STORAGE_FLAG: (HuksKeyStorageType, False),
        _T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE: (HuksRsaPssSaltLenType, False),
        _T.HUKS_TAG_USER_AUTH_TYPE: (HuksUserAuthType, True),
        _T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE: (HuksAuthAccessType, False),
        _T.HUKS_TAG_KEY_SECURE_SIGN_TYPE: (HuksSecureSignType, False),
        _T.HUKS_TAG_CHALLENGE_TYPE: (HuksChallengeType, False),
        _T.HUKS_TAG_CHALLENGE_POS: (HuksChallengePosition, False),
        _T.HUKS_TAG_AUTH_STORAGE_LEVEL: (HuksAuthStorageLevel, False),
        _T.HUKS_TAG_USER_AUTH_MODE: (HuksUserAuthMode, False),
        _T.HUKS_TAG_KEY_FLAG: (HuksKeyFlag, False),
        _T.HUKS_TAG_KEY_WRAP_TYPE: (HuksKeyWrapType, False),
    }
)


def format_value(tag: int, value: ParamValue) -> JSON:
    """A param value for display: enum names for enum-valued tags, hex for bytes (redacted for
    sensitive tags), the plain int or bool otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes redacted>" if tag in SENSITIVE_TAGS else value.hex()
    known = TAG_ENUMS.get(tag)
    if known is None:
        return value
    enum_cls, is_flags = known
    if is_flags:
        return list[JSON](flag_names(enum_cls, value))
    return enum_name(enum_cls, value)


def parse_param(text: str) -> HuksParam:
    """``TAG=VALUE`` (``--param``): TAG a ``HuksTag`` name (``key_override``) or number; VALUE by the
    tag's type: true/false, hex bytes, or a number or enum name. Raises ``argparse.ArgumentTypeError``."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected TAG=VALUE, not {text!r}")
    try:
        tag = parse_enum(HuksTag, name)
        kind = tag_type(tag)
        value: ParamValue
        if kind == HuksTagType.HUKS_TAG_TYPE_BOOL:
            words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
            if raw.lower() not in words:
                raise ValueError(f"a boolean (true/false), not {raw!r}")
            value = words[raw.lower()]
        elif kind == HuksTagType.HUKS_TAG_TYPE_BYTES:
            value = bytes.fromhex(raw)
        elif tag in TAG_ENUMS:
            enum_cls, is_flags = TAG_ENUMS[tag]
            value = parse_enum(enum_cls, raw, flags=is_flags)
        else:
            value = int(raw, 0)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--param {text!r}: {exc}") from None
    return HuksParam(tag, value)


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not hex: {text!r}") from None


def purpose_bit(kind_name: str) -> int:
    """The HuksKeyPurpose bit of a session kind (``"encrypt"`` → ``HUKS_KEY_PURPOSE_ENCRYPT``)."""
    return enum_names(HuksKeyPurpose)[kind_name]


# ------------------------------------------------------------------------------------------------
# streaming


class Progress:
    """A progress bar on a terminal stderr for a known, large total; otherwise it draws nothing."""

    def __init__(self, total: int | None, label: str, stream: IO[str] | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = bool(total and total > PROGRESS_MIN and self.stream.isatty())
        self.total = total or 0
        self.label = label
        self.done = 0
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        frac = min(1.0, self.done / self.total)
        width = 30
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        rate = self.done / max(now - self.start, 1e-6) / 1e6
        mib = 1024 * 1024
        amount = f"{self.done / mib:.1f}/{self.total / mib:.1f} MiB"
        self.stream.write(f"\r{self.label} [{bar}] {frac:4.0%} {amount} {rate:.0f} MB/s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def chunks(src: IO[bytes], limit: int | None = None, progress: Progress | None = None) -> Iterator[bytes]:
    """Read ``src`` in ``CHUNK_SIZE`` pieces, at most ``limit`` bytes in all (None: to the end)."""
    left = limit
    while left is None or left > 0:
        data = src.read(CHUNK_SIZE if left is None else min(CHUNK_SIZE, left))
        if not data:
            if left:
                raise HuksError(12000004, "reading the input: it ended early")
            return
        if left is not None:
            left -= len(data)
        if progress is not None:
            progress.update(len(data))
        yield data


def run_session(
    ks: Keystore,
    alias: str,
    params: Sequence[HuksParam],
    data: Iterator[bytes],
    sink: Callable[[bytes], object] | None = None,
    final: bytes = b"",
) -> bytes:
    """One ``init_session`` → ``update_session`` per piece of ``data`` → ``finish_session(final)``.

    Each update's output goes to ``sink``; the finish output is returned. The session is aborted when
    anything fails (an error in update or finish ends it anyway). Raises what the three calls raise.
    """
    handle: HuksSessionHandle = ks.init_session(alias, HuksOptions(list(params)))
    try:
        for piece in data:
            out = ks.update_session(handle, HuksOptions(in_data=piece)).out_data
            if out and sink is not None:
                sink(out)
        return ks.finish_session(handle, HuksOptions(in_data=final)).out_data
    except BaseException:
        with contextlib.suppress(HuksError):
            ks.abort_session(handle, HuksOptions())
        raise


@dataclass
class _Input:
    file: IO[bytes]
    size: int | None  # bytes from the current position to the end, when known


@contextlib.contextmanager
def _open_input(path: str | None, *, seekable: bool = False) -> Iterator[_Input]:
    """The input file (``-`` or None: stdin). With ``seekable``, a pipe is first spooled to an
    anonymous temporary file."""
    with contextlib.ExitStack() as stack:
        if path in (None, "-"):
            f: IO[bytes] = sys.stdin.buffer
        else:
            try:
                f = stack.enter_context(open(path, "rb"))
            except OSError as exc:
                raise HuksError(12000004, f"open {path}: {exc.strerror}") from exc
        size: int | None = None
        try:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode):
                size = st.st_size - f.tell()
        except (OSError, ValueError, AttributeError):
            size = None
        if seekable and size is None:
            spool = stack.enter_context(tempfile.TemporaryFile())
            size = 0
            for piece in chunks(f):
                spool.write(piece)
                size += len(piece)
            spool.seek(0)
            f = spool
        yield _Input(f, size)


@contextlib.contextmanager
def _open_output(path: str | None) -> Iterator[IO[bytes]]:
    """The output (``-`` or None: stdout). A regular file is written as a temporary file in the same
    directory (mode 0600) that replaces ``path`` only when the command succeeds; a device or FIFO is
    written directly."""
    if path in (None, "-"):
        sys.stdout.flush()
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    target = Path(path)
    try:
        special = not stat.S_ISREG(target.stat().st_mode)  # a device or a FIFO (/dev/null)
    except OSError:
        special = False  # not there yet
    if special:
        try:
            direct = open(target, "wb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise HuksError(12000004, f"open {path}: {exc.strerror}") from exc
        with direct:
            yield direct
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise HuksError(12000004, f"create {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


# ------------------------------------------------------------------------------------------------
# commands

Result: TypeAlias = "dict[str, JSON]"


def _level(args: argparse.Namespace) -> list[HuksParam]:
    level: int | None = getattr(args, "level", None)
    return [] if level is None else [HuksParam(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)]


def _key_params(args: argparse.Namespace, *extra: tuple[int, int | None]) -> list[HuksParam]:
    """The generate/import params named by the command-line options (and ``extra`` tag/value pairs;
    a None value is left out), the storage level and every ``--param``."""
    pairs: list[tuple[int, int | None]] = [
        (_T.HUKS_TAG_ALGORITHM, args.alg),
        (_T.HUKS_TAG_KEY_SIZE, args.size),
        (_T.HUKS_TAG_PURPOSE, args.purpose),
        (_T.HUKS_TAG_BLOCK_MODE, args.mode),
        (_T.HUKS_TAG_PADDING, args.padding),
        (_T.HUKS_TAG_DIGEST, args.digest),
        *extra,
    ]
    params = [HuksParam(t, v) for t, v in pairs if v is not None]
    return params + _level(args) + list(args.param or [])


def _key_props(ks: Keystore, alias: str, args: argparse.Namespace) -> dict[int, ParamValue]:
    props = ks.get_key_item_properties(alias, HuksOptions(_level(args))).properties or []
    return {
        int(p.tag): bytes(p.value) if isinstance(p.value, bytearray | memoryview) else p.value for p in props
    }


def cmd_generate(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.generate_key_item(args.alias, HuksOptions(_key_params(args)))
    return {"alias": args.alias, "generated": True}


def cmd_import(ks: Keystore, args: argparse.Namespace) -> Result:
    with _open_input(args.file) as src:
        data = src.file.read(16 * 1024 * 1024 + 1)
    alg, size, import_type, material = _import_material(data, args.alg, args.size, args.type)
    args.alg, args.size, args.type = alg, size, import_type
    params = _key_params(args)
    if args.type is not None:
        params.append(HuksParam(_T.HUKS_TAG_IMPORT_KEY_TYPE, args.type))
    ks.import_key_item(args.alias, HuksOptions(params, material))
    return {"alias": args.alias, "imported": True}


def _import_material(
    data: bytes, alg: int | None, size: int | None, import_type: int | None
) -> tuple[int | None, int | None, int | None, bytes]:
    """(alg, size, import type, HUKS import bytes) for ``data``: a PEM key, or a DER (PKCS#8 or
    traditional) private key, is converted (``hukspy.formats``) and fills in a missing ``--alg``,
    ``--size`` and ``--type`` (pair for a private key, public for a public one); anything else (raw
    symmetric keys, SPKI DER or raw 25519 public keys, HUKS key-material structs) is passed as is.
    Raises ``HuksError`` 401 for an unreadable PEM key, 12000001 for a key type HUKS has no format for."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed25519, rsa, x25519
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

    from hukspy import formats

    public_only = import_type == HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY
    private: PrivateKeyTypes | None = None
    public: PublicKeyTypes | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography's FFDH deprecation warnings
        try:
            if data.lstrip().startswith(b"-----BEGIN"):
                if b"PRIVATE KEY-----" in data:
                    private = serialization.load_pem_private_key(data, password=None)
                else:
                    public = serialization.load_pem_public_key(data)
            elif alg not in formats.SYMMETRIC_ALGS and not public_only:
                with contextlib.suppress(ValueError, TypeError):
                    private = serialization.load_der_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise HuksError(401, f"the key file is not a usable PEM key ({exc})") from exc
    key = private if private is not None else public
    if key is None:
        return alg, size, import_type, data
    inferred: tuple[int, int]
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        inferred = (HuksKeyAlg.HUKS_ALG_RSA, key.key_size)
    elif isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        inferred = (HuksKeyAlg.HUKS_ALG_ECC, key.curve.key_size)
    elif isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        inferred = (HuksKeyAlg.HUKS_ALG_ED25519, 256)
    elif isinstance(key, x25519.X25519PrivateKey | x25519.X25519PublicKey):
        inferred = (HuksKeyAlg.HUKS_ALG_X25519, 256)
    elif isinstance(key, dsa.DSAPrivateKey | dsa.DSAPublicKey):
        inferred = (HuksKeyAlg.HUKS_ALG_DSA, key.key_size)
    elif isinstance(key, dh.DHPrivateKey | dh.DHPublicKey):
        inferred = (HuksKeyAlg.HUKS_ALG_DH, key.key_size)
    else:
        raise HuksError(12000001, f"importing a {type(key).__name__}")
    alg = inferred[0] if alg is None else alg
    size = inferred[1] if size is None else size
    if public_only or private is None:
        return alg, size, HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY, formats.export_public(key)
    ec_alg = alg if isinstance(private, ec.EllipticCurvePrivateKey) else None
    if import_type == HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY:
        return alg, size, import_type, formats.private_key_material(private, ec_alg)
    return alg, size, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR, formats.key_material(private, ec_alg)


def cmd_export(ks: Keystore, args: argparse.Namespace) -> Result:
    """The public key as HUKS exports it (SPKI DER; raw 32 bytes for X25519/Ed25519): those bytes to a
    file or a pipe, PEM (SPKI, also for 25519 keys) on a terminal or with ``--format pem``."""
    data = ks.export_key_item(args.alias, HuksOptions(_level(args))).out_data
    alg = int(_key_props(ks, args.alias, args).get(_T.HUKS_TAG_ALGORITHM, 0))
    raw = alg in (HuksKeyAlg.HUKS_ALG_X25519, HuksKeyAlg.HUKS_ALG_ED25519)
    if args.json:
        return {"alias": args.alias, "format": "raw" if raw else "der", "public_key": data.hex()}
    fmt = args.format or ("der" if args.output not in (None, "-") or not _stdout_is_tty() else "pem")
    out = _pem_public(alg, data) if fmt == "pem" else data
    with _open_output(args.output) as f:
        f.write(out)
    return {}


def _pem_public(alg: int, data: bytes) -> bytes:
    """PEM (SubjectPublicKeyInfo) of an exported public key of algorithm ``alg``."""
    from cryptography.hazmat.primitives import serialization

    from hukspy import formats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography's FFDH deprecation warnings
        key = formats.load_public(alg, data)
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def cmd_delete(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.delete_key_item(args.alias, HuksOptions(_level(args)))
    return {"alias": args.alias, "deleted": True}


def cmd_list(ks: Keystore, args: argparse.Namespace) -> Result:
    level = HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE if args.level is None else args.level
    aliases = ks.list_aliases(HuksOptions([HuksParam(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)])).key_aliases
    return {"level": enum_name(HuksAuthStorageLevel, level), "aliases": list[JSON](aliases)}


def cmd_info(ks: Keystore, args: argparse.Namespace) -> Result:
    props = _key_props(ks, args.alias, args)
    table: dict[str, JSON] = {enum_name(HuksTag, t): format_value(t, v) for t, v in sorted(props.items())}
    storage = ks.key_storage(args.alias, HuksOptions(_level(args)))
    return {"alias": args.alias, "storage": storage, "properties": table}


def _cipher_setup(
    props: Mapping[int, ParamValue], args: argparse.Namespace, kind: str
) -> tuple[list[HuksParam], int | None, int]:
    """The init params of a cipher session shared by encrypt and decrypt, the mode and the IV length.

    Unset options take the key's stored value; an AES key with no stored mode defaults to GCM, a
    symmetric cipher to NONE padding (PKCS7 for CBC/ECB), an RSA key to OAEP with SHA-256."""
    alg = int(props.get(_T.HUKS_TAG_ALGORITHM, 0))
    mode = _pick(args.mode, props, _T.HUKS_TAG_BLOCK_MODE)
    symmetric = alg not in (HuksKeyAlg.HUKS_ALG_RSA, HuksKeyAlg.HUKS_ALG_SM2)
    if mode is None and alg == HuksKeyAlg.HUKS_ALG_AES:
        mode = _MODE.HUKS_MODE_GCM
    padding = _pick(args.padding, props, _T.HUKS_TAG_PADDING)
    if padding is None:
        if symmetric:
            block = mode in (_MODE.HUKS_MODE_CBC, _MODE.HUKS_MODE_ECB)
            padding = HuksKeyPadding.HUKS_PADDING_PKCS7 if block else HuksKeyPadding.HUKS_PADDING_NONE
        elif alg == HuksKeyAlg.HUKS_ALG_RSA:
            padding = HuksKeyPadding.HUKS_PADDING_OAEP
    digest = _pick(args.digest, props, _T.HUKS_TAG_DIGEST)
    if digest is None and padding == HuksKeyPadding.HUKS_PADDING_OAEP:
        digest = HuksKeyDigest.HUKS_DIGEST_SHA256
    params = _base_params(props, kind)
    for tag, value in (
        (_T.HUKS_TAG_BLOCK_MODE, mode),
        (_T.HUKS_TAG_PADDING, padding),
        (_T.HUKS_TAG_DIGEST, digest),
    ):
        if value is not None:
            params.append(HuksParam(tag, value))
    if args.aad is not None:
        params.append(HuksParam(_T.HUKS_TAG_ASSOCIATED_DATA, args.aad))
    iv_len = BLOCK_BYTES.get(alg, 16)
    return params, mode, iv_len


def _pick(arg: int | None, props: Mapping[int, ParamValue], tag: int) -> int | None:
    if arg is not None:
        return arg
    value = props.get(tag)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _base_params(props: Mapping[int, ParamValue], kind: str) -> list[HuksParam]:
    """ALGORITHM, PURPOSE (the one bit of ``kind``) and KEY_SIZE of a session on a stored key."""
    params = [HuksParam(_T.HUKS_TAG_ALGORITHM, props.get(_T.HUKS_TAG_ALGORITHM, 0))]
    params.append(HuksParam(_T.HUKS_TAG_PURPOSE, purpose_bit(kind)))
    if _T.HUKS_TAG_KEY_SIZE in props:
        params.append(HuksParam(_T.HUKS_TAG_KEY_SIZE, props[_T.HUKS_TAG_KEY_SIZE]))
    return params


def cmd_encrypt(ks: Keystore, args: argparse.Namespace) -> Result:
    props = _key_props(ks, args.alias, args)
    params, mode, iv_len = _cipher_setup(props, args, "encrypt")
    params += _level(args)
    header = b""
    if mode in IV_MODES:
        iv = args.iv if args.iv is not None else (None if args.raw else secrets.token_bytes(iv_len))
        if iv is not None:
            params.append(HuksParam(_T.HUKS_TAG_IV, iv))
            header = iv
    elif mode in AE_MODES:
        nonce = (
            args.nonce if args.nonce is not None else (None if args.raw else secrets.token_bytes(NONCE_LEN))
        )
        if nonce is not None:
            params.append(HuksParam(_T.HUKS_TAG_NONCE, nonce))
            header = nonce
    if args.raw:
        header = b""
    elif mode in AE_MODES and len(header) != NONCE_LEN:  # (a wrong IV length is the keystore's 12000003)
        raise HuksError(401, f"the framed format takes a {NONCE_LEN}-byte nonce (see --raw)")
    written = 0
    with _open_input(args.input) as src, _open_output(args.output) as out:
        progress = Progress(src.size, "encrypt")

        def sink(data: bytes) -> None:
            nonlocal written
            out.write(data)
            written += len(data)

        sink(header)
        try:
            sink(run_session(ks, args.alias, params, chunks(src.file, progress=progress), sink))
        finally:
            progress.close()
    return {"alias": args.alias, "bytes_in": progress.done, "bytes_out": written, "output": args.output}


def cmd_decrypt(ks: Keystore, args: argparse.Namespace) -> Result:
    props = _key_props(ks, args.alias, args)
    params, mode, iv_len = _cipher_setup(props, args, "decrypt")
    params += _level(args)
    ae = mode in AE_MODES
    written = 0
    with _open_input(args.input, seekable=ae) as src:
        f, left = src.file, src.size
        if mode in IV_MODES:
            iv = args.iv if args.raw else _read_header(f, iv_len, args.iv, "IV")
            if left is not None and not args.raw:
                left -= iv_len
            if iv is not None:
                params.append(HuksParam(_T.HUKS_TAG_IV, iv))
        elif ae:
            assert left is not None  # noqa: S101 - _open_input(seekable=True) knows the size
            nonce = args.nonce if args.raw else _read_header(f, NONCE_LEN, args.nonce, "nonce")
            left -= 0 if args.raw else NONCE_LEN
            start = f.tell()
            body = left - TAG_LEN - (NONCE_LEN if nonce is None else 0)
            if body < 0:
                raise HuksError(12000006, "decrypt: the input is shorter than its nonce and tag")
            f.seek(start + body)
            tag = f.read(TAG_LEN)
            if nonce is None:
                nonce = f.read(NONCE_LEN)
            f.seek(start)
            params += [HuksParam(_T.HUKS_TAG_NONCE, nonce), HuksParam(_T.HUKS_TAG_AE_TAG, tag)]
            left = body
        with _open_output(args.output) as out:
            progress = Progress(left, "decrypt")

            def sink(data: bytes) -> None:
                nonlocal written
                out.write(data)
                written += len(data)

            try:
                sink(run_session(ks, args.alias, params, chunks(f, left if ae else None, progress), sink))
            finally:
                progress.close()
    return {"alias": args.alias, "bytes_in": progress.done, "bytes_out": written, "output": args.output}


def _read_header(f: IO[bytes], n: int, given: bytes | None, what: str) -> bytes:
    """The ``n``-byte IV or nonce at the head of a framed input; a ``--iv``/``--nonce`` given as well
    must be the same (401 otherwise), and a short input is 12000006."""
    head = f.read(n)
    if len(head) != n:
        raise HuksError(12000006, f"decrypt: the input is shorter than its {what}")
    if given is not None and given != head:
        raise HuksError(401, f"the --{what.lower()} given differs from the {what} in the input (see --raw)")
    return head


def _sign_params(props: Mapping[int, ParamValue], args: argparse.Namespace, kind: str) -> list[HuksParam]:
    """Init params of sign/verify: the key's DIGEST and PADDING unless given (RSA default: PSS;
    digest default SHA-256 except Ed25519)."""
    alg = int(props.get(_T.HUKS_TAG_ALGORITHM, 0))
    params = _base_params(props, kind) + _level(args)
    digest = _pick(args.digest, props, _T.HUKS_TAG_DIGEST)
    if digest is None and alg != HuksKeyAlg.HUKS_ALG_ED25519:
        digest = HuksKeyDigest.HUKS_DIGEST_SHA256
    padding = _pick(args.padding, props, _T.HUKS_TAG_PADDING)
    if padding is None and alg == HuksKeyAlg.HUKS_ALG_RSA:
        padding = HuksKeyPadding.HUKS_PADDING_PSS
    for tag, value in (
        (_T.HUKS_TAG_DIGEST, digest),
        (_T.HUKS_TAG_PADDING, padding),
        (_T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE, args.salt_len),
    ):
        if value is not None:
            params.append(HuksParam(tag, value))
    return params


def _write_result(data: bytes, args: argparse.Namespace, name: str) -> Result:
    """A signature or MAC: raw bytes to ``-o FILE`` or a pipe, hex on a terminal and in JSON."""
    if args.json:
        return {"alias": args.alias, name: data.hex()}
    if args.output in (None, "-") and _stdout_is_tty():
        print(data.hex())
    else:
        with _open_output(args.output) as out:
            out.write(data)
    return {}


def cmd_sign(ks: Keystore, args: argparse.Namespace) -> Result:
    params = _sign_params(_key_props(ks, args.alias, args), args, "sign")
    with _open_input(args.input) as src:
        progress = Progress(src.size, "sign")
        try:
            sig = run_session(ks, args.alias, params, chunks(src.file, progress=progress))
        finally:
            progress.close()
    return _write_result(sig, args, "signature")


def cmd_verify(ks: Keystore, args: argparse.Namespace) -> Result:
    params = _sign_params(_key_props(ks, args.alias, args), args, "verify")
    try:
        signature = Path(args.signature).read_bytes()
    except OSError as exc:
        raise HuksError(12000004, f"read {args.signature}: {exc.strerror}") from exc
    with _open_input(args.input) as src:
        progress = Progress(src.size, "verify")
        try:
            run_session(ks, args.alias, params, chunks(src.file, progress=progress), final=signature)
        finally:
            progress.close()
    return {"alias": args.alias, "verified": True}


def cmd_mac(ks: Keystore, args: argparse.Namespace) -> Result:
    props = _key_props(ks, args.alias, args)
    params = _base_params(props, "mac") + _level(args)
    digest = _pick(args.digest, props, _T.HUKS_TAG_DIGEST)
    if digest is not None:
        params.append(HuksParam(_T.HUKS_TAG_DIGEST, digest))
    with _open_input(args.input) as src:
        progress = Progress(src.size, "mac")
        try:
            mac = run_session(ks, args.alias, params, chunks(src.file, progress=progress))
        finally:
            progress.close()
    return _write_result(mac, args, "mac")


def cmd_backends(args: argparse.Namespace) -> Result:
    rows: list[JSON] = []
    for name, ep in sorted(installed_backends().items()):
        try:
            factory = ep.load()
            ok, why = factory.available()
        except Exception as exc:  # a broken plug-in is reported, not fatal
            ok, why = False, f"cannot load {ep.value}: {type(exc).__name__}: {exc}"
        dist = getattr(ep, "dist", None)
        rows.append(
            {
                "name": name,
                "available": bool(ok),
                "reason": str(why),
                "entry_point": ep.value,
                "distribution": None if dist is None else f"{dist.name} {dist.version}",
            }
        )
    return {"backends": rows, "default": os.environ.get("HUKSPY_KEYSTORE") or "software:"}


def cmd_selftest(ks: Keystore, args: argparse.Namespace) -> Result:
    from hukspy import selftest

    rows = selftest.run_selftest(ks, progress=None if args.json else _selftest_progress())
    failed = sum(not r.ok for r in rows)
    return {
        "keystore": ks.uri,
        "backend": ks.backend_name,
        "rows": [r.to_json() for r in rows],
        "passed": len(rows) - failed,
        "failed": failed,
    }


def _selftest_progress() -> Callable[[str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(text: str) -> None:
        sys.stderr.write(f"\r\x1b[K{text[:100]}")
        sys.stderr.flush()

    return show


# ------------------------------------------------------------------------------------------------
# text output


def _print_text(command: str, result: Result) -> None:
    if not result:
        return
    if command == "list":
        for alias in result["aliases"] or []:  # type: ignore[union-attr]
            print(alias)
    elif command == "info":
        props = {"storage": result["storage"], **result["properties"]}  # type: ignore[dict-item]
        width = max((len(k) for k in props), default=0)
        for key, value in props.items():
            shown = (
                "|".join(str(v) for v in value)
                if isinstance(value, list)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            print(f"{key:<{width}}  {shown}")
    elif command == "backends":
        rows = result["backends"]
        assert isinstance(rows, list)  # noqa: S101
        print(
            _table(
                ["backend", "available", "why", "provided by"],
                [
                    [
                        str(r["name"]),
                        "yes" if r["available"] else "no",
                        str(r["reason"]) or "-",
                        str(r["distribution"] or r["entry_point"]),
                    ]
                    for r in rows
                    if isinstance(r, dict)
                ],
            )
        )
    elif command == "selftest":
        rows = result["rows"]
        assert isinstance(rows, list)  # noqa: S101
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[K")
        print(f"keystore {result['keystore']} (backend {result['backend']})")
        print(
            _table(
                ["alg", "size", "op", "mode/padding/digest", "ms", "result"],
                [
                    [
                        str(r["alg"]),
                        str(r["size"] or ""),
                        str(r["op"]),
                        str(r["params"]),
                        f"{r['ms']:.1f}",
                        "ok" if r["ok"] else f"FAIL {r['detail']}",
                    ]
                    for r in rows
                    if isinstance(r, dict)
                ],
            )
        )
        print(f"{result['passed']} passed, {result['failed']} failed")
    elif command in ("encrypt", "decrypt"):
        pass
    elif command == "verify":
        print("verified: OK", file=sys.stderr if not _stdout_is_tty() else sys.stdout)
    elif command in ("generate", "delete", "import"):
        print(f"{command}: {result['alias']}", file=sys.stderr)


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# the parser


_ALIAS_COMMANDS: Final[Mapping[str, Callable[[Keystore, argparse.Namespace], Result]]] = MappingProxyType(
    {
        "generate": cmd_generate,
        "import": cmd_import,
        "export": cmd_export,
        "delete": cmd_delete,
        "list": cmd_list,
        "info": cmd_info,
        "encrypt": cmd_encrypt,
        "decrypt": cmd_decrypt,
        "sign": cmd_sign,
        "verify": cmd_verify,
        "mac": cmd_mac,
        "selftest": cmd_selftest,
    }
)

_EPILOG: Final = """\
names: enum member names without their common prefix, lower case, or any unambiguous prefix of one
(aes = HUKS_ALG_AES, gcm = HUKS_MODE_GCM, pkcs1 = HUKS_PADDING_PKCS1_V1_5), or plain numbers.
exit status: 0 success, 1 HUKS error ("error <code>: <message>" on stderr), 2 usage error.
"""

_CIPHER_EPILOG: Final = """\
file format (without --raw):
  CBC, CTR, OFB, CFB:  iv(16; 8 for DES/3DES) || ciphertext
  GCM, CCM:            nonce(12) || ciphertext || tag(16)
  ECB, RSA:            ciphertext
encrypt draws a random IV/nonce unless --iv/--nonce is given; decrypt reads it from the input (a
--iv/--nonce given to decrypt must then be the same).
--raw: no framing, exactly what HUKS produces (GCM: ciphertext || tag, and || nonce(12) when encrypt
had no --nonce); give the same --iv/--nonce to decrypt. GCM/CCM decrypt reads the tag from the end of
the input first (a pipe is spooled to a temporary file). Plaintext written to stdout before a failed tag
check (error 12000006) must be discarded; with -o FILE, FILE is only written on success.
defaults: the key's stored mode/padding/digest; else AES: GCM; CBC/ECB: PKCS7; RSA: OAEP with SHA-256.
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``hukspy`` argument parser (``asset`` is a placeholder filled in by ``_run_asset``)."""
    parser = argparse.ArgumentParser(
        prog="hukspy",
        description="The OpenHarmony HUKS keystore on Linux: manage keys and run operations with them.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_globals(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    level = argparse.ArgumentParser(add_help=False)
    level.add_argument(
        "--level", type=_EnumArg(HuksAuthStorageLevel), help="AUTH_STORAGE_LEVEL: de, ce (default), ece"
    )
    keyed = argparse.ArgumentParser(add_help=False, parents=[level])
    keyed.add_argument("alias", help="the key alias")

    spec = argparse.ArgumentParser(add_help=False)
    spec.add_argument("--alg", type=_EnumArg(HuksKeyAlg), help="algorithm: aes, rsa, ecc, hmac, ed25519, ...")
    spec.add_argument("--size", type=int, help="key size in bits")
    spec.add_argument("--purpose", type=_EnumArg(HuksKeyPurpose, flags=True), help="e.g. encrypt,decrypt")
    spec.add_argument("--mode", type=_EnumArg(HuksCipherMode), help="block mode: gcm, cbc, ctr, ecb, ...")
    spec.add_argument(
        "--padding", type=_EnumArg(HuksKeyPadding), help="none, pkcs7, oaep, pss, pkcs1_v1_5, ..."
    )
    spec.add_argument("--digest", type=_EnumArg(HuksKeyDigest), help="sha256, sha384, sha512, sm3, none, ...")
    spec.add_argument(
        "--param",
        type=parse_param,
        action="append",
        metavar="TAG=VALUE",
        help="any other HuksTag, e.g. key_override=false, rsa_pss_salt_len_type=digest (repeatable)",
    )

    sub.add_parser(
        "generate",
        parents=[keyed, spec],
        help="generate a key",
        epilog="example: hukspy generate k1 --alg aes --size 256 --purpose encrypt,decrypt",
    )

    p = sub.add_parser(
        "import",
        parents=[keyed, spec],
        help="import a key from a file",
        description="Import a key: raw bytes for symmetric keys; SPKI DER or raw 32-byte 25519 public keys; "
        "the HUKS key-material structs; or a PEM key, or a DER private key, which is converted "
        "(and gives --alg and --size when they are left out).",
    )
    p.add_argument(
        "--type", type=_EnumArg(HuksImportKeyType), help="pair, private or public (asymmetric keys)"
    )
    p.add_argument("file", help="the key file ('-' for stdin)")

    p = sub.add_parser(
        "export",
        parents=[keyed],
        help="export a public key",
        description="SPKI DER (raw 32 bytes for X25519/Ed25519): DER to a file or a pipe, PEM on a terminal.",
    )
    p.add_argument("-o", "--output", help="output file (default stdout)")
    p.add_argument("--format", choices=["der", "pem"], help="override the output format")

    sub.add_parser("delete", parents=[keyed], help="delete a key")
    sub.add_parser("list", parents=[level], help="list the aliases of one storage level")
    sub.add_parser("info", parents=[keyed], help="show a key's properties")

    io = argparse.ArgumentParser(add_help=False)
    io.add_argument("-i", "--input", help="input file (default stdin)")
    io.add_argument("-o", "--output", help="output file (default stdout)")

    for name in ("encrypt", "decrypt"):
        p = sub.add_parser(
            name,
            parents=[keyed, io],
            help=f"{name} a stream",
            epilog=_CIPHER_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--mode", type=_EnumArg(HuksCipherMode))
        p.add_argument("--padding", type=_EnumArg(HuksKeyPadding))
        p.add_argument("--digest", type=_EnumArg(HuksKeyDigest), help="OAEP digest")
        p.add_argument("--iv", type=_hex, help="IV in hex (CBC/CTR/OFB/CFB)")
        p.add_argument("--nonce", type=_hex, help="nonce in hex (GCM/CCM)")
        p.add_argument("--aad", type=_hex, help="associated data in hex (GCM/CCM)")
        p.add_argument("--raw", action="store_true", help="no framing (see below)")

    sig = argparse.ArgumentParser(add_help=False)
    sig.add_argument("--digest", type=_EnumArg(HuksKeyDigest), help="default: the key's, else sha256")
    sig.add_argument("--padding", type=_EnumArg(HuksKeyPadding), help="RSA: pss (default), pkcs1_v1_5, none")
    sig.add_argument(
        "--salt-len", type=_EnumArg(HuksRsaPssSaltLenType), help="PSS salt: max (default), digest"
    )
    sub.add_parser(
        "sign",
        parents=[keyed, io, sig],
        help="sign a stream (signature: raw to a file/pipe, hex on a terminal)",
    )
    p = sub.add_parser(
        "verify", parents=[keyed, sig], help="verify a signature over a stream (exit 1 if bad)"
    )
    p.add_argument("-i", "--input", help="input file (default stdin)")
    p.add_argument("--signature", required=True, help="the signature file (raw bytes)")
    p = sub.add_parser(
        "mac", parents=[keyed, io], help="MAC a stream (raw to a file/pipe, hex on a terminal)"
    )
    p.add_argument("--digest", type=_EnumArg(HuksKeyDigest), help="default: the key's")

    sub.add_parser("backends", help="the installed keystore backends and whether they can run here")
    sub.add_parser("selftest", help="exercise every capability of the keystore (exit 0 when all pass)")
    p = sub.add_parser("asset", help="ASSET secrets: add, query, remove, update", add_help=False)
    p.add_argument("asset_args", nargs=argparse.REMAINDER)
    importlib.import_module("hukspy.cli_keyops").add_parsers(sub)
    importlib.import_module("hukspy.cli_backup").add_parsers(sub)
    return parser


def _add_globals(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keystore",
        metavar="URI",
        default=os.environ.get("HUKSPY_KEYSTORE") or None,
        help="keystore URI: software:[DIR], pkcs11:..., tpm2:... (default $HUKSPY_KEYSTORE, else software:). "
        "PKCS#11 PIN: set $HUKSPY_PIN or use pin-source=file:PATH; never pin-value= on a command line "
        "(every local user can read it in /proc/PID/cmdline)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _run_asset(args: argparse.Namespace) -> int:
    """``hukspy asset ...``: hands over to ``hukspy.asset.cli`` (``add_parser(subparsers)`` and
    ``run(args) -> int``), imported only now. ``add_parser`` may add the ``asset`` command itself or
    its subcommands; both work."""
    try:
        mod = importlib.import_module("hukspy.asset.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("hukspy.asset", "hukspy.asset.cli"):
            raise
        raise HuksError(801, "the asset command (hukspy.asset.cli) is not installed") from exc
    parser = argparse.ArgumentParser(prog="hukspy")
    _add_globals(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    mod.add_parser(sub)
    rest: list[str] = list(args.asset_args)
    if "asset" in sub.choices:
        rest = ["asset", *rest]
    else:
        parser.prog = "hukspy asset"
    asset_args = parser.parse_args(rest)
    # The global options given before "asset" win over the defaults of the asset subparsers.
    if args.json:
        asset_args.json = True
    if args.keystore is not None and getattr(asset_args, "keystore", None) is None:
        asset_args.keystore = args.keystore
    code: int = mod.run(asset_args)
    return code


def _exit_code(exc: SystemExit) -> int:
    return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hukspy`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if args.command == "asset":  # options before the first word after "asset" (--help) are its own
            args.asset_args = [*extra, *args.asset_args]
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:
        return _exit_code(exc)
    try:
        with warnings.catch_warnings():
            # pyca/cryptography deprecates FFDH (a HUKS algorithm) and says so on stderr at every use.
            warnings.filterwarnings("ignore", category=_crypto_deprecation())
            return _dispatch(parser, args)
    except SystemExit as exc:
        return _exit_code(exc)
    except HuksError as exc:
        return _fail(args, exc.code, exc.message)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        return _fail(args, 12000004, f"{exc.filename or 'I/O'}: {exc.strerror or exc}")
    except Exception as exc:
        # Any other exception is an asset command's own error (AssetError: .code/.message) or a bug.
        code, message = getattr(exc, "code", None), getattr(exc, "message", None)
        if isinstance(code, int) and isinstance(message, str):
            return _fail(args, code, message)
        raise


def _crypto_deprecation() -> type[Warning]:
    from cryptography.utils import CryptographyDeprecationWarning

    return CryptographyDeprecationWarning


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    print(f"error {code}: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": {"code": code, "message": message}}))
    return 1


def _usage(parser: argparse.ArgumentParser, args: argparse.Namespace, message: str) -> NoReturn:
    parser.error(f"{args.command}: {message}")


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    command: str = args.command
    keyops = importlib.import_module("hukspy.cli_keyops")
    if command in keyops.COMMANDS:
        return int(keyops.run(args))
    backups = importlib.import_module("hukspy.cli_backup")
    if command in backups.COMMANDS:
        return int(backups.run(args))
    if command == "asset":
        return _run_asset(args)
    if command == "backends":
        result = cmd_backends(args)
    else:
        if command in ("encrypt", "decrypt") and args.json and args.output in (None, "-"):
            _usage(parser, args, "--json needs -o FILE for encrypt and decrypt")
        from hukspy.keystore import Keystore

        with Keystore(args.keystore) as ks:
            result = _ALIAS_COMMANDS[command](ks, args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_text(command, result)
    if command == "selftest":
        return 0 if result["failed"] == 0 else 1
    return 0
