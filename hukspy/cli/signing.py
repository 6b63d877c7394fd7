"""``hukspy sign|verify|mac ALIAS``: a stream through a signature or MAC session.

``sign`` and ``mac`` write the result to ``-o FILE`` or stdout in ``--format raw|hex|base64`` (default
raw, whatever stdout is); ``verify`` reads ``--signature FILE`` in the same ``--format`` and exits 1
(error 12000006) when it does not match.
Unset options take the key's stored DIGEST and PADDING; else SHA-256 (not for Ed25519) and, for RSA, PSS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.options import (
    EnumArg,
    Parents,
    add_byte_format,
    key_props,
    level_params,
    pick,
    session_params,
)
from hukspy.cli.output import Result, decode_bytes, emit_bytes
from hukspy.cli.streams import Progress, chunks, open_input, pin_token, run_session, stdout_is_tty
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksRsaPssSaltLenType, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksParam, ParamValue

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "cmd_mac", "cmd_sign", "cmd_verify"]

_TAG = HuksTag


def _sign_params(props: Mapping[int, ParamValue], args: argparse.Namespace, kind: str) -> list[HuksParam]:
    """Init params of sign/verify: the key's DIGEST and PADDING unless given (RSA default: PSS;
    digest default SHA-256 except Ed25519)."""
    alg = int(props.get(_TAG.HUKS_TAG_ALGORITHM, 0))
    params = session_params(props, kind) + level_params(args)
    digest = pick(args.digest, props, _TAG.HUKS_TAG_DIGEST)
    if digest is None and alg != HuksKeyAlg.HUKS_ALG_ED25519:
        digest = HuksKeyDigest.HUKS_DIGEST_SHA256
    padding = pick(args.padding, props, _TAG.HUKS_TAG_PADDING)
    if padding is None and alg == HuksKeyAlg.HUKS_ALG_RSA:
        padding = HuksKeyPadding.HUKS_PADDING_PSS
    for tag, value in (
        (_TAG.HUKS_TAG_DIGEST, digest),
        (_TAG.HUKS_TAG_PADDING, padding),
        (_TAG.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE, args.salt_len),
    ):
        if value is not None:
            params.append(HuksParam(tag, value))
    return params


def _stream(ks: Keystore, args: argparse.Namespace, params: list[HuksParam], label: str,
            final: bytes = b"") -> bytes:
    """Run one session over ``args.input`` (a progress bar on a terminal); return the finish output."""
    with open_input(args.input) as src:
        progress = Progress(src.size, label, quiet=args.quiet)
        try:
            return run_session(ks, args.alias, params, chunks(src.file, progress=progress), final=final,
                               token=pin_token(ks, args))
        finally:
            progress.close()


def cmd_sign(ks: Keystore, args: argparse.Namespace) -> Result:
    """Sign ``args.input``. Raises what the session raises."""
    params = _sign_params(key_props(ks, args.alias, args), args, "sign")
    return emit_bytes(_stream(ks, args, params, "sign"), args, "signature")


def cmd_verify(ks: Keystore, args: argparse.Namespace) -> Result:
    """Verify ``args.signature`` (in ``--format``) over ``args.input``. Raises what the session raises
    (12000006 for a signature that does not match), 12000004 for a signature file that cannot be read,
    401 for one that is not in ``--format``."""
    params = _sign_params(key_props(ks, args.alias, args), args, "verify")
    try:
        text = Path(args.signature).read_bytes()
    except OSError as exc:
        raise HuksError(12000004, f"read {args.signature}: {exc.strerror}") from exc
    signature = decode_bytes(text, args.format, f"the signature {args.signature}")
    _stream(ks, args, params, "verify", final=signature)
    return {"alias": args.alias, "verified": True}


def _verified_text(args: argparse.Namespace, result: Result) -> None:
    print("verified: OK", file=sys.stderr if not stdout_is_tty() else sys.stdout)


def cmd_mac(ks: Keystore, args: argparse.Namespace) -> Result:
    """MAC ``args.input`` with the key's digest unless ``--digest`` is given. Raises what the session
    raises."""
    props = key_props(ks, args.alias, args)
    params = session_params(props, "mac") + level_params(args)
    digest = pick(args.digest, props, _TAG.HUKS_TAG_DIGEST)
    if digest is not None:
        params.append(HuksParam(_TAG.HUKS_TAG_DIGEST, digest))
    return emit_bytes(_stream(ks, args, params, "mac"), args, "mac")


def _signature_options() -> argparse.ArgumentParser:
    sig = argparse.ArgumentParser(add_help=False)
    sig.add_argument("--digest", type=EnumArg(HuksKeyDigest), help="default: the key's, else sha256")
    sig.add_argument("--padding", type=EnumArg(HuksKeyPadding), help="RSA: pss (default), pkcs1_v1_5, none")
    sig.add_argument(
        "--salt-len", type=EnumArg(HuksRsaPssSaltLenType), help="PSS salt: max (default), digest"
    )
    return sig


def add_sign(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "sign",
        parents=[parents.keyed, parents.io, _signature_options()],
        help="sign a stream (the signature: raw, hex or base64)",
    )
    add_byte_format(p, "how the signature is written")
    return p


def add_verify(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "verify", parents=[parents.keyed, _signature_options()],
        help="verify a signature over a stream (exit 1 if bad)",
    )
    p.add_argument("-i", "--input", help="input file (default stdin)")
    p.add_argument("--signature", required=True, help="the signature file, as sign wrote it")
    add_byte_format(p, "how the signature file is written")
    return p


def add_mac(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "mac",
        parents=[parents.keyed, parents.io],
        help="MAC a stream (raw, hex or base64)",
    )
    add_byte_format(p, "how the MAC is written")
    p.add_argument("--digest", type=EnumArg(HuksKeyDigest), help="default: the key's")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("sign", add_sign, with_keystore(cmd_sign)),
    Command("verify", add_verify, with_keystore(cmd_verify), _verified_text),
    Command("mac", add_mac, with_keystore(cmd_mac)),
)
