"""``hukspy agree|derive|import-wrapped|wrap|unwrap|attest``: the key-operation subcommands.

Kept apart from ``hukspy.cli`` (which hooks them in with ``add_parsers(subparsers)`` and ``run(args)``);
``main(argv)`` runs them alone (``python -m hukspy.cli_keyops``). Everything goes through the public
``Keystore`` API; the command-line conventions (enum words, ``--param TAG=VALUE``, ``-o``, ``--json``,
exit status 0/1/2) are ``hukspy.cli``'s.

- ``agree ALIAS PEER``: the shared secret with the peer public key in file PEER (SPKI DER, raw 32 bytes
  for X25519, or PEM). ``--store NEW`` stores it as a key instead (``--store-alg`` aes,
  ``--store-size`` default the secret's length, ``--store-purpose`` default encrypt,decrypt).
- ``derive ALIAS --kdf hkdf|pbkdf2 --length N``: HKDF/PBKDF2 from a DERIVE key (``--salt``, ``--info``
  in hex, ``--iterations``; ``--digest`` defaults to the key's); ``--store NEW`` as for agree.
- ``import-wrapped ALIAS WRAPPING FILE --suite x25519|ecdh --alg ... --size ... --purpose ...``: import
  the 10-LV wrapped key in FILE (docs/wrapped-keys.md).
- ``wrap ALIAS`` / ``unwrap ALIAS FILE``: HUK-based wrapping (KEY_WRAP_TYPE=HUK_BASED is added).
- ``attest ALIAS [--anon] [--challenge HEX] [--id NAME=HEX]``: the PEM chain, leaf first.

Binary output (secrets, wrapped keys) goes to ``-o FILE`` or a pipe as raw bytes, as hex on a terminal
and in ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hukspy import formats
from hukspy.attestation import OID, parse_description
from hukspy.cli import (
    JSON,
    _add_globals,
    _EnumArg,
    _hex,
    _key_params,
    _key_props,
    _level,
    _open_input,
    _open_output,
    _stdout_is_tty,
    enum_name,
    parse_enum,
    parse_param,
    run_session,
)
from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksKeyWrapType,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam, ParamValue

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "add_parsers", "main", "run"]

_T = HuksTag
_A = HuksKeyAlg
Result = dict[str, JSON]

#: The init ALGORITHM of an agreement with a key of each algorithm.
_AGREE_ALG: Final[Mapping[int, int]] = MappingProxyType({
    _A.HUKS_ALG_ECC: _A.HUKS_ALG_ECDH,
    _A.HUKS_ALG_ECDH: _A.HUKS_ALG_ECDH,
    _A.HUKS_ALG_X25519: _A.HUKS_ALG_X25519,
    _A.HUKS_ALG_DH: _A.HUKS_ALG_DH,
})
_READ_LIMIT: Final = 4 * 1024 * 1024
_ENC_DEC: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT


def _read(path: str) -> bytes:
    with _open_input(path) as src:
        data = src.file.read(_READ_LIMIT + 1)
    if len(data) > _READ_LIMIT:
        raise HuksError(401, f"{path}: more than {_READ_LIMIT} bytes")
    return data


def _emit(data: bytes, args: argparse.Namespace, name: str, extra: Result | None = None) -> Result:
    """Raw bytes to ``-o FILE`` or a pipe, hex on a terminal; in JSON, hex."""
    if args.json:
        return {"alias": args.alias, name: data.hex(), **(extra or {})}
    if args.output in (None, "-") and _stdout_is_tty():
        print(data.hex())
    else:
        with _open_output(args.output) as out:
            out.write(data)
    return {}


def _store_params(args: argparse.Namespace, secret_len: int | None) -> list[HuksParam]:
    """The finish params that store the agreed/derived secret as the key ``args.store``."""
    size = args.store_size if args.store_size is not None else (secret_len or 0) * 8
    params = [
        HuksParam(_T.HUKS_TAG_KEY_STORAGE_FLAG, HuksKeyStorageType.HUKS_STORAGE_PERSISTENT),
        HuksParam(_T.HUKS_TAG_KEY_ALIAS, args.store.encode()),
        HuksParam(_T.HUKS_TAG_IS_KEY_ALIAS, True),
        HuksParam(_T.HUKS_TAG_ALGORITHM, args.store_alg),
        HuksParam(_T.HUKS_TAG_KEY_SIZE, size),
        HuksParam(_T.HUKS_TAG_PURPOSE, args.store_purpose),
    ]
    return params + _level(args) + list(args.param or [])


def _finish(ks: Keystore, args: argparse.Namespace, params: list[HuksParam], pieces: list[bytes],
            length: int | None, name: str) -> Result:
    if args.store is None:
        return _emit(run_session(ks, args.alias, params, iter(pieces)), args, name)
    h = ks.init_session(args.alias, HuksOptions(params)).handle
    try:
        for piece in pieces[:-1]:
            ks.update_session(h, HuksOptions(in_data=piece))
        ks.finish_session(h, HuksOptions(_store_params(args, length), pieces[-1]))
    except BaseException:
        ks.abort_session(h, HuksOptions())
        raise
    return {"alias": args.alias, "stored": args.store}


def _peer_key(alg: int, data: bytes) -> bytes:
    """The peer key in HUKS format: PEM is converted (SPKI DER; raw for X25519), anything else kept."""
    if not data.lstrip().startswith(b"-----BEGIN"):
        return data
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise HuksError(401, f"the peer key is not a PEM public key: {exc}") from exc
    return formats.export_public(key)


def cmd_agree(ks: Keystore, args: argparse.Namespace) -> Result:
    props = _key_props(ks, args.alias, args)
    key_alg = int(props.get(_T.HUKS_TAG_ALGORITHM, 0))
    alg = args.alg if args.alg is not None else _AGREE_ALG.get(key_alg, key_alg)
    size = int(props.get(_T.HUKS_TAG_KEY_SIZE, 0))
    params = [HuksParam(_T.HUKS_TAG_ALGORITHM, alg),
              HuksParam(_T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE),
              HuksParam(_T.HUKS_TAG_KEY_SIZE, size), *_level(args)]
    peer = _peer_key(key_alg, _read(args.peer))
    secret_len = (size + 7) // 8 if key_alg != _A.HUKS_ALG_X25519 else 32
    return _finish(ks, args, params, [peer], secret_len, "secret")


def cmd_derive(ks: Keystore, args: argparse.Namespace) -> Result:
    props = _key_props(ks, args.alias, args)
    digest = args.digest if args.digest is not None else props.get(_T.HUKS_TAG_DIGEST)
    pairs: list[tuple[int, ParamValue | None]] = [
        (_T.HUKS_TAG_ALGORITHM, args.kdf),
        (_T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DERIVE),
        (_T.HUKS_TAG_DIGEST, digest),
        (_T.HUKS_TAG_DERIVE_KEY_SIZE, args.length),
        (_T.HUKS_TAG_SALT, args.salt),
        (_T.HUKS_TAG_INFO, args.info),
        (_T.HUKS_TAG_ITERATION, args.iterations),
    ]
    params = [HuksParam(t, v) for t, v in pairs if v is not None] + _level(args)
    return _finish(ks, args, params, [b""], args.length, "derived")


def cmd_import_wrapped(ks: Keystore, args: argparse.Namespace) -> Result:
    params = _key_params(
        args, (_T.HUKS_TAG_IMPORT_KEY_TYPE, args.type), (_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, args.suite)
    )
    ks.import_wrapped_key_item(args.alias, args.wrapping_alias, HuksOptions(params, _read(args.file)))
    return {"alias": args.alias, "imported": True}


_WRAP: Final = HuksParam(_T.HUKS_TAG_KEY_WRAP_TYPE, HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED)


def cmd_wrap(ks: Keystore, args: argparse.Namespace) -> Result:
    blob = ks.wrap_key_item(args.alias, HuksOptions([_WRAP, *_level(args)])).out_data or b""
    return _emit(blob, args, "wrapped")


def cmd_unwrap(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.unwrap_key_item(args.alias, HuksOptions([_WRAP, *_level(args), *(args.param or [])]), _read(args.file))
    return {"alias": args.alias, "unwrapped": True}


def _attest_id(text: str) -> HuksParam:
    """``NAME=HEX`` for ``--id``: NAME an ATTESTATION_ID_* suffix (``alias``, ``udid``) or
    ``application_id``."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=HEX, not {text!r}")
    full = "attestation_" + name if name.lower() == "application_id" else "attestation_id_" + name
    try:
        return HuksParam(parse_enum(HuksTag, full), bytes.fromhex(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--id {text!r}: {exc}") from None


def cmd_attest(ks: Keystore, args: argparse.Namespace) -> Result:
    params = [*_level(args), *(args.id or [])]
    if args.challenge is not None:
        params.append(HuksParam(_T.HUKS_TAG_ATTESTATION_CHALLENGE, args.challenge))
    method = ks.anon_attest_key_item if args.anon else ks.attest_key_item
    chain = method(args.alias, HuksOptions(params)).cert_chains or []
    if args.json:
        result: Result = {"alias": args.alias, "anonymous": bool(args.anon), "chain": list[JSON](chain)}
        leaf = x509.load_pem_x509_certificate(chain[0].encode("latin-1")) if chain else None
        if leaf is not None:
            try:
                ext = leaf.extensions.get_extension_for_oid(OID).value
                d = parse_description(ext.value if isinstance(ext, x509.UnrecognizedExtension) else b"")
            except (x509.ExtensionNotFound, ValueError):
                return result
            result["description"] = {
                "version": d.version,
                "security_level": d.security_level,
                "anonymous": d.anonymous,
                "challenge": d.challenge.hex(),
                "ids": {enum_name(HuksTag, t): v.hex() for t, v in sorted(d.ids.items())},
            }
        return result
    with _open_output(args.output) as out:
        out.write("".join(chain).encode("latin-1"))
    return {}


COMMANDS: Final[Mapping[str, Callable[[Keystore, argparse.Namespace], Result]]] = MappingProxyType({
    "agree": cmd_agree,
    "derive": cmd_derive,
    "import-wrapped": cmd_import_wrapped,
    "wrap": cmd_wrap,
    "unwrap": cmd_unwrap,
    "attest": cmd_attest,
})


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the six subcommands to ``hukspy``'s subparsers."""
    level = argparse.ArgumentParser(add_help=False)
    level.add_argument("--level", type=_EnumArg(HuksAuthStorageLevel), help="de, ce (default), ece")
    keyed = argparse.ArgumentParser(add_help=False, parents=[level])
    keyed.add_argument("alias", help="the key alias")
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("-o", "--output", help="output file (default stdout)")
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--param", type=parse_param, action="append", metavar="TAG=VALUE",
                       help="another HuksTag for the call (repeatable)")
    store = argparse.ArgumentParser(add_help=False, parents=[extra])
    store.add_argument("--store", metavar="NEW_ALIAS", help="store the result as a key, do not print it")
    store.add_argument("--store-alg", type=_EnumArg(HuksKeyAlg), default=int(_A.HUKS_ALG_AES),
                       help="the stored key's algorithm (default aes)")
    store.add_argument("--store-size", type=int, help="the stored key's size in bits (default: the secret's)")
    store.add_argument("--store-purpose", type=_EnumArg(HuksKeyPurpose, flags=True),
                       default=int(_ENC_DEC),
                       help="the stored key's purpose (default encrypt,decrypt)")

    p = subparsers.add_parser("agree", parents=[keyed, out, store], help="agree on a secret with a peer key")
    p.add_argument("peer", help="the peer's public key: SPKI DER, raw 32 bytes (X25519) or PEM ('-': stdin)")
    p.add_argument("--alg", type=_EnumArg(HuksKeyAlg), help="ecdh, x25519 or dh (default: from the key)")

    p = subparsers.add_parser("derive", parents=[keyed, out, store], help="HKDF or PBKDF2 from a DERIVE key")
    p.add_argument("--kdf", type=_EnumArg(HuksKeyAlg), required=True, help="hkdf or pbkdf2")
    p.add_argument("--length", type=int, required=True, help="DERIVE_KEY_SIZE in bytes")
    p.add_argument("--digest", type=_EnumArg(HuksKeyDigest), help="default: the key's")
    p.add_argument("--salt", type=_hex, help="SALT in hex")
    p.add_argument("--info", type=_hex, help="INFO in hex (HKDF)")
    p.add_argument("--iterations", type=int, help="ITERATION (PBKDF2)")

    p = subparsers.add_parser("import-wrapped", parents=[keyed, extra],
                              help="import a wrapped key (10-LV format, docs/wrapped-keys.md)")
    p.add_argument("wrapping_alias", help="the UNWRAP key the wrapped key was made for")
    p.add_argument("file", help="the wrapped key ('-' for stdin)")
    p.add_argument("--suite", type=_EnumArg(HuksUnwrapSuite), required=True,
                   help="x25519_aes_256_gcm_nopadding (x25519) or ecdh_aes_256_gcm_nopadding (ecdh)")
    p.add_argument("--alg", type=_EnumArg(HuksKeyAlg), help="the imported key's algorithm")
    p.add_argument("--size", type=int, help="its size in bits")
    p.add_argument("--purpose", type=_EnumArg(HuksKeyPurpose, flags=True), help="its purpose")
    p.add_argument("--mode", type=_EnumArg(HuksCipherMode))
    p.add_argument("--padding", type=_EnumArg(HuksKeyPadding))
    p.add_argument("--digest", type=_EnumArg(HuksKeyDigest))
    p.add_argument("--type", type=_EnumArg(HuksImportKeyType), help="pair, private or public")

    subparsers.add_parser("wrap", parents=[keyed, out], help="wrap a key for backup on this keystore")
    p = subparsers.add_parser("unwrap", parents=[keyed, extra], help="restore a wrapped key under ALIAS")
    p.add_argument("file", help="the wrapped key ('-' for stdin)")

    p = subparsers.add_parser("attest", parents=[keyed, out], help="attest a key: PEM chain, leaf first")
    p.add_argument("--anon", action="store_true", help="anonymous attestation")
    p.add_argument("--challenge", type=_hex, help="ATTESTATION_CHALLENGE in hex")
    p.add_argument("--id", type=_attest_id, action="append", metavar="NAME=HEX",
                   help="an ATTESTATION_ID_* value, e.g. alias=6b6579 or application_id=... (repeatable)")


def run(args: argparse.Namespace) -> int:
    """Run the parsed subcommand (``args.command`` in ``COMMANDS``); print the result; return 0.
    A ``HuksError`` propagates (``hukspy.cli.main`` prints it and exits 1)."""
    from hukspy.keystore import Keystore

    with Keystore(args.keystore) as ks:
        result = COMMANDS[args.command](ks, args)
    if args.json:
        print(json.dumps(result, indent=2))
    elif "stored" in result:
        print(f"{args.command}: stored as {result['stored']}", file=sys.stderr)
    elif result:
        print(f"{args.command}: {args.alias}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """These subcommands alone, with ``hukspy``'s global options and exit statuses."""
    parser = argparse.ArgumentParser(prog="hukspy")
    _add_globals(parser)
    add_parsers(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return run(args)
    except HuksError as exc:
        print(f"error {exc.code}: {exc.message}", file=sys.stderr)
        if args.json:
            print(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
