"""``hukspy encrypt|decrypt ALIAS``: a stream through a cipher session.

File format (``--raw`` turns the framing off)::

    CBC, CTR, OFB, CFB:  iv ‖ ciphertext                 (iv: 16 bytes; 8 for DES/3DES)
    GCM, CCM:            ciphertext ‖ tag(16) ‖ nonce(12)
    ECB, RSA:            ciphertext

GCM/CCM files have the layout the Python API returns when it draws the nonce (README "Use"), so a file
made by either decrypts in the other; ``decrypt --nonce-first`` reads the layout of earlier versions of
this command (``nonce ‖ ciphertext ‖ tag``). ``encrypt`` draws a random IV or nonce unless
``--iv``/``--nonce`` gives one; ``decrypt`` reads them from its input. With ``--raw`` the input and
output are exactly what HUKS consumes and produces: the IV or nonce must then be given on both sides
(GCM without ``--nonce``: HUKS draws the nonce and the output is ``ciphertext ‖ tag ‖ nonce``, which
``decrypt --raw`` without ``--nonce`` reads back). HUKS takes the GCM/CCM tag at ``init_session``, so
``decrypt`` reads it (and the nonce) from the end of the input first: a file is seeked, a pipe is first
spooled to an anonymous temporary file (never into memory). Streaming decrypt produces plaintext before
the tag is checked: with ``-o FILE`` the output is written to a temporary file that replaces FILE only
on success; on stdout, a failed tag check (exit 1, error 12000006) means the bytes already written must
be discarded.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Final

from hukspy import policy
from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.options import EnumArg, Parents, hex_arg, key_props, level_params, pick, session_params
from hukspy.cli.output import Result, UsageError
from hukspy.cli.streams import Progress, chunks, open_input, open_output, pin_token, run_session
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksParam, ParamValue

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["AE_MODES", "BLOCK_BYTES", "COMMANDS", "IV_MODES", "NONCE_LEN", "TAG_LEN", "check_json_output",
           "cmd_decrypt", "cmd_encrypt"]

#: Modes that take an IV of one block, modes with a nonce and a tag, and the block (IV) size of each
#: block cipher: the tables of ``hukspy.policy``.
IV_MODES: Final = policy.IV_MODES
AE_MODES: Final = policy.AE_MODES
BLOCK_BYTES: Final = policy.BLOCK_BYTES
#: The framing of ``encrypt``/``decrypt`` (module docstring).
NONCE_LEN: Final = 12
TAG_LEN: Final = 16

_TAG = HuksTag
_MODE = HuksCipherMode


def _cipher_setup(
    props: Mapping[int, ParamValue], args: argparse.Namespace, kind: str
) -> tuple[list[HuksParam], int | None, int]:
    """The init params of a cipher session shared by encrypt and decrypt, the mode and the IV length.

    Unset options take the key's stored value; an AES key with no stored mode defaults to GCM, a
    symmetric cipher to NONE padding (PKCS7 for CBC/ECB), an RSA key to OAEP with SHA-256."""
    alg = int(props.get(_TAG.HUKS_TAG_ALGORITHM, 0))
    mode = pick(args.mode, props, _TAG.HUKS_TAG_BLOCK_MODE)
    symmetric = alg not in (HuksKeyAlg.HUKS_ALG_RSA, HuksKeyAlg.HUKS_ALG_SM2)
    if mode is None and alg == HuksKeyAlg.HUKS_ALG_AES:
        mode = _MODE.HUKS_MODE_GCM
    padding = pick(args.padding, props, _TAG.HUKS_TAG_PADDING)
    if padding is None:
        if symmetric:
            block = mode in (_MODE.HUKS_MODE_CBC, _MODE.HUKS_MODE_ECB)
            padding = HuksKeyPadding.HUKS_PADDING_PKCS7 if block else HuksKeyPadding.HUKS_PADDING_NONE
        elif alg == HuksKeyAlg.HUKS_ALG_RSA:
            padding = HuksKeyPadding.HUKS_PADDING_OAEP
    digest = pick(args.digest, props, _TAG.HUKS_TAG_DIGEST)
    if digest is None and padding == HuksKeyPadding.HUKS_PADDING_OAEP:
        digest = HuksKeyDigest.HUKS_DIGEST_SHA256
    params = session_params(props, kind)
    for tag, value in (
        (_TAG.HUKS_TAG_BLOCK_MODE, mode),
        (_TAG.HUKS_TAG_PADDING, padding),
        (_TAG.HUKS_TAG_DIGEST, digest),
    ):
        if value is not None:
            params.append(HuksParam(tag, value))
    if args.aad is not None:
        params.append(HuksParam(_TAG.HUKS_TAG_ASSOCIATED_DATA, args.aad))
    iv_len = BLOCK_BYTES.get(alg, 16)
    return params + level_params(args), mode, iv_len


def check_json_output(args: argparse.Namespace) -> None:
    """``--json`` prints the result on stdout, so the data must go to ``-o FILE``: a ``UsageError``
    otherwise."""
    if args.json and args.output in (None, "-"):
        raise UsageError("--json needs -o FILE for encrypt and decrypt")


def cmd_encrypt(ks: Keystore, args: argparse.Namespace) -> Result:
    """Encrypt ``args.input`` to ``args.output`` in the framed format (module docstring). Raises what
    the session raises; 401 for a ``--nonce`` the framing cannot hold."""
    params, mode, iv_len = _cipher_setup(key_props(ks, args.alias, args), args, "encrypt")
    header = trailer = b""
    if mode in IV_MODES:
        iv = args.iv if args.iv is not None else (None if args.raw else secrets.token_bytes(iv_len))
        if iv is not None:
            params.append(HuksParam(_TAG.HUKS_TAG_IV, iv))
            header = iv
    elif mode in AE_MODES:
        nonce = (
            args.nonce if args.nonce is not None else (None if args.raw else secrets.token_bytes(NONCE_LEN))
        )
        if nonce is not None:
            params.append(HuksParam(_TAG.HUKS_TAG_NONCE, nonce))
            trailer = nonce
    if args.raw:
        header = trailer = b""
    elif mode in AE_MODES and len(trailer) != NONCE_LEN:  # (a wrong IV length is the keystore's 12000003)
        raise HuksError(401, f"the framed format takes a {NONCE_LEN}-byte nonce (see --raw)")
    written = 0
    with open_input(args.input) as src, open_output(args.output) as out:
        progress = Progress(src.size, "encrypt", quiet=args.quiet)

        def sink(data: bytes) -> None:
            nonlocal written
            out.write(data)
            written += len(data)

        sink(header)
        try:
            sink(run_session(ks, args.alias, params, chunks(src.file, progress=progress), sink,
                             token=pin_token(ks, args)))
            sink(trailer)
        finally:
            progress.close()
    return {"alias": args.alias, "bytes_in": progress.done, "bytes_out": written, "output": args.output}


def cmd_decrypt(ks: Keystore, args: argparse.Namespace) -> Result:
    """Decrypt ``args.input`` (framed, module docstring) to ``args.output``. Raises what the session
    raises (12000006 for a failed tag check); 12000006 for an input shorter than its framing, 401 for
    a ``--iv``/``--nonce`` that differs from the one in the input. ``--nonce-first``: the GCM/CCM layout
    of earlier versions (``nonce ‖ ciphertext ‖ tag``)."""
    params, mode, iv_len = _cipher_setup(key_props(ks, args.alias, args), args, "decrypt")
    ae = mode in AE_MODES
    written = 0
    with open_input(args.input, seekable=ae) as src:
        f, left = src.file, src.size
        if mode in IV_MODES:
            iv = args.iv if args.raw else _read_header(f, iv_len, args.iv, "IV")
            if left is not None and not args.raw:
                left -= iv_len
            if iv is not None:
                params.append(HuksParam(_TAG.HUKS_TAG_IV, iv))
        elif ae:
            assert left is not None  # noqa: S101 - open_input(seekable=True) knows the size
            nonce = args.nonce if args.raw else None
            if getattr(args, "nonce_first", False) and not args.raw:
                nonce = _read_header(f, NONCE_LEN, args.nonce, "nonce")
                left -= NONCE_LEN
            start = f.tell()
            body = left - TAG_LEN - (NONCE_LEN if nonce is None else 0)
            if body < 0:
                raise HuksError(12000006, "decrypt: the input is shorter than its nonce and tag")
            f.seek(start + body)
            tag = f.read(TAG_LEN)
            if nonce is None:
                nonce = _check_given(f.read(NONCE_LEN), args.nonce, "nonce")
            f.seek(start)
            params += [HuksParam(_TAG.HUKS_TAG_NONCE, nonce), HuksParam(_TAG.HUKS_TAG_AE_TAG, tag)]
            left = body
        with open_output(args.output) as out:
            progress = Progress(left, "decrypt", quiet=args.quiet)

            def sink(data: bytes) -> None:
                nonlocal written
                out.write(data)
                written += len(data)

            try:
                sink(run_session(ks, args.alias, params, chunks(f, left if ae else None, progress), sink,
                                 token=pin_token(ks, args)))
            finally:
                progress.close()
    return {"alias": args.alias, "bytes_in": progress.done, "bytes_out": written, "output": args.output}


def _read_header(f: IO[bytes], n: int, given: bytes | None, what: str) -> bytes:
    """The ``n``-byte IV or nonce at the head of a framed input; a ``--iv``/``--nonce`` given as well
    must be the same (401 otherwise), and a short input is 12000006."""
    head = f.read(n)
    if len(head) != n:
        raise HuksError(12000006, f"decrypt: the input is shorter than its {what}")
    return _check_given(head, given, what)


def _check_given(found: bytes, given: bytes | None, what: str) -> bytes:
    """``found``, the IV or nonce in the input; 401 when a ``--iv``/``--nonce`` was given that differs."""
    if given is not None and given != found:
        raise HuksError(401, f"the --{what.lower()} given differs from the {what} in the input (see --raw)")
    return found


EPILOG: Final = """\
file format (without --raw):
  CBC, CTR, OFB, CFB:  iv(16; 8 for DES/3DES) || ciphertext
  GCM, CCM:            ciphertext || tag(16) || nonce(12)   (the Python API's layout)
  ECB, RSA:            ciphertext
encrypt draws a random IV/nonce unless --iv/--nonce is given; decrypt reads it from the input (a
--iv/--nonce given to decrypt must then be the same). decrypt --nonce-first reads GCM/CCM files of
earlier versions: nonce(12) || ciphertext || tag(16).
--raw: no framing, exactly what HUKS produces (GCM: ciphertext || tag, and || nonce(12) when encrypt
had no --nonce); give the same --iv/--nonce to decrypt. GCM/CCM decrypt reads the tag from the end of
the input first (a pipe is spooled to a temporary file). Plaintext written to stdout before a failed tag
check (error 12000006) must be discarded; with -o FILE, FILE is only written on success.
defaults: the key's stored mode/padding/digest; else AES: GCM; CBC/ECB: PKCS7; RSA: OAEP with SHA-256.
"""


def _add_parser(name: str) -> Callable[[Subparsers, Parents], argparse.ArgumentParser]:
    def add(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            parents=[parents.keyed, parents.io],
            help=f"{name} a stream",
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--mode", type=EnumArg(HuksCipherMode))
        p.add_argument("--padding", type=EnumArg(HuksKeyPadding))
        p.add_argument("--digest", type=EnumArg(HuksKeyDigest), help="OAEP digest")
        p.add_argument("--iv", type=hex_arg, help="IV in hex (CBC/CTR/OFB/CFB)")
        p.add_argument("--nonce", type=hex_arg, help="nonce in hex (GCM/CCM)")
        p.add_argument("--aad", type=hex_arg, help="associated data in hex (GCM/CCM)")
        p.add_argument("--raw", action="store_true", help="no framing (see below)")
        if name == "decrypt":
            p.add_argument(
                "--nonce-first",
                action="store_true",
                help="GCM/CCM: the old layout nonce || ciphertext || tag",
            )
        return p

    return add


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("encrypt", _add_parser("encrypt"), with_keystore(cmd_encrypt), check=check_json_output),
    Command("decrypt", _add_parser("decrypt"), with_keystore(cmd_decrypt), check=check_json_output),
)
