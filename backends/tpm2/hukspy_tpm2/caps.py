"""What this TPM can do: probed at open (``GetCapability``, ``TestParms``) and declared as data.

The tables here are the one copy of each HUKS ↔ TPM correspondence (digests, curves, cipher modes).
``probe`` asks the TPM which algorithms, curves, key sizes and hashes it has, and ``capabilities``
turns that into the ``hukspy.backend.Capabilities`` the facade checks every request against. Only what
the backend implements on top of what the TPM reports is declared; the conformance suite tests each
entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec
from tpm2_pytss import TSS2_Exception
from tpm2_pytss.constants import TPM2_ALG, TPM2_CAP, TPM2_ECC, TPM2_PT
from tpm2_pytss.types import TPM2B_PUBLIC, TPMT_PUBLIC_PARMS

from hukspy.backend import Capabilities, KeyCap, OpCap
from hukspy.enums import HuksCipherMode, HuksImportKeyType, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding
from hukspy.policy import GEN_EXPECT
from hukspy.software.caps import rsa_fits
from hukspy.spec import OpKind

from .attest import ATTEST_SUPPORTED
from .tpm import Tpm

__all__ = [
    "AES_MODES",
    "CURVES",
    "DIGESTS",
    "Curve",
    "Digest",
    "TpmInfo",
    "capabilities",
    "probe",
]


@dataclass(frozen=True)
class Digest:
    """A HUKS digest: its hashlib name, size in bytes, TPM algorithm (None: the TPM lacks it, hashed
    on the host only), and the DER DigestInfo prefix of EMSA-PKCS1-v1_5."""

    name: str
    size: int
    tpm: int | None
    pkcs1_prefix: bytes


D = HuksKeyDigest
#: HUKS digest → host hash and TPM algorithm (RFC 8017 §9.2 note 1 for the prefixes).
DIGESTS: Final[Mapping[int, Digest]] = {
    D.HUKS_DIGEST_MD5: Digest("md5", 16, None, bytes.fromhex("3020300c06082a864886f70d020505000410")),
    D.HUKS_DIGEST_SHA1: Digest("sha1", 20, TPM2_ALG.SHA1, bytes.fromhex("3021300906052b0e03021a05000414")),
    D.HUKS_DIGEST_SHA224: Digest("sha224", 28, None, bytes.fromhex("302d300d06096086480165030402040500041c")),
    D.HUKS_DIGEST_SHA256: Digest(
        "sha256", 32, TPM2_ALG.SHA256, bytes.fromhex("3031300d060960864801650304020105000420")
    ),
    D.HUKS_DIGEST_SHA384: Digest(
        "sha384", 48, TPM2_ALG.SHA384, bytes.fromhex("3041300d060960864801650304020205000430")
    ),
    D.HUKS_DIGEST_SHA512: Digest(
        "sha512", 64, TPM2_ALG.SHA512, bytes.fromhex("3051300d060960864801650304020305000440")
    ),
}


@dataclass(frozen=True)
class Curve:
    """A HUKS ECC size: the TPM curve, the pyca curve, the field size in bytes, the order's bits."""

    tpm: int
    pyca: type[ec.EllipticCurve]
    size: int
    order_bits: int


#: HUKS ECC key size → curve.
CURVES: Final[Mapping[int, Curve]] = {
    224: Curve(TPM2_ECC.NIST_P224, ec.SECP224R1, 28, 224),
    256: Curve(TPM2_ECC.NIST_P256, ec.SECP256R1, 32, 256),
    384: Curve(TPM2_ECC.NIST_P384, ec.SECP384R1, 48, 384),
    521: Curve(TPM2_ECC.NIST_P521, ec.SECP521R1, 66, 521),
}

M = HuksCipherMode
#: HUKS AES mode → TPM mode.
AES_MODES: Final[Mapping[int, int]] = {
    M.HUKS_MODE_CFB: TPM2_ALG.CFB,
    M.HUKS_MODE_CBC: TPM2_ALG.CBC,
    M.HUKS_MODE_CTR: TPM2_ALG.CTR,
    M.HUKS_MODE_OFB: TPM2_ALG.OFB,
    M.HUKS_MODE_ECB: TPM2_ALG.ECB,
}
_BLOCK_MODES: Final = frozenset({M.HUKS_MODE_CBC, M.HUKS_MODE_ECB})
_RSA_SIZES: Final = (1024, 2048, 3072, 4096)
_AES_SIZES: Final = (128, 192, 256)
#: HMAC key sizes: any multiple of 8 bits up to MAX_SYM_DATA (128 bytes).
_HMAC_SIZES: Final = tuple(range(8, 1025, 8))


@dataclass(frozen=True)
class TpmInfo:
    """What the probe found."""

    algs: frozenset[int]
    hashes: frozenset[int]  # HUKS digests the TPM can hash/sign with
    curves: frozenset[int]  # HUKS ECC sizes
    rsa_sizes: frozenset[int]
    aes_sizes: frozenset[int]
    aes_modes: frozenset[int]  # HUKS modes
    lockout_recovery_s: int
    manufacturer: str


