"""``hukspy csr|cert ALIAS``: an X.509 certificate signing request, or a self-signed certificate, for a
key in the keystore, signed by the key itself through ``Keystore.private_key`` (docs/cryptography.md):
the private key never leaves the keystore (on a token or a TPM the signature is made there).

- ``csr ALIAS --subject "CN=...,O=..." [--san DNS:name]...``: a PKCS#10 request (``openssl req -verify``
  checks it).
- ``cert ALIAS --subject ... --days N [--san ...]``: a self-signed certificate valid from now for N
  days, with ``basicConstraints=critical,CA:TRUE``, subject and authority key identifiers, as
  ``openssl req -x509`` makes (``openssl verify -CAfile cert.pem cert.pem`` checks it).

``--subject`` is an RFC 4514 string (``CN=host,O=Example``; the same order ``openssl -subject`` prints
reversed); ``--san`` is ``DNS:name``, ``IP:address``, ``email:address`` or ``URI:uri``, repeatable.
``--digest`` defaults to the key's stored DIGEST, else SHA-256 (none for Ed25519); an RSA key signs with
PKCS#1 v1.5 unless its stored PADDING is PSS or ``--padding pss`` is given. The result goes to ``-o FILE``
or stdout in ``--format pem`` (default) or ``der``; a ``.pem`` path holds PEM. With ``--json`` the
result (``{"alias", "subject", "pem", ...}``) is printed and ``-o`` is written too when given.

Errors: a malformed ``--subject``, ``--san`` or ``--days`` is 401 (``error 401: ...``, checked before the
keystore opens); then what ``Keystore.private_key`` and the signature raise (12000011 no such key,
12000003 a key that cannot sign certificates, 401 a digest or padding the key does not allow).
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias

from hukspy.cli.command import Command, Context, Subparsers, by_name
from hukspy.cli.options import EnumArg, Parents, key_props, level_params, pick
from hukspy.cli.output import Result, UsageError
from hukspy.cli.streams import open_output
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksOptions

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from hukspy.keystore import Keystore
    from hukspy.pyca import HuksKey

__all__ = ["COMMANDS", "cmd_cert", "cmd_csr", "parse_days", "parse_san", "parse_subject"]

_TAG = HuksTag
#: The latest notAfter a certificate can carry (RFC 5280 §4.1.2.5: GeneralizedTime up to 9999).
_LAST: Final = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
#: ``--san`` prefixes (case-insensitive) → what they name.
_SAN_KINDS: Final = ("DNS", "IP", "email", "URI")


def parse_subject(text: str) -> x509.Name:
    """The ``--subject`` RFC 4514 string as an X.509 name. Raises ``HuksError`` 401 for a string that is
    not one, or names no attribute."""
    from cryptography import x509

    try:
        name = x509.Name.from_rfc4514_string(text)
    except ValueError as exc:
        why = f" ({exc})" if str(exc) else ""
        raise HuksError(401, f"--subject {text!r} is not an RFC 4514 name like CN=a,O=b{why}") from None
    if not len(name):
        raise HuksError(401, "--subject names no attribute (give at least CN=...)")
    return name


def parse_san(text: str) -> x509.GeneralName:
    """One ``--san`` value (``DNS:``, ``IP:``, ``email:``, ``URI:`` and a non-empty value). Raises
    ``HuksError`` 401 otherwise."""
    from cryptography import x509

    kind, sep, value = text.partition(":")
    kinds = {k.lower(): k for k in _SAN_KINDS}
    if not sep or kind.lower() not in kinds or not value:
        raise HuksError(401, f"--san {text!r}: expected DNS:name, IP:address, email:address or URI:uri")
    try:
        match kinds[kind.lower()]:
            case "DNS":
                return x509.DNSName(value)
            case "IP":
                return x509.IPAddress(ipaddress.ip_address(value))
            case "email":
                return x509.RFC822Name(value)
            case _:
                return x509.UniformResourceIdentifier(value)
    except ValueError as exc:
        raise HuksError(401, f"--san {text!r}: {exc}") from None


def parse_days(text: str, now: datetime.datetime) -> datetime.datetime:
    """The notAfter of ``--days N`` from ``now``: N a whole number of at least 1 that ends no later than
    9999-12-31. Raises ``HuksError`` 401 otherwise."""
    try:
        days = int(text, 10)
    except ValueError:
        raise HuksError(401, f"--days {text!r} is not a whole number of days") from None
    if days < 1:
        raise HuksError(401, f"--days {days}: a certificate must be valid for at least 1 day")
    if days > (_LAST - now).days:
        raise HuksError(401, f"--days {days} ends after 9999-12-31, the last date a certificate can carry")
    return now + datetime.timedelta(days=days)


@dataclass(frozen=True)
class _Request:
    """A checked command line: the subject, the SANs, and (``cert``) the notAfter."""

    subject: x509.Name
    sans: list[x509.GeneralName]
    not_after: datetime.datetime | None
    now: datetime.datetime


def _request(args: argparse.Namespace) -> _Request:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    days = getattr(args, "days", None)
    return _Request(
        parse_subject(args.subject),
        [parse_san(s) for s in args.san or []],
        None if days is None else parse_days(days, now),
        now,
    )


_Hash: TypeAlias = "hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512"
_Padding: TypeAlias = "padding.PSS | padding.PKCS1v15"


def _signing(ks: Keystore, args: argparse.Namespace) -> tuple[HuksKey, _Hash | None, _Padding | None]:
    """The key object of ``args.alias`` and the digest and RSA padding it signs with (module docstring).
    Raises what ``private_key`` raises."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding as asym_padding

    from hukspy.backend.facts import DIGESTS

    key = ks.private_key(args.alias, HuksOptions(level_params(args)))
    props = key_props(ks, args.alias, args)
    alg = props.get(_TAG.HUKS_TAG_ALGORITHM)
    if alg == HuksKeyAlg.HUKS_ALG_ED25519:
        return key, None, None
    digest = pick(args.digest, props, _TAG.HUKS_TAG_DIGEST)
    facts = DIGESTS.get(HuksKeyDigest.HUKS_DIGEST_SHA256 if digest is None else digest)
    hash_ = None if facts is None else facts.hash()
    if not isinstance(hash_, hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512):
        raise HuksError(401, "the digest of a certificate signature is sha224, sha256, sha384 or sha512")
    pad: _Padding | None = None
    if alg == HuksKeyAlg.HUKS_ALG_RSA:
        chosen = pick(args.padding, props, _TAG.HUKS_TAG_PADDING)
        if chosen == HuksKeyPadding.HUKS_PADDING_PSS:
            pad = asym_padding.PSS(asym_padding.MGF1(hash_), asym_padding.PSS.DIGEST_LENGTH)
        elif args.padding in (None, HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5):
            pad = asym_padding.PKCS1v15()
        else:
            raise HuksError(401, "--padding: an RSA certificate signature is pkcs1_v1_5 or pss")
    return key, hash_, pad


