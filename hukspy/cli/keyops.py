"""``hukspy agree|derive|import-wrapped|wrap|unwrap|attest``: the key operations beyond a data stream.

- ``agree ALIAS PEER``: the shared secret with the peer public key in file PEER (SPKI DER, raw 32 bytes
  for X25519, or PEM). ``--store NEW`` stores it as a key instead (``--store-alg`` aes,
  ``--store-size`` default the secret's length, ``--store-purpose`` default encrypt,decrypt).
- ``derive ALIAS --kdf hkdf|pbkdf2 --length N``: HKDF/PBKDF2 from a DERIVE key (``--salt``, ``--info``
  in hex, ``--iterations``; ``--digest`` defaults to the key's); ``--store NEW`` as for agree.
- ``import-wrapped ALIAS WRAPPING FILE --suite x25519|ecdh --alg ... --size ... --purpose ...``: import
  the 10-LV wrapped key in FILE (docs/wrapped-keys.md).
- ``wrap ALIAS`` / ``unwrap ALIAS FILE``: HUK-based wrapping (KEY_WRAP_TYPE=HUK_BASED is added).
- ``attest ALIAS [--anon] [--challenge HEX] [--id NAME=HEX]``: the PEM chain, leaf first
  (docs/attestation.md).

Binary output (secrets, wrapped keys) goes to ``-o FILE`` or a pipe as raw bytes, as hex on a terminal
and in ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.options import EnumArg, Parents, hex_arg, key_params, key_props, level_params
from hukspy.cli.output import JSON, Result, emit_bytes
from hukspy.cli.streams import open_output, pin_token, read_small, run_session
from hukspy.enums import (
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
from hukspy.names import enum_name, parse_enum
from hukspy.params import HuksOptions, HuksParam, ParamValue

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "cmd_agree", "cmd_attest", "cmd_derive", "cmd_import_wrapped", "cmd_unwrap",
           "cmd_wrap"]

_TAG = HuksTag
_ALG = HuksKeyAlg

#: The init ALGORITHM of an agreement with a key of each algorithm.
_AGREE_ALG: Final[Mapping[int, int]] = MappingProxyType({
    _ALG.HUKS_ALG_ECC: _ALG.HUKS_ALG_ECDH,
    _ALG.HUKS_ALG_ECDH: _ALG.HUKS_ALG_ECDH,
    _ALG.HUKS_ALG_X25519: _ALG.HUKS_ALG_X25519,
    _ALG.HUKS_ALG_DH: _ALG.HUKS_ALG_DH,
})
_ENC_DEC: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT
_HUK_WRAP: Final = HuksParam(_TAG.HUKS_TAG_KEY_WRAP_TYPE, HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED)


def _store_params(args: argparse.Namespace, secret_len: int | None) -> list[HuksParam]:
    """The finish params that store the agreed/derived secret as the key ``args.store``."""
    size = args.store_size if args.store_size is not None else (secret_len or 0) * 8
    params = [
        HuksParam(_TAG.HUKS_TAG_KEY_STORAGE_FLAG, HuksKeyStorageType.HUKS_STORAGE_PERSISTENT),
        HuksParam(_TAG.HUKS_TAG_KEY_ALIAS, args.store.encode()),
        HuksParam(_TAG.HUKS_TAG_IS_KEY_ALIAS, True),
        HuksParam(_TAG.HUKS_TAG_ALGORITHM, args.store_alg),
        HuksParam(_TAG.HUKS_TAG_KEY_SIZE, size),
        HuksParam(_TAG.HUKS_TAG_PURPOSE, args.store_purpose),
    ]
    return params + level_params(args) + list(args.param or [])


def _finish(ks: Keystore, args: argparse.Namespace, params: list[HuksParam], pieces: list[bytes],
            length: int | None, name: str) -> Result:
    """Run the agree/derive session: print the secret, or with ``--store`` store it as a key."""
    if args.store is None:
        return emit_bytes(run_session(ks, args.alias, params, iter(pieces), token=pin_token(ks, args)),
                          args, name)
    session = ks.init_session(args.alias, HuksOptions(params))
    handle = session.handle
    source = pin_token(ks, args)
    auth = source(session.challenge) if source is not None else None
    try:
        for piece in pieces[:-1]:
            ks.update_session(handle, HuksOptions(in_data=piece), auth)
            auth = None
        ks.finish_session(handle, HuksOptions(_store_params(args, length), pieces[-1]), auth)
    except BaseException:
        ks.abort_session(handle, HuksOptions())
        raise
    return {"alias": args.alias, "stored": args.store}


def _peer_key(data: bytes) -> bytes:
    """The peer key in HUKS format: PEM is converted (SPKI DER; raw for X25519), anything else kept.
    An unreadable PEM key is ``HuksError`` 401."""
    from cryptography.hazmat.primitives import serialization

    from hukspy import formats

    if not data.lstrip().startswith(b"-----BEGIN"):
        return data
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise HuksError(401, f"the peer key is not a PEM public key: {exc}") from exc
    return formats.export_public(key)


def cmd_agree(ks: Keystore, args: argparse.Namespace) -> Result:
    """The shared secret of ``args.alias`` with the peer key in ``args.peer``. Raises what the session
    raises."""
    props = key_props(ks, args.alias, args)
    key_alg = int(props.get(_TAG.HUKS_TAG_ALGORITHM, 0))
    alg = args.alg if args.alg is not None else _AGREE_ALG.get(key_alg, key_alg)
    size = int(props.get(_TAG.HUKS_TAG_KEY_SIZE, 0))
    params = [HuksParam(_TAG.HUKS_TAG_ALGORITHM, alg),
              HuksParam(_TAG.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE),
              HuksParam(_TAG.HUKS_TAG_KEY_SIZE, size), *level_params(args)]
    peer = _peer_key(read_small(args.peer))
    secret_len = (size + 7) // 8 if key_alg != _ALG.HUKS_ALG_X25519 else 32
    return _finish(ks, args, params, [peer], secret_len, "secret")


def cmd_derive(ks: Keystore, args: argparse.Namespace) -> Result:
    """HKDF or PBKDF2 from the DERIVE key ``args.alias``. Raises what the session raises."""
    props = key_props(ks, args.alias, args)
    digest = args.digest if args.digest is not None else props.get(_TAG.HUKS_TAG_DIGEST)
    pairs: list[tuple[int, ParamValue | None]] = [
        (_TAG.HUKS_TAG_ALGORITHM, args.kdf),
        (_TAG.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DERIVE),
        (_TAG.HUKS_TAG_DIGEST, digest),
        (_TAG.HUKS_TAG_DERIVE_KEY_SIZE, args.length),
        (_TAG.HUKS_TAG_SALT, args.salt),
        (_TAG.HUKS_TAG_INFO, args.info),
        (_TAG.HUKS_TAG_ITERATION, args.iterations),
    ]
    params = [HuksParam(t, v) for t, v in pairs if v is not None] + level_params(args)
    return _finish(ks, args, params, [b""], args.length, "derived")


def cmd_import_wrapped(ks: Keystore, args: argparse.Namespace) -> Result:
    """Import the wrapped key in ``args.file`` under ``args.alias``. Raises what
    ``import_wrapped_key_item`` raises."""
    params = key_params(
        args, (_TAG.HUKS_TAG_IMPORT_KEY_TYPE, args.type), (_TAG.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, args.suite)
    )
    ks.import_wrapped_key_item(args.alias, args.wrapping_alias, HuksOptions(params, read_small(args.file)))
    return {"alias": args.alias, "imported": True}


def cmd_wrap(ks: Keystore, args: argparse.Namespace) -> Result:
    """The HUK-based wrapped form of ``args.alias``. Raises what ``wrap_key_item`` raises."""
    blob = ks.wrap_key_item(args.alias, HuksOptions([_HUK_WRAP, *level_params(args)])).out_data or b""
    return emit_bytes(blob, args, "wrapped")


def cmd_unwrap(ks: Keystore, args: argparse.Namespace) -> Result:
    """Restore the wrapped key in ``args.file`` under ``args.alias``. Raises what ``unwrap_key_item``
    raises."""
    options = HuksOptions([_HUK_WRAP, *level_params(args), *(args.param or [])])
    ks.unwrap_key_item(args.alias, options, read_small(args.file))
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
    """The attestation chain of ``args.alias`` (PEM, leaf first); with ``--json`` also the decoded key
    description of the leaf. Raises what ``attest_key_item``/``anon_attest_key_item`` raise."""
    from cryptography import x509

    from hukspy.attestation import OID, parse_description

    params = [*level_params(args), *(args.id or [])]
    if args.challenge is not None:
        params.append(HuksParam(_TAG.HUKS_TAG_ATTESTATION_CHALLENGE, args.challenge))
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
    with open_output(args.output) as out:
        out.write("".join(chain).encode("latin-1"))
    return {}


def _announce(args: argparse.Namespace, result: Result) -> None:
    """``<command>: stored as NEW`` or ``<command>: <alias>`` on stderr."""
    if "stored" in result:
        print(f"{args.command}: stored as {result['stored']}", file=sys.stderr)
    else:
        print(f"{args.command}: {args.alias}", file=sys.stderr)


def _store_options() -> argparse.ArgumentParser:
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", metavar="NEW_ALIAS", help="store the result as a key, do not print it")
    store.add_argument("--store-alg", type=EnumArg(HuksKeyAlg), default=int(_ALG.HUKS_ALG_AES),
                       help="the stored key's algorithm (default aes)")
    store.add_argument("--store-size", type=int, help="the stored key's size in bits (default: the secret's)")
    store.add_argument("--store-purpose", type=EnumArg(HuksKeyPurpose, flags=True), default=int(_ENC_DEC),
                       help="the stored key's purpose (default encrypt,decrypt)")
    return store


def add_agree(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("agree", parents=[parents.keyed, parents.binary, parents.param, _store_options()],
                       help="agree on a secret with a peer key")
    p.add_argument("peer", help="the peer's public key: SPKI DER, raw 32 bytes (X25519) or PEM ('-': stdin)")
    p.add_argument("--alg", type=EnumArg(HuksKeyAlg), help="ecdh, x25519 or dh (default: from the key)")
    return p


def add_derive(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("derive", parents=[parents.keyed, parents.binary, parents.param, _store_options()],
                       help="HKDF or PBKDF2 from a DERIVE key")
    p.add_argument("--kdf", type=EnumArg(HuksKeyAlg), required=True, help="hkdf or pbkdf2")
    p.add_argument("--length", type=int, required=True, help="DERIVE_KEY_SIZE in bytes")
    p.add_argument("--digest", type=EnumArg(HuksKeyDigest), help="default: the key's")
    p.add_argument("--salt", type=hex_arg, help="SALT in hex")
    p.add_argument("--info", type=hex_arg, help="INFO in hex (HKDF)")
    p.add_argument("--iterations", type=int, help="ITERATION (PBKDF2)")
    return p


def add_import_wrapped(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("import-wrapped", parents=[parents.keyed, parents.param],
                       help="import a wrapped key (10-LV format, docs/wrapped-keys.md)")
    p.add_argument("wrapping_alias", help="the UNWRAP key the wrapped key was made for")
    p.add_argument("file", help="the wrapped key ('-' for stdin)")
    p.add_argument("--suite", type=EnumArg(HuksUnwrapSuite), required=True,
                   help="x25519_aes_256_gcm_nopadding (x25519) or ecdh_aes_256_gcm_nopadding (ecdh)")
    p.add_argument("--alg", type=EnumArg(HuksKeyAlg), help="the imported key's algorithm")
    p.add_argument("--size", type=int, help="its size in bits")
    p.add_argument("--purpose", type=EnumArg(HuksKeyPurpose, flags=True), help="its purpose")
    p.add_argument("--mode", type=EnumArg(HuksCipherMode))
    p.add_argument("--padding", type=EnumArg(HuksKeyPadding))
    p.add_argument("--digest", type=EnumArg(HuksKeyDigest))
    p.add_argument("--type", type=EnumArg(HuksImportKeyType), help="pair, private or public")
    return p


def add_wrap(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    return sub.add_parser("wrap", parents=[parents.keyed, parents.binary],
                          help="wrap a key for backup on this keystore")


def add_unwrap(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "unwrap", parents=[parents.keyed, parents.param], help="restore a wrapped key under ALIAS"
    )
    p.add_argument("file", help="the wrapped key ('-' for stdin)")
    return p


def add_attest(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("attest", parents=[parents.keyed, parents.output],
                       help="attest a key: PEM chain, leaf first")
    p.add_argument("--anon", action="store_true", help="anonymous attestation")
    p.add_argument("--challenge", type=hex_arg, help="ATTESTATION_CHALLENGE in hex")
    p.add_argument("--id", type=_attest_id, action="append", metavar="NAME=HEX",
                   help="an ATTESTATION_ID_* value, e.g. alias=6b6579 or application_id=... (repeatable)")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("agree", add_agree, with_keystore(cmd_agree), _announce),
    Command("derive", add_derive, with_keystore(cmd_derive), _announce),
    Command("import-wrapped", add_import_wrapped, with_keystore(cmd_import_wrapped), _announce),
    Command("wrap", add_wrap, with_keystore(cmd_wrap), _announce),
    Command("unwrap", add_unwrap, with_keystore(cmd_unwrap), _announce),
    Command("attest", add_attest, with_keystore(cmd_attest), _announce),
)
