"""What this TPM can do: probed at open (``GetCapability``, ``TestParms``) and declared as data.

The tables here are the one copy of each HUKS ↔ TPM correspondence (the TPM column of a digest, a
curve, a cipher mode); the facts about the algorithms themselves (hash sizes, DigestInfo prefixes, pyca
curves) are ``hukspy.backend.facts``'. ``probe`` asks the TPM which algorithms, curves, key sizes and
hashes it has, and ``capabilities`` turns that into the ``hukspy.backend.Capabilities`` of what the
TPM itself can do. The facade filters them by HUKS policy; ``hukspy.backend.sealed.Sealing`` adds the
sealed keys of ``?fallback=sealed``. Only what the backend implements on top of what the TPM reports
is declared; the conformance suite tests each entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from tpm2_pytss import TSS2_Exception
from tpm2_pytss.constants import TPM2_ALG, TPM2_CAP, TPM2_ECC, TPM2_PT
from tpm2_pytss.types import TPM2B_PUBLIC, TPMT_PUBLIC_PARMS

from hukspy.backend import Capabilities, KeyCap, OpCap
from hukspy.backend.facts import rsa_fits
from hukspy.enums import HuksCipherMode, HuksImportKeyType, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding
from hukspy.spec import OpKind

from .attest import ATTEST_SUPPORTED
from .tpm import Tpm

__all__ = [
    "AES_MODES",
    "TPM_CURVES",
    "TPM_HASHES",
    "TpmInfo",
    "capabilities",
    "probe",
]

D = HuksKeyDigest
#: The HUKS digests this backend serves (``hukspy.backend.facts.DIGESTS`` has their facts) → the TPM's
#: hash algorithm, or None where the TPM has none (MD5, SHA-224: hashed on the host only).
TPM_HASHES: Final[Mapping[int, int | None]] = {
    D.HUKS_DIGEST_MD5: None,
    D.HUKS_DIGEST_SHA1: TPM2_ALG.SHA1,
    D.HUKS_DIGEST_SHA224: None,
    D.HUKS_DIGEST_SHA256: TPM2_ALG.SHA256,
    D.HUKS_DIGEST_SHA384: TPM2_ALG.SHA384,
    D.HUKS_DIGEST_SHA512: TPM2_ALG.SHA512,
}

#: HUKS ECC key size → the TPM's curve (``hukspy.backend.facts.CURVES`` has the curve's facts).
TPM_CURVES: Final[Mapping[int, int]] = {
    224: TPM2_ECC.NIST_P224,
    256: TPM2_ECC.NIST_P256,
    384: TPM2_ECC.NIST_P384,
    521: TPM2_ECC.NIST_P521,
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
    curves = {size for size, c in TPM_CURVES.items() if c in tpm_curves and TPM2_ALG.ECC in algs}
    hashes = {d for d, alg in TPM_HASHES.items() if alg is not None and alg in algs}
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


def capabilities(info: TpmInfo) -> Capabilities:
    """What a TPM with ``info`` can do with keys inside it (before HUKS policy and sealed keys)."""
    keys: set[KeyCap] = set()
    ops: set[OpCap] = set()
    host_digests = [int(d) for d in TPM_HASHES]  # hashing for sign/verify happens on the host
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
    return Capabilities(
        backend="tpm2",
        keys=frozenset(keys),
        ops=frozenset(ops),
        attest=ATTEST_SUPPORTED,
        wrap=False,
        security_level="tpm",
        secure_element=True,
    )
