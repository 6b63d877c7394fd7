"""``hukspy import ALIAS FILE``: import a key from a file.

Raw bytes for symmetric keys; SPKI DER or raw 32-byte 25519 public keys; the HUKS key-material structs
(``hukspy.formats`` writes and reads them); or a PEM key, or a DER private key, which is converted and
fills in ``--alg``, ``--size`` and ``--type`` when they are left out.
"""

from __future__ import annotations

import argparse
import contextlib
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.options import EnumArg, Parents, key_params
from hukspy.cli.output import Result, announce
from hukspy.cli.streams import open_input
from hukspy.enums import HuksImportKeyType, HuksKeyAlg, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "cmd_import", "import_material"]

#: The largest key file ``import`` reads (more is passed on truncated and refused by the keystore).
_READ_LIMIT: Final = 16 * 1024 * 1024


def cmd_import(ks: Keystore, args: argparse.Namespace) -> Result:
    """Import the key in ``args.file`` as ``args.alias``. Raises what ``import_key_item`` raises, and
    ``import_material``'s errors."""
    with open_input(args.file) as src:
        data = src.file.read(_READ_LIMIT + 1)
    alg, size, import_type, material = import_material(data, args.alg, args.size, args.type)
    args.alg, args.size, args.type = alg, size, import_type
    params = key_params(args)
    if args.type is not None:
        params.append(HuksParam(HuksTag.HUKS_TAG_IMPORT_KEY_TYPE, args.type))
    ks.import_key_item(args.alias, HuksOptions(params, material))
    return {"alias": args.alias, "imported": True}


def import_material(
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


def add_import(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "import",
        parents=[parents.keyed, parents.spec],
        help="import a key from a file",
        description="Import a key: raw bytes for symmetric keys; SPKI DER or raw 32-byte 25519 public keys; "
        "the HUKS key-material structs; or a PEM key, or a DER private key, which is converted "
        "(and gives --alg and --size when they are left out).",
    )
    p.add_argument(
        "--type", type=EnumArg(HuksImportKeyType), help="pair, private or public (asymmetric keys)"
    )
    p.add_argument("file", help="the key file ('-' for stdin)")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("import", add_import, with_keystore(cmd_import), announce)
)