def _testparms(tpm: Tpm, template: str) -> bool:
    pub = TPM2B_PUBLIC.parse(template).publicArea
    try:
        tpm.esapi.test_parms(TPMT_PUBLIC_PARMS(type=pub.type, parameters=pub.parameters))
    except TSS2_Exception:
        return False
    return True


def _property(tpm: Tpm, prop: int) -> int:
    _, data = tpm.esapi.get_capability(TPM2_CAP.TPM_PROPERTIES, prop, 1)
    tp = data.data.tpmProperties
    if tp.count and int(tp.tpmProperty[0].property) == prop:
        return int(tp.tpmProperty[0].value)
    return 0


def probe(tpm: Tpm) -> TpmInfo:
    """Ask the TPM what it has (call with ``tpm.lock`` held, through ``Tpm.run``)."""
    e = tpm.esapi
    algs: set[int] = set()
    more, first = True, 0
    while more:
        more, data = e.get_capability(TPM2_CAP.ALGS, first, 128)
        props = data.data.algorithms
        for i in range(props.count):  # iterating TPML_* raises IndexError in tpm2-pytss 3.0.0
            algs.add(int(props.algProperties[i].alg))
        if props.count == 0:
            break
        first = int(props.algProperties[props.count - 1].alg) + 1
    _, cdata = e.get_capability(TPM2_CAP.ECC_CURVES, 0, 64)
    ccs = cdata.data.eccCurves
    tpm_curves = {int(ccs.eccCurves[i]) for i in range(ccs.count)}
    curves = {size for size, c in CURVES.items() if c.tpm in tpm_curves and TPM2_ALG.ECC in algs}
    hashes = {d for d, info in DIGESTS.items() if info.tpm is not None and info.tpm in algs}
    rsa = {n for n in _RSA_SIZES if TPM2_ALG.RSA in algs and _testparms(tpm, f"rsa{n}")}
    aes = {n for n in _AES_SIZES if TPM2_ALG.AES in algs and _testparms(tpm, f"aes{n}cfb")}
    modes = {m for m, t in AES_MODES.items() if t in algs}
    mfr = _property(tpm, TPM2_PT.MANUFACTURER).to_bytes(4, "big").decode("ascii", "replace").strip("\0 ")
    return TpmInfo(
        algs=frozenset(algs),
        hashes=frozenset(hashes),
        curves=frozenset(curves),
        rsa_sizes=frozenset(rsa),
        aes_sizes=frozenset(aes),
        aes_modes=frozenset(modes),
        lockout_recovery_s=_property(tpm, TPM2_PT.LOCKOUT_RECOVERY),
        manufacturer=mfr,
    )


A = HuksKeyAlg
P = HuksKeyPadding
_PRIV: Final = frozenset(
    {int(HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY), int(HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)}
)
_ALL_IMPORTS: Final = _PRIV | {int(HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY)}
_RAW: Final = frozenset({int(HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY)})


def _huks_allows(op: OpCap) -> bool:
    """Whether HUKS lets a key of ``op.key_alg`` have this mode/padding/digest (``policy.GEN_EXPECT``):
    what the TPM can do but no HUKS key can ask for is not declared."""
    expect = GEN_EXPECT.get(op.key_alg)
    if expect is None:
        return True
    return all(
        value is None or allowed is None or value in allowed
        for value, allowed in (
            (op.mode, expect.modes),
            (op.padding, expect.paddings),
            (op.digest, expect.digests),
        )
    )