def _write(args: argparse.Namespace, what: str, pem: bytes, der: bytes, extra: Result) -> Result:
    """Write the PEM or DER result to ``-o``/stdout (not to stdout with ``--json``); the JSON result."""
    if args.output is not None or not args.json:
        with open_output(args.output) as out:
            out.write(pem if args.format == "pem" else der)
    if not args.json:
        return {}
    return {"alias": args.alias, **extra, what: pem.decode("ascii")}


def cmd_csr(context: Context, args: argparse.Namespace) -> Result:
    """A certificate signing request for ``args.alias`` (module docstring). Raises ``HuksError`` 401 for
    a bad ``--subject``/``--san`` before the keystore opens, then what the key object raises."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    request = _request(args)
    key, hash_, pad = _signing(context.keystore, args)
    builder = x509.CertificateSigningRequestBuilder().subject_name(request.subject)
    if request.sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(request.sans), critical=False)
    csr = builder.sign(key, hash_, rsa_padding=pad)
    pem, der = csr.public_bytes(serialization.Encoding.PEM), csr.public_bytes(serialization.Encoding.DER)
    return _write(args, "csr", pem, der, {"subject": request.subject.rfc4514_string()})


def cmd_cert(context: Context, args: argparse.Namespace) -> Result:
    """A self-signed certificate for ``args.alias`` (module docstring). Raises ``HuksError`` 401 for a
    bad ``--subject``/``--san``/``--days`` before the keystore opens, then what the key object raises."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    request = _request(args)
    assert request.not_after is not None  # noqa: S101 - --days is required by the parser
    key, hash_, pad = _signing(context.keystore, args)
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(request.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(request.now)
        .not_valid_after(request.not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
    )
    if request.sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(request.sans), critical=False)
    cert = builder.sign(key, hash_, rsa_padding=pad)
    pem, der = cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)
    extra: Result = {
        "subject": request.subject.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }
    return _write(args, "certificate", pem, der, extra)


def _check(args: argparse.Namespace) -> None:
    """A ``.pem`` output path holds PEM: ``--format der`` with one is a ``UsageError``."""
    if str(args.output or "").lower().endswith(".pem") and args.format != "pem":
        raise UsageError(f"{args.output} is a .pem path: --format {args.format} would not write PEM")


def _options(parents: Parents) -> list[argparse.ArgumentParser]:
    opts = argparse.ArgumentParser(add_help=False)
    opts.add_argument("--subject", required=True, help='RFC 4514 name, e.g. "CN=host.example,O=Example"')
    opts.add_argument(
        "--san", action="append", metavar="KIND:VALUE",
        help="subjectAltName: DNS:name, IP:address, email:address or URI:uri (repeatable)",
    )
    opts.add_argument("--digest", type=EnumArg(HuksKeyDigest), help="default: the key's, else sha256")
    opts.add_argument("--padding", type=EnumArg(HuksKeyPadding), help="RSA: pkcs1_v1_5 (default) or pss")
    opts.add_argument("--format", choices=("pem", "der"), default="pem", help="pem (default) or der")
    return [parents.keyed, parents.output, opts]


def add_csr(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    return sub.add_parser(
        "csr", parents=_options(parents), help="a certificate signing request signed by the key (PEM)"
    )


def add_cert(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "cert", parents=_options(parents), help="a self-signed certificate signed by the key (PEM)"
    )
    p.add_argument("--days", required=True, metavar="N", help="valid from now for N days")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("csr", add_csr, cmd_csr, check=_check),
    Command("cert", add_cert, cmd_cert, check=_check),
)