def capabilities(info: TpmInfo, sealed: Capabilities | None = None) -> Capabilities:
    """The declared capabilities for a TPM with ``info``; ``sealed`` adds the software engine's
    entries that the TPM lacks, served as sealed keys (``?fallback=sealed``)."""
    keys: set[KeyCap] = set()
    ops: set[OpCap] = set()
    host_digests = [int(d) for d in DIGESTS]  # hashing for sign/verify happens on the host
    # RSA: every padding on the host (raw RSA in the TPM for what its schemes lack).
    if TPM2_ALG.RSA in info.algs and info.rsa_sizes:
        sizes = frozenset(info.rsa_sizes)
        for n in sizes:
            keys.add(KeyCap(A.HUKS_ALG_RSA, n, True, _ALL_IMPORTS))
        for d in [int(D.HUKS_DIGEST_NONE), *host_digests]:
            for kind in (OpKind.SIGN, OpKind.VERIFY):
                ops.add(OpCap(kind, A.HUKS_ALG_RSA, A.HUKS_ALG_RSA, None, P.HUKS_PADDING_PKCS1_V1_5, d))
                if d not in (D.HUKS_DIGEST_NONE, D.HUKS_DIGEST_MD5):
                    ops.add(OpCap(kind, A.HUKS_ALG_RSA, A.HUKS_ALG_RSA, None, P.HUKS_PADDING_PSS, d))
        # PKCS#1 v1.5 and raw RSA ciphers use no digest: also without DIGEST (None), as the software and
        # PKCS#11 keystores declare them (policy.RSA_NO_DIGEST_PADDINGS).
        cipher_digests: list[int | None] = [None, int(D.HUKS_DIGEST_NONE), *host_digests]
        for cd in cipher_digests:
            for pad in (P.HUKS_PADDING_PKCS1_V1_5, P.HUKS_PADDING_NONE):
                for kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
                    ops.add(OpCap(kind, A.HUKS_ALG_RSA, A.HUKS_ALG_RSA, None, pad, cd))
        for d in info.hashes:  # OAEP decrypt in the TPM (its hashes); encrypt on the host, the same set
            for kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
                ops.add(OpCap(kind, A.HUKS_ALG_RSA, A.HUKS_ALG_RSA, None, P.HUKS_PADDING_OAEP, d))
        # Each RSA operation only on the TPM's key sizes it fits (OAEP-SHA512 needs 1040 bits, ...), so
        # a sealed key of another size (?fallback=sealed) never matches a native entry.
        rsa_ops = {o for o in ops if o.key_alg == A.HUKS_ALG_RSA}
        ops -= rsa_ops
        for o in rsa_ops:
            fits = frozenset(n for n in sizes if rsa_fits(n, o.kind, o.padding or 0, o.digest))
            if fits:
                ops.add(dataclasses.replace(o, sizes=fits))
    # ECC: ECDSA (host hashing), ECDH.
    for n in info.curves:
        keys.add(KeyCap(A.HUKS_ALG_ECC, n, True, _ALL_IMPORTS))
    if info.curves:
        csizes = frozenset(info.curves)
        for d in [int(D.HUKS_DIGEST_NONE), *host_digests]:
            if d == D.HUKS_DIGEST_MD5:
                continue
            for kind in (OpKind.SIGN, OpKind.VERIFY):
                ops.add(OpCap(kind, A.HUKS_ALG_ECC, A.HUKS_ALG_ECC, None, None, d, csizes))
        if TPM2_ALG.ECDH in info.algs:
            ops.add(OpCap(OpKind.AGREE, A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH, None, None, None, csizes))
    # HMAC with the TPM's hashes.
    if TPM2_ALG.HMAC in info.algs and TPM2_ALG.KEYEDHASH in info.algs:
        for n in _HMAC_SIZES:
            keys.add(KeyCap(A.HUKS_ALG_HMAC, n, True, _RAW))
        for d in info.hashes:
            ops.add(OpCap(OpKind.MAC, A.HUKS_ALG_HMAC, A.HUKS_ALG_HMAC, None, None, d))
    # AES in EncryptDecrypt2's modes.
    for n in info.aes_sizes:
        keys.add(KeyCap(A.HUKS_ALG_AES, n, True, _RAW))
    for m in info.aes_modes:
        pads = (P.HUKS_PADDING_NONE, P.HUKS_PADDING_PKCS7) if m in _BLOCK_MODES else (P.HUKS_PADDING_NONE,)
        for pad in pads:
            for kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
                ops.add(OpCap(kind, A.HUKS_ALG_AES, A.HUKS_ALG_AES, m, pad, None, frozenset(info.aes_sizes)))
    sealed_pairs: frozenset[tuple[int, int]] = frozenset()
    if sealed is not None:
        have = {(k.alg, k.size) for k in keys}
        extra = {k for k in sealed.keys if (k.alg, k.size) not in have}
        # AES keys are sealed too: a TPM AES key could not serve GCM/CCM, the main HUKS AES modes.
        aes = {k for k in sealed.keys if k.alg == A.HUKS_ALG_AES}
        sealed_pairs = frozenset((k.alg, k.size) for k in extra | aes)
        keys = {k for k in keys if k.alg != A.HUKS_ALG_AES} | extra | aes
        ops = {o for o in ops if o.key_alg != A.HUKS_ALG_AES}
        native_sizes: dict[int, set[int]] = {}
        for k in keys:
            if (k.alg, k.size) not in sealed_pairs:
                native_sizes.setdefault(k.alg, set()).add(k.size)
        for op in sealed.ops:
            # A software operation applies to sealed keys only: keep the op_sizes of op.key_alg that are
            # sealed, and drop it where a native key of that size would receive it.
            op_sizes: set[int] = {sz for (alg, sz) in sealed_pairs if alg == op.key_alg}
            if op.sizes:
                op_sizes &= set(op.sizes)
            if not op_sizes:
                continue
            if not native_sizes.get(op.key_alg):
                ops.add(op)
            else:
                ops.add(dataclasses.replace(op, sizes=frozenset(op_sizes)))
    ops = {o for o in ops if _huks_allows(o)}
    return Capabilities(
        backend="tpm2",
        keys=frozenset(keys),
        ops=frozenset(ops),
        attest=ATTEST_SUPPORTED,
        wrap=False,
        sealed=sealed_pairs,
        security_level="tpm",
        hint="" if sealed is not None else "add ?fallback=sealed to the tpm2: URI for sealed keys",
    )
