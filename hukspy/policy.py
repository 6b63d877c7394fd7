"""The HUKS rules: which params a call needs, which values are allowed, and which code a mistake gets.

This is the one place where hukspy decides HUKS policy (huks-reference.md §4.1-4.5 and §6.3, and the
decisions of docs/decisions.md). The facade (``hukspy.keystore``) calls these functions; backends never
see a ``ParamSet``. Every per-algorithm fact is one module-level ``Final`` table below, named after the
upstream table it mirrors (``openharmony/security_huks``):

- ``frameworks/huks_standard/main/common/src/hks_base_check_policy.c``: key sizes, paddings, modes,
  digests per algorithm and check type (GEN_KEY / GEN_MAC_KEY / GEN_DERIVE_KEY), ``g_invalidPurpose``,
  ``g_invalidImportKeyPurpose``.
- ``frameworks/huks_standard/main/common/src/hks_base_check.c``: the order of the fixed checks (size,
  padding, purpose, digest, mode), ``CheckPurposeUnique``, the padding/mode compatibility
  (``HksCheckGenKeyMutableParams``), ``CheckImportMutableParams``, IV/nonce/AAD lengths.
- ``frameworks/huks_standard/main/common/src/hks_check_paramset.c``: ``CoreCheckGenKeyParams`` (the
  order of generate/import checks), the MAC/derive key path, import purposes of private keys
  (``CheckMutableParams``), PBKDF2 iteration and salt.
- ``services/huks_standard/huks_engine/main/core/src/hks_auth.c``: the init "auth policy" lists and
  ``OptionalParamCheck`` (a tag absent from the stored key is checked against the table instead).

Error codes (huks-reference.md §5): missing crypto argument 12000002 (CHECK_GET_*_FAIL), invalid value
12000003 (INVALID_*), argument errors 401, derive/agree storage mismatch 12000012, AE tag length
mismatch 12000018, unsupported 12000001.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from hukspy import authpolicy
from hukspy.backend.capabilities import Capabilities, OpCap
from hukspy.backend.facts import SYMMETRIC_ALGS
from hukspy.enums import (
    SENSITIVE_TAGS,
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksExceptionErrCode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksRsaPssSaltLenType,
    HuksTag,
    HuksUserAuthType,
)
from hukspy.errors import HuksError
from hukspy.params import ParamSet
from hukspy.spec import KeySpec, OpKind, OpSpec

__all__ = [
    "CreatePlan",
    "InitPlan",
    "StoreRequest",
    "allowed_capabilities",
    "check_alias",
    "check_block_input",
    "check_create",
    "check_finish_storage",
    "check_generate",
    "check_import",
    "check_init",
    "key_spec",
    "storage_level",
    "stored_params",
]

A = HuksKeyAlg
P = HuksKeyPurpose
D = HuksKeyDigest
PAD = HuksKeyPadding
M = HuksCipherMode
T = HuksTag

# ------------------------------------------------------------------------------ codes

E_ARG: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_ILLEGAL_ARGUMENT)  # 401
E_UNSUPPORTED: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_FEATURE_NOT_SUPPORTED)  # 12000001
E_MISSING: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_MISSING_CRYPTO_ALG_ARGUMENT)  # 12000002
E_INVALID: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_INVALID_CRYPTO_ALG_ARGUMENT)  # 12000003
E_EXTERNAL: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_EXTERNAL_ERROR)  # 12000012
E_BAD_ARGUMENT: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_INVALID_ARGUMENT)  # 12000018

#: Every code this module raises (the hypothesis test holds it to this set).
CODES: Final = frozenset({E_ARG, E_UNSUPPORTED, E_MISSING, E_INVALID, E_EXTERNAL, E_BAD_ARGUMENT})

# ------------------------------------------------------------------------------ aliases

#: HKS_MAX_KEY_ALIAS_LEN (hks_type.h): an alias is 1..128 bytes of UTF-8 (docs/decisions.md "aliases").
MAX_ALIAS_BYTES: Final = 128

# ------------------------------------------------------------------------------ purposes

_ENC_DEC: Final = P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT
_SIGN_VERIFY: Final = P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY
_WRAP_UNWRAP: Final = P.HUKS_KEY_PURPOSE_WRAP | P.HUKS_KEY_PURPOSE_UNWRAP
_DERIVE: Final = int(P.HUKS_KEY_PURPOSE_DERIVE)
_MAC: Final = int(P.HUKS_KEY_PURPOSE_MAC)
_AGREE: Final = int(P.HUKS_KEY_PURPOSE_AGREE)

#: The purpose classes of CheckPurposeUnique (hks_base_check.c): a key's purpose bits must fall in
#: exactly one of these, else INVALID_PURPOSE (12000003).
PURPOSE_CLASSES: Final[tuple[int, ...]] = (_ENC_DEC, _SIGN_VERIFY, _DERIVE, _WRAP_UNWRAP, _MAC, _AGREE)
ALL_PURPOSES: Final = _ENC_DEC | _SIGN_VERIFY | _DERIVE | _WRAP_UNWRAP | _MAC | _AGREE

#: g_invalidPurpose (hks_base_check_policy.c): the purpose bits each algorithm may NOT have.
INVALID_PURPOSE: Final[Mapping[int, int]] = {
    A.HUKS_ALG_RSA: _DERIVE | _MAC | _WRAP_UNWRAP | _AGREE,
    A.HUKS_ALG_ECC: _DERIVE | _MAC | P.HUKS_KEY_PURPOSE_WRAP | _ENC_DEC,
    A.HUKS_ALG_SM2: _DERIVE | _MAC | P.HUKS_KEY_PURPOSE_WRAP,
    A.HUKS_ALG_SM3: _DERIVE | _SIGN_VERIFY | _WRAP_UNWRAP | _ENC_DEC | _AGREE,
    A.HUKS_ALG_SM4: _SIGN_VERIFY | _WRAP_UNWRAP | _MAC | _AGREE,
    A.HUKS_ALG_AES: _SIGN_VERIFY | _AGREE | _WRAP_UNWRAP,
    A.HUKS_ALG_DES: _SIGN_VERIFY | _AGREE | _WRAP_UNWRAP,
    A.HUKS_ALG_3DES: _SIGN_VERIFY | _AGREE | _WRAP_UNWRAP,
    A.HUKS_ALG_ED25519: _DERIVE | _MAC | _WRAP_UNWRAP | _ENC_DEC,
    # X25519: SIGN/VERIFY are not forbidden upstream (but no sign handler accepts X25519).
    A.HUKS_ALG_X25519: _DERIVE | _MAC | _ENC_DEC | P.HUKS_KEY_PURPOSE_WRAP,
    A.HUKS_ALG_HMAC: _DERIVE | _SIGN_VERIFY | _WRAP_UNWRAP | _ENC_DEC | _AGREE,
    A.HUKS_ALG_CMAC: _DERIVE | _SIGN_VERIFY | _WRAP_UNWRAP | _ENC_DEC | _AGREE,
    A.HUKS_ALG_DSA: _DERIVE | _MAC | _WRAP_UNWRAP | _ENC_DEC | _AGREE,
    A.HUKS_ALG_DH: _DERIVE | _MAC | _WRAP_UNWRAP | _ENC_DEC | _SIGN_VERIFY,
    A.HUKS_ALG_ECDH: _DERIVE | _MAC | _WRAP_UNWRAP | _ENC_DEC | _SIGN_VERIFY,
    # ML-DSA / ML-KEM (API 26): hks_base_check_policy.c lines 1001-1013 (HEAD f342b820).
    A.HUKS_ALG_ML_DSA: _DERIVE | _MAC | P.HUKS_KEY_PURPOSE_WRAP | _ENC_DEC,
    A.HUKS_ALG_ML_KEM: _DERIVE | _SIGN_VERIFY | _AGREE | _ENC_DEC | _MAC,
}

#: g_invalidImportKeyPurpose (hks_base_check_policy.c): imported keys of these algorithms also lose
#: WRAP|UNWRAP (checked with the generate purposes, so a violation is 12000003).
INVALID_IMPORT_PURPOSE: Final[Mapping[int, int]] = {
    A.HUKS_ALG_ECC: _WRAP_UNWRAP,
    A.HUKS_ALG_X25519: _WRAP_UNWRAP,
    A.HUKS_ALG_SM2: _WRAP_UNWRAP,
    # hks_base_check_policy.c lines 1036-1048 (the ML-KEM row repeats its generate row).
    A.HUKS_ALG_ML_DSA: _WRAP_UNWRAP,
}

# ------------------------------------------------------------------------------ algorithms

#: g_genKeyAlg (hks_check_paramset.c; huks-reference.md §4.1 step 2): algorithms a key can have.
#: Anything else (HKDF, PBKDF2, 4, ...) is INVALID_ALGORITHM (12000003).
KEY_ALGS: Final = frozenset(
    {
        A.HUKS_ALG_RSA, A.HUKS_ALG_AES, A.HUKS_ALG_DES, A.HUKS_ALG_3DES, A.HUKS_ALG_ECC, A.HUKS_ALG_HMAC,
        A.HUKS_ALG_CMAC, A.HUKS_ALG_ED25519, A.HUKS_ALG_X25519, A.HUKS_ALG_DSA, A.HUKS_ALG_DH,
        A.HUKS_ALG_ECDH, A.HUKS_ALG_SM3, A.HUKS_ALG_SM2, A.HUKS_ALG_SM4, A.HUKS_ALG_ML_DSA, A.HUKS_ALG_ML_KEM,
    }
)

#: Valid HUKS algorithms hukspy has no key for (generate/import answer 12000001). Empty since ML-DSA
#: and ML-KEM (issue 15, docs/decisions.md "post-quantum keys").
UNSUPPORTED_KEY_ALGS: Final[frozenset[int]] = frozenset()

#: CheckGenKeyMacDeriveParams (hks_check_paramset.c, HEAD per huks-reference.md §4.1 step 4): a key
#: whose purpose has DERIVE or MAC must be one of these, else INVALID_PURPOSE (12000003).
MAC_DERIVE_KEY_ALGS: Final = frozenset(
    {A.HUKS_ALG_AES, A.HUKS_ALG_DES, A.HUKS_ALG_3DES, A.HUKS_ALG_HMAC, A.HUKS_ALG_CMAC, A.HUKS_ALG_SM3,
     A.HUKS_ALG_SM4}
)

# SYMMETRIC_ALGS (imported from hukspy.formats, the one copy): raw-byte keys, whose import length
# (exactly KEY_SIZE/8, else -19 → 401, XTS Import_API16_0800) formats.parse_import checks.

#: Block size in bytes of the block ciphers (IV length of CBC/CTR/OFB/CFB; docs/decisions.md "IV").
BLOCK_BYTES: Final[Mapping[int, int]] = {
    A.HUKS_ALG_AES: 16,
    A.HUKS_ALG_SM4: 16,
    A.HUKS_ALG_DES: 8,
    A.HUKS_ALG_3DES: 8,
}


# ------------------------------------------------------------------------------ key sizes

def _rsa_size(bits: int) -> bool:
    # g_rsaKeySize plus HKS_SUPPORT_RSA_C_FLEX_KEYSIZE: any multiple of 8 in 1024..2048 (XTS
    # CipherRSA api12: 1032 and 2040 succeed; 1016, 1025 and 2056 give 12000003).
    return bits in RSA_FIXED_SIZES or (1024 <= bits <= 2048 and bits % 8 == 0)


def _bits_multiple_of_8(bits: int) -> bool:
    # HMAC/SM3/CMAC/DSA: the tables do not restrict the size; the engine needs whole bytes. Capped at
    # MAX_KEY_SIZE (2048 bytes, hks_type.h) so that nobody asks for a 512 MiB key. UNVERIFIED upper bound.
    return 0 < bits <= 8 * 2048 and bits % 8 == 0


RSA_FIXED_SIZES: Final = frozenset({512, 768, 1024, 2048, 3072, 4096})
ECC_SIZES: Final = frozenset({224, 256, 384, 521})
AES_SIZES: Final = frozenset({128, 192, 256})

SizeRule = frozenset[int] | Callable[[int], bool]

#: KEY_SIZE at generate/import for the GEN_KEY check type (g_rsaKeySize, g_eccKeySize, ... in
#: hks_base_check_policy.c). A size outside → INVALID_KEY_SIZE (12000003). KEY_SIZE itself is required
#: for every algorithm (GetInputParams: keyLen.needCheck is true in every GEN_KEY row) → 12000002.
KEY_SIZES: Final[Mapping[int, SizeRule]] = {
    A.HUKS_ALG_RSA: _rsa_size,
    A.HUKS_ALG_ECC: ECC_SIZES,
    A.HUKS_ALG_ECDH: ECC_SIZES,
    A.HUKS_ALG_SM2: frozenset({256}),
    A.HUKS_ALG_AES: AES_SIZES,
    A.HUKS_ALG_DES: frozenset({64}),
    A.HUKS_ALG_3DES: frozenset({128, 192}),
    A.HUKS_ALG_SM4: frozenset({128}),
    A.HUKS_ALG_X25519: frozenset({256}),
    A.HUKS_ALG_ED25519: frozenset({256}),
    A.HUKS_ALG_DH: frozenset({2048, 3072, 4096}),
    A.HUKS_ALG_DSA: _bits_multiple_of_8,  # XTS uses 1024; engine-checked upstream. UNVERIFIED.
    A.HUKS_ALG_HMAC: _bits_multiple_of_8,  # XTS uses 512
    A.HUKS_ALG_SM3: _bits_multiple_of_8,
    A.HUKS_ALG_CMAC: _bits_multiple_of_8,  # huks-reference.md §4.2 (d): CMAC sizes UNVERIFIED
    A.HUKS_ALG_ML_DSA: frozenset({44, 65, 87}),
    A.HUKS_ALG_ML_KEM: frozenset({768, 1024}),
}

#: KEY_SIZE of a MAC key (purpose == MAC; GEN_MAC_KEY rows: g_aesMacKeySize, g_desMacKeySize, ...).
MAC_KEY_SIZES: Final[Mapping[int, SizeRule]] = {
    A.HUKS_ALG_AES: frozenset({256}),
    A.HUKS_ALG_DES: frozenset({64}),
    A.HUKS_ALG_3DES: frozenset({128, 192}),
    A.HUKS_ALG_HMAC: _bits_multiple_of_8,
    A.HUKS_ALG_SM3: _bits_multiple_of_8,
    A.HUKS_ALG_CMAC: _bits_multiple_of_8,
    A.HUKS_ALG_SM4: frozenset({128}),
}

#: KEY_SIZE of a DERIVE key (GEN_DERIVE_KEY rows).
DERIVE_KEY_SIZES: Final[Mapping[int, SizeRule]] = {
    A.HUKS_ALG_AES: AES_SIZES,
    A.HUKS_ALG_DES: frozenset({64}),
    A.HUKS_ALG_3DES: frozenset({128, 192}),
    A.HUKS_ALG_SM4: frozenset({128}),
    A.HUKS_ALG_HMAC: _bits_multiple_of_8,
    A.HUKS_ALG_SM3: _bits_multiple_of_8,
    A.HUKS_ALG_CMAC: _bits_multiple_of_8,
}

# ------------------------------------------------------------------------------ paddings, modes, digests

_RSA_DIGESTS: Final = frozenset(
    {D.HUKS_DIGEST_MD5, D.HUKS_DIGEST_NONE, D.HUKS_DIGEST_SHA1, D.HUKS_DIGEST_SHA224, D.HUKS_DIGEST_SHA256,
     D.HUKS_DIGEST_SHA384, D.HUKS_DIGEST_SHA512}
)
_ECC_DIGESTS: Final = frozenset(
    {D.HUKS_DIGEST_NONE, D.HUKS_DIGEST_SHA1, D.HUKS_DIGEST_SHA224, D.HUKS_DIGEST_SHA256, D.HUKS_DIGEST_SHA384,
     D.HUKS_DIGEST_SHA512}
)
_HMAC_DIGESTS: Final = frozenset(
    {D.HUKS_DIGEST_SHA1, D.HUKS_DIGEST_SHA224, D.HUKS_DIGEST_SHA256, D.HUKS_DIGEST_SHA384,
     D.HUKS_DIGEST_SHA512, D.HUKS_DIGEST_SM3}
)
# g_digest (hks_check_paramset.c)
_KDF_DIGESTS: Final = frozenset({D.HUKS_DIGEST_SHA256, D.HUKS_DIGEST_SHA384, D.HUKS_DIGEST_SHA512})


@dataclass(frozen=True)
class Expect:
    """One row of upstream's ExpectParamsValuesChecker: the values allowed for PADDING, DIGEST and
    BLOCK_MODE (None = not checked) and, for SM4, PURPOSE."""

    paddings: frozenset[int] | None = None
    digests: frozenset[int] | None = None
    modes: frozenset[int] | None = None
    purposes: frozenset[int] | None = None


_SM4_PURPOSES: Final = frozenset({P.HUKS_KEY_PURPOSE_ENCRYPT, P.HUKS_KEY_PURPOSE_DECRYPT, _ENC_DEC})

#: HKS_CHECK_TYPE_GEN_KEY rows (hks_base_check_policy.c), used at generate/import (a present value
#: outside the set → 12000003) and at init for a tag the stored key lacks (OptionalParamCheck in
#: hks_auth.c: the init value is then required → 12000002, and must be in the set → 12000002).
GEN_EXPECT: Final[Mapping[int, Expect]] = {
    # g_rsaPadding also lists ISO_IEC_9796_2 (since 12).
    A.HUKS_ALG_RSA: Expect(
        paddings=frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_OAEP, PAD.HUKS_PADDING_PSS,
                            PAD.HUKS_PADDING_PKCS1_V1_5, PAD.HUKS_PADDING_ISO_IEC_9796_2}),
        digests=_RSA_DIGESTS,
    ),
    # hukspy adds OFB and CFB (HuksCipherMode has them; SM4 allows them upstream; the TPM has them):
    # docs/decisions.md.
    A.HUKS_ALG_AES: Expect(
        paddings=frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS7}),
        modes=frozenset(
            {M.HUKS_MODE_CBC, M.HUKS_MODE_CCM, M.HUKS_MODE_CTR, M.HUKS_MODE_ECB, M.HUKS_MODE_GCM,
             M.HUKS_MODE_OFB, M.HUKS_MODE_CFB}
        ),
    ),
    A.HUKS_ALG_DES: Expect(paddings=frozenset({PAD.HUKS_PADDING_NONE}),
                           modes=frozenset({M.HUKS_MODE_CBC, M.HUKS_MODE_ECB})),
    A.HUKS_ALG_3DES: Expect(paddings=frozenset({PAD.HUKS_PADDING_NONE}),
                            modes=frozenset({M.HUKS_MODE_CBC, M.HUKS_MODE_ECB})),
    A.HUKS_ALG_SM4: Expect(
        paddings=frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS7}),
        modes=frozenset(
            {M.HUKS_MODE_CBC, M.HUKS_MODE_CTR, M.HUKS_MODE_ECB, M.HUKS_MODE_CFB, M.HUKS_MODE_OFB}
        ),
        purposes=_SM4_PURPOSES,
    ),
    A.HUKS_ALG_ECC: Expect(digests=_ECC_DIGESTS),
    A.HUKS_ALG_DSA: Expect(digests=_ECC_DIGESTS),
    A.HUKS_ALG_SM2: Expect(digests=frozenset({D.HUKS_DIGEST_SM3, D.HUKS_DIGEST_NONE})),
    A.HUKS_ALG_SM3: Expect(digests=frozenset({D.HUKS_DIGEST_SM3})),
    A.HUKS_ALG_HMAC: Expect(digests=_HMAC_DIGESTS),
}

#: HKS_CHECK_TYPE_GEN_MAC_KEY rows: AES/DES/3DES MAC keys use SHA256 (g_macDigest).
MAC_EXPECT: Final[Mapping[int, Expect]] = {
    A.HUKS_ALG_AES: Expect(digests=frozenset({D.HUKS_DIGEST_SHA256})),
    A.HUKS_ALG_DES: Expect(digests=frozenset({D.HUKS_DIGEST_SHA256})),
    A.HUKS_ALG_3DES: Expect(digests=frozenset({D.HUKS_DIGEST_SHA256})),
    A.HUKS_ALG_HMAC: Expect(digests=_HMAC_DIGESTS),
    A.HUKS_ALG_SM3: Expect(digests=frozenset({D.HUKS_DIGEST_SM3})),
}

#: HKS_CHECK_TYPE_GEN_DERIVE_KEY rows: AES/DES/3DES use g_digest (SHA256/384/512), SM4 uses SM3.
DERIVE_EXPECT: Final[Mapping[int, Expect]] = {
    A.HUKS_ALG_AES: Expect(digests=_KDF_DIGESTS),
    A.HUKS_ALG_DES: Expect(digests=_KDF_DIGESTS),
    A.HUKS_ALG_3DES: Expect(digests=_KDF_DIGESTS),
    A.HUKS_ALG_SM4: Expect(digests=frozenset({D.HUKS_DIGEST_SM3})),
}

#: RSA padding by purpose class (CheckRsaGenKeyPadding, HksCheckCipherMutableParams,
#: HksCheckSignVerifyMutableParams) → INVALID_PADDING (12000003). Follows huks-reference.md §4.1 step 7.
#: Note: the hks_base_check_policy.c version read (commit 0ab4295) has g_rsaSignPadding = {PSS, PKCS1_V1_5,
#: ISO_IEC_9796_2} and g_rsaCipherPadding = {NONE, OAEP, PKCS1_V1_5, ISO_IEC_9796_2}; the reference (HEAD
#: f342b820b) lists NONE for sign and no ISO for encrypt. We follow the reference.
RSA_CLASS_PADDINGS: Final[Mapping[int, frozenset[int]]] = {
    _ENC_DEC: frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_OAEP, PAD.HUKS_PADDING_PKCS1_V1_5}),
    _SIGN_VERIFY: frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PSS, PAD.HUKS_PADDING_PKCS1_V1_5,
                             PAD.HUKS_PADDING_ISO_IEC_9796_2}),
}

#: Padding allowed per block mode (g_aesCbcPadding, g_aesCtrPadding, ..., g_sm4CfbPadding) → 12000003.
MODE_PADDINGS: Final[Mapping[int, Mapping[int, frozenset[int]]]] = {
    A.HUKS_ALG_AES: {
        M.HUKS_MODE_CBC: frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS7}),
        M.HUKS_MODE_ECB: frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS7}),
        M.HUKS_MODE_CTR: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_GCM: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_CCM: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_OFB: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_CFB: frozenset({PAD.HUKS_PADDING_NONE}),
    },
    A.HUKS_ALG_SM4: {
        M.HUKS_MODE_CBC: frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS7}),
        M.HUKS_MODE_ECB: frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS7}),
        M.HUKS_MODE_CTR: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_CFB: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_OFB: frozenset({PAD.HUKS_PADDING_NONE}),
    },
    A.HUKS_ALG_DES: {
        M.HUKS_MODE_CBC: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_ECB: frozenset({PAD.HUKS_PADDING_NONE}),
    },
    A.HUKS_ALG_3DES: {
        M.HUKS_MODE_CBC: frozenset({PAD.HUKS_PADDING_NONE}),
        M.HUKS_MODE_ECB: frozenset({PAD.HUKS_PADDING_NONE}),
    },
}

#: Modes that take an IV of one block (docs/decisions.md: missing 12000002, wrong length 12000003).
#: Upstream CheckBlockCipherIvMaterial checks CBC (16 bytes); the engine checks CTR/OFB/CFB.
IV_MODES: Final = frozenset({M.HUKS_MODE_CBC, M.HUKS_MODE_CTR, M.HUKS_MODE_OFB, M.HUKS_MODE_CFB})

#: Modes whose NONE-padding encrypt input must be whole blocks (CheckBlockCipherOther → -3 → 401).
#: hks_core_service_three_stage.c (version 00b4925, CheckAesCipherOther/CheckSm4CipherOther) checks the
#: finish chunk, and lists CTR too; hukspy checks the session's total input (what the cipher needs) and,
#: as the reference, only ECB/CBC (CTR is a stream mode).
WHOLE_BLOCK_MODES: Final = frozenset({M.HUKS_MODE_ECB, M.HUKS_MODE_CBC})

AE_MODES: Final = frozenset({M.HUKS_MODE_GCM, M.HUKS_MODE_CCM})


@dataclass(frozen=True)
class AeRule:
    """Nonce/AAD/tag rules of one AEAD mode (hks_base_check.c CheckCipherAeNonceMaterial,
    CheckCipherAeAadMaterial; hks_core_service_three_stage.c for the generated nonce)."""

    nonce_min: int
    nonce_max: int | None
    nonce_generated: int  # length HUKS generates on encrypt when NONCE is absent
    tag_lens: frozenset[int]  # AE_TAG_LEN values (→ -181 → 12000003 otherwise); 16 when absent
    aad_min: int  # a given AAD shorter than this → 12000003 (an absent AAD is empty)


AE_RULES: Final[Mapping[int, AeRule]] = {
    # GCM: nonce >= 12 (HKS_AES_GCM_NONCE_LEN_MIN); generated nonce 12 bytes; AE_TAG_LEN only 16.
    M.HUKS_MODE_GCM: AeRule(nonce_min=12, nonce_max=None, nonce_generated=12, tag_lens=frozenset({16}),
                            aad_min=0),
    # CCM: nonce 7..13 (HKS_AES_CCM_NONCE_LEN_MIN/MAX), generated 7; tag {4,6,...,16}; AAD >= 4
    # (HKS_AES_CCM_AAD_LEN_MIN; one-stage requires it, hukspy only checks a given one).
    M.HUKS_MODE_CCM: AeRule(nonce_min=7, nonce_max=13, nonce_generated=7,
                            tag_lens=frozenset({4, 6, 8, 10, 12, 14, 16}), aad_min=4),
}
DEFAULT_AE_TAG_LEN: Final = 16  # HKS_AE_TAG_LEN

# ------------------------------------------------------------------------------ import

_PUB: Final = int(HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY)
_PRIV: Final = int(HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY)
_PAIR: Final = int(HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)

#: The exact PURPOSE an imported public or private key may have (huks-reference.md §4.6;
#: CheckImportMutableParams in hks_base_check.c for public keys, CheckMutableParams in
#: hks_check_paramset.c for private keys). Key pairs, and algorithms not listed, are unrestricted beyond
#: the generate rules. A violation is INVALID_PURPOSE (12000003). ECC UNWRAP is listed upstream but
#: g_invalidImportKeyPurpose removes it first. SM2 public ENCRYPT follows the reference; the source
#: version read (hks_base_check.c 5cf859c) allows only VERIFY.
IMPORT_PURPOSES: Final[Mapping[tuple[int, int], frozenset[int]]] = {
    (A.HUKS_ALG_RSA, _PUB): frozenset({P.HUKS_KEY_PURPOSE_VERIFY, P.HUKS_KEY_PURPOSE_ENCRYPT}),
    (A.HUKS_ALG_ECC, _PUB): frozenset({P.HUKS_KEY_PURPOSE_VERIFY, P.HUKS_KEY_PURPOSE_UNWRAP, _AGREE}),
    (A.HUKS_ALG_SM2, _PUB): frozenset({P.HUKS_KEY_PURPOSE_VERIFY, P.HUKS_KEY_PURPOSE_ENCRYPT}),
    (A.HUKS_ALG_DSA, _PUB): frozenset({P.HUKS_KEY_PURPOSE_VERIFY}),
    (A.HUKS_ALG_ED25519, _PUB): frozenset({P.HUKS_KEY_PURPOSE_VERIFY}),
    (A.HUKS_ALG_RSA, _PRIV): frozenset({P.HUKS_KEY_PURPOSE_SIGN, P.HUKS_KEY_PURPOSE_DECRYPT}),
    (A.HUKS_ALG_ECC, _PRIV): frozenset({P.HUKS_KEY_PURPOSE_SIGN, _AGREE, P.HUKS_KEY_PURPOSE_UNWRAP}),
    (A.HUKS_ALG_SM2, _PRIV): frozenset({P.HUKS_KEY_PURPOSE_SIGN}),
    (A.HUKS_ALG_DSA, _PRIV): frozenset({P.HUKS_KEY_PURPOSE_SIGN}),
    (A.HUKS_ALG_ED25519, _PRIV): frozenset({P.HUKS_KEY_PURPOSE_SIGN}),
    # CheckImportMutableParams, hks_base_check.c line 924: an ML-KEM public key only encapsulates.
    (A.HUKS_ALG_ML_KEM, _PUB): frozenset({P.HUKS_KEY_PURPOSE_WRAP}),
}

# ------------------------------------------------------------------------------ init

#: The session kind of each (single-bit) init PURPOSE. WRAP/UNWRAP have no session handler.
PURPOSE_KINDS: Final[Mapping[int, OpKind]] = {
    P.HUKS_KEY_PURPOSE_ENCRYPT: OpKind.ENCRYPT,
    P.HUKS_KEY_PURPOSE_DECRYPT: OpKind.DECRYPT,
    P.HUKS_KEY_PURPOSE_SIGN: OpKind.SIGN,
    P.HUKS_KEY_PURPOSE_VERIFY: OpKind.VERIFY,
    P.HUKS_KEY_PURPOSE_MAC: OpKind.MAC,
    P.HUKS_KEY_PURPOSE_AGREE: OpKind.AGREE,
    P.HUKS_KEY_PURPOSE_DERIVE: OpKind.DERIVE,
}

_SYM_CIPHERS: Final = frozenset({A.HUKS_ALG_AES, A.HUKS_ALG_SM4, A.HUKS_ALG_DES, A.HUKS_ALG_3DES})
_ASYM_CIPHERS: Final = frozenset({A.HUKS_ALG_RSA, A.HUKS_ALG_SM2})
_SIGNERS: Final = frozenset(
    {A.HUKS_ALG_RSA, A.HUKS_ALG_ECC, A.HUKS_ALG_DSA, A.HUKS_ALG_ED25519, A.HUKS_ALG_SM2, A.HUKS_ALG_ML_DSA}
)
#: Signers whose init needs no DIGEST (hks_core_service_key_operate_three_stage.c line 126): they sign
#: the message itself.
_NO_DIGEST_SIGNERS: Final = frozenset({A.HUKS_ALG_ED25519, A.HUKS_ALG_ML_DSA})

#: For each session kind: init ALGORITHM → the key algorithms it runs on. An init ALGORITHM not listed
#: for the kind ("the purpose decides the handler", huks-reference.md §4.3; XTS AccessControl_0100 DSA +
#: AGREE, AccessControl_0400 RSA + MAC) is INVALID_ALGORITHM (12000003), as is a key of another algorithm.
#: For ciphers and signatures the key's ALGORITHM is also a policy tag (a mismatch there is 401, which
#: is checked first for those kinds because the key always stores ALGORITHM).
INIT_ALGS: Final[Mapping[OpKind, Mapping[int, frozenset[int]]]] = {
    OpKind.ENCRYPT: {alg: frozenset({alg}) for alg in _SYM_CIPHERS | _ASYM_CIPHERS},
    OpKind.DECRYPT: {alg: frozenset({alg}) for alg in _SYM_CIPHERS | _ASYM_CIPHERS},
    OpKind.SIGN: {alg: frozenset({alg}) for alg in _SIGNERS},
    OpKind.VERIFY: {alg: frozenset({alg}) for alg in _SIGNERS},
    # An AES/DES/3DES key with purpose MAC (SHA256) is an HMAC key upstream (GEN_MAC_KEY rows). CMAC on
    # AES/DES/3DES keys: UNVERIFIED (huks-reference.md §4.2), accepted here; the backend may say 12000001.
    OpKind.MAC: {
        A.HUKS_ALG_HMAC: frozenset({A.HUKS_ALG_HMAC, A.HUKS_ALG_AES, A.HUKS_ALG_DES, A.HUKS_ALG_3DES}),
        A.HUKS_ALG_SM3: frozenset({A.HUKS_ALG_SM3}),
        A.HUKS_ALG_CMAC: frozenset({A.HUKS_ALG_CMAC, A.HUKS_ALG_AES, A.HUKS_ALG_DES, A.HUKS_ALG_3DES}),
    },
    OpKind.AGREE: {
        A.HUKS_ALG_ECDH: frozenset({A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH}),
        A.HUKS_ALG_X25519: frozenset({A.HUKS_ALG_X25519, A.HUKS_ALG_ED25519}),
        A.HUKS_ALG_DH: frozenset({A.HUKS_ALG_DH}),
        A.HUKS_ALG_SM2: frozenset({A.HUKS_ALG_SM2}),
    },
    OpKind.DERIVE: {
        A.HUKS_ALG_HKDF: MAC_DERIVE_KEY_ALGS,
        A.HUKS_ALG_PBKDF2: MAC_DERIVE_KEY_ALGS,
    },
}

_ALG, _MODE, _PADDING, _DIGEST, _PURPOSE = (
    T.HUKS_TAG_ALGORITHM, T.HUKS_TAG_BLOCK_MODE, T.HUKS_TAG_PADDING, T.HUKS_TAG_DIGEST, T.HUKS_TAG_PURPOSE,
)
# g_symCipherPolicyTag, g_asymCipherPolicyTag, g_signVerifyRsaPolicyTag, g_signVerifyEccPolicyTag,
# g_signVerifyEd25519PolicyTag, g_macPolicyTag, g_macSm3PolicyTag, g_derivePolicyTag, g_agreePolicyTag
_SYM_CIPHER_POLICY: Final = (_ALG, _MODE, _PADDING, _PURPOSE)
_ASYM_CIPHER_POLICY: Final = (_ALG, _DIGEST, _PADDING, _PURPOSE)
_RSA_SIGN_POLICY: Final = (_ALG, _DIGEST, _PADDING, _PURPOSE)
_ECC_SIGN_POLICY: Final = (_ALG, _DIGEST, _PURPOSE)
_ED25519_POLICY: Final = (_PURPOSE,)
_ML_DSA_POLICY: Final = (_ALG, _PURPOSE)  # g_signVerifyMlDsaPolicyTag, hks_auth.c line 39
_MAC_POLICY: Final = (_DIGEST, _PURPOSE)
_SM3_MAC_POLICY: Final = (_ALG, _DIGEST, _PURPOSE)
_DERIVE_POLICY: Final = (_DIGEST, _PURPOSE)
_AGREE_POLICY: Final = (_PURPOSE,)
# CMAC is not in g_authPolicyList (API 12+, lightweight devices): PURPOSE only, UNVERIFIED.
_CMAC_POLICY: Final = (_PURPOSE,)

#: g_authPolicyList (hks_auth.c): the tags init must repeat from the stored key, by (kind class, init
#: ALGORITHM). A tag the key has must be in init (absent → -30 → 401) and equal (→ -3 → 401; PURPOSE:
#: a non-zero subset of the key's). A tag the key lacks is checked against the table (OptionalParamCheck).
AUTH_POLICY: Final[Mapping[tuple[str, int], tuple[int, ...]]] = {
    **{("cipher", alg): _SYM_CIPHER_POLICY for alg in _SYM_CIPHERS},
    **{("cipher", alg): _ASYM_CIPHER_POLICY for alg in _ASYM_CIPHERS},
    ("sign", A.HUKS_ALG_RSA): _RSA_SIGN_POLICY,
    ("sign", A.HUKS_ALG_ECC): _ECC_SIGN_POLICY,
    ("sign", A.HUKS_ALG_SM2): _ECC_SIGN_POLICY,
    ("sign", A.HUKS_ALG_DSA): _ECC_SIGN_POLICY,
    ("sign", A.HUKS_ALG_ED25519): _ED25519_POLICY,
    ("sign", A.HUKS_ALG_ML_DSA): _ML_DSA_POLICY,
    ("mac", A.HUKS_ALG_HMAC): _MAC_POLICY,
    ("mac", A.HUKS_ALG_SM3): _SM3_MAC_POLICY,
    ("mac", A.HUKS_ALG_CMAC): _CMAC_POLICY,
    ("derive", A.HUKS_ALG_HKDF): _DERIVE_POLICY,
    ("derive", A.HUKS_ALG_PBKDF2): _DERIVE_POLICY,
    **{("agree", alg): _AGREE_POLICY for alg in INIT_ALGS[OpKind.AGREE]},
}

_KIND_CLASS: Final[Mapping[OpKind, str]] = {
    OpKind.ENCRYPT: "cipher", OpKind.DECRYPT: "cipher", OpKind.SIGN: "sign", OpKind.VERIFY: "sign",
    OpKind.MAC: "mac", OpKind.DERIVE: "derive", OpKind.AGREE: "agree",
}

#: Sessions whose init must carry DIGEST (GetPurposeAndAlgorithm; missing → 401): sign/verify except
#: Ed25519, and HMAC/SM3 MAC.
DIGEST_REQUIRED: Final[Mapping[OpKind, frozenset[int]]] = {
    OpKind.SIGN: _SIGNERS - _NO_DIGEST_SIGNERS,
    OpKind.VERIFY: _SIGNERS - _NO_DIGEST_SIGNERS,
    OpKind.MAC: frozenset({A.HUKS_ALG_HMAC, A.HUKS_ALG_SM3}),
}

#: RSA paddings whose cipher session skips the digest policy when the key has no DIGEST (hks_auth.c).
RSA_NO_DIGEST_PADDINGS: Final = frozenset({PAD.HUKS_PADDING_NONE, PAD.HUKS_PADDING_PKCS1_V1_5})

#: The digests a KDF session accepts (g_digest in hks_check_paramset.c; SM3 for SM4 derive keys per
#: g_expectSm4Params GEN_DERIVE_KEY) → INVALID_DIGEST (12000003).
KDF_DIGESTS: Final = _KDF_DIGESTS | {D.HUKS_DIGEST_SM3}

#: DERIVE_KEY_SIZE in bytes (huks-reference.md §4.3: 1..5 MiB). Missing or out of range → 401
#: (the three-stage engine reads it with HksGetParam → -30/-3; UNVERIFIED which of the two).
DERIVE_SIZE_RANGE: Final = (1, 5 * 1024 * 1024)

#: PBKDF2 (CheckPbkdf2DeriveKeyParams, hks_check_paramset.c): ITERATION required (12000002), at least
#: HKS_DEFAULT_PBKDF2_ITERATION = 1000 and at most 0x80000 per the reference (→ 12000003); SALT
#: required (12000002), at least HKS_DEFAULT_PBKDF2_SALT_SIZE = 16 bytes (→ 12000003). The source is the
#: one-stage check; hukspy applies it at init too (huks-reference.md §4.2 calls that UNVERIFIED). Found:
#: hks_core_service_three_stage.c (version 00b4925) HksCoreDeriveThreeStageInit checks nothing, so a
#: device may accept a weaker PBKDF2 in a session; hukspy keeps the one-stage bounds on purpose.
PBKDF2_ITERATIONS: Final = (1000, 0x80000)
PBKDF2_MIN_SALT: Final = 16

#: HKS_ML_DSA_CONTEXT_MAX_SIZE (hks_core_service_three_stage.c line 59): an ML-DSA CONTEXT longer
#: than this is 401.
ML_DSA_CONTEXT_MAX: Final = 255

#: RSA_PSS_SALT_LEN_TYPE values; absent → MAX (docs/decisions.md, hks_type_enum.h comment).
PSS_SALT_TYPES: Final = frozenset(int(v) for v in HuksRsaPssSaltLenType)
DEFAULT_PSS_SALT: Final = int(HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_MAX)

# ------------------------------------------------------------------------------ user auth

_TUI = HuksUserAuthType.HUKS_USER_AUTH_TYPE_TUI_PIN

# The user-auth tables (USER_AUTH_TYPES, AUTH_ACCESS_TYPES, CHALLENGE_TYPES) and rules live in
# hukspy/authpolicy.py; the names are re-exported here.
USER_AUTH_TYPES: Final = authpolicy.USER_AUTH_TYPES
AUTH_ACCESS_TYPES: Final = authpolicy.AUTH_ACCESS_TYPES
CHALLENGE_TYPES: Final = authpolicy.CHALLENGE_TYPES

# ------------------------------------------------------------------------------ storage

STORAGE_LEVELS: Final = frozenset(int(v) for v in HuksAuthStorageLevel)
DEFAULT_STORAGE_LEVEL: Final = int(HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE)

_ONLY_IN_HUKS: Final = int(HuksKeyStorageType.HUKS_STORAGE_ONLY_USED_IN_HUKS)
_EXPORT_ALLOWED: Final = int(HuksKeyStorageType.HUKS_STORAGE_KEY_EXPORT_ALLOWED)
_PERSISTENT: Final = int(HuksKeyStorageType.HUKS_STORAGE_PERSISTENT)

#: Tags never stored with a key (and so never returned by get_key_item_properties): per-call switches
#: (KEY_OVERRIDE, KEY_ALIAS, IS_KEY_ALIAS, KEY_STORAGE_FLAG, IMPORT_KEY_TYPE stays: it says whether the key
#: is public-only), per-operation material (IV, NONCE, AAD, AE_TAG, SALT, INFO, challenges), the KEY_FLAG
#: the caller may have passed (hukspy writes its own), and every secret (SENSITIVE_TAGS: KEY, AUTH_TOKEN,
#: PWD, *_KEY_DATA, ...).
TRANSIENT_TAGS: Final = frozenset(
    {
        T.HUKS_TAG_KEY_OVERRIDE, T.HUKS_TAG_KEY_ALIAS, T.HUKS_TAG_IS_KEY_ALIAS, T.HUKS_TAG_KEY_STORAGE_FLAG,
        T.HUKS_TAG_KEY_FLAG, T.HUKS_TAG_AUTH_TOKEN, T.HUKS_TAG_IV, T.HUKS_TAG_NONCE, T.HUKS_TAG_AAD,
        T.HUKS_TAG_ASSOCIATED_DATA, T.HUKS_TAG_AE_TAG, T.HUKS_TAG_SALT, T.HUKS_TAG_INFO,
        T.HUKS_TAG_ATTESTATION_CHALLENGE, T.HUKS_TAG_AGREE_PUBLIC_KEY, T.HUKS_TAG_AGREE_PRIVATE_KEY_ALIAS,
    }
) | SENSITIVE_TAGS


# ========================================================================================== helpers

def _err(code: int, info: str) -> HuksError:
    return HuksError(code, info)


def _tag_name(tag: int) -> str:
    try:
        return HuksTag(tag).name
    except ValueError:
        return str(tag)


def _size_ok(rule: SizeRule, bits: int) -> bool:
    return rule(bits) if callable(rule) else bits in rule


def _single_purpose_class(purpose: int) -> int | None:
    """The class mask the purpose falls in, or None when it has unknown bits or spans several classes."""
    if purpose <= 0 or purpose & ~ALL_PURPOSES:
        return None
    hit = [c for c in PURPOSE_CLASSES if purpose & c]
    return hit[0] if len(hit) == 1 else None


def _check_purpose(alg: int, purpose: int, imported: bool) -> None:
    """HksCheckGenKeyPurpose: one class (CheckPurposeUnique), no forbidden bit (g_invalidPurpose,
    g_invalidImportKeyPurpose). → 12000003."""
    if _single_purpose_class(purpose) is None:
        raise _err(E_INVALID, f"purpose {purpose:#x} (one class of purposes expected)")
    invalid = INVALID_PURPOSE.get(alg, 0)
    if imported:
        invalid |= INVALID_IMPORT_PURPOSE.get(alg, 0)
    if purpose & invalid:
        raise _err(E_INVALID, f"purpose {purpose:#x} for the algorithm {_alg_name(alg)}")


def _alg_name(alg: int) -> str:
    try:
        return HuksKeyAlg(alg).name
    except ValueError:
        return str(alg)


def _check_in(
    value: int | None, allowed: frozenset[int] | None, code: int, what: str, where: str = ""
) -> None:
    """Raise ``HuksError(code)`` (12000003 at every call site) naming ``what`` and ``value``, then
    ``where``, unless ``value`` is absent or in ``allowed``."""
    if value is not None and allowed is not None and value not in allowed:
        raise _err(code, f"{what} {value}{where}")


def _check_mutable(alg: int, purpose: int, padding: int | None, mode: int | None) -> None:
    """HksCheckGenKeyMutableParams: RSA padding by purpose class, cipher padding by mode (both only
    when present). → INVALID_PADDING (12000003)."""
    if padding is None:
        return
    if alg == A.HUKS_ALG_RSA:
        for cls, paddings in RSA_CLASS_PADDINGS.items():
            if purpose & cls:
                _check_in(padding, paddings, E_INVALID, "RSA padding")
                return
        return
    modes = MODE_PADDINGS.get(alg)
    if modes is not None and mode is not None:
        _check_in(padding, modes.get(mode, frozenset()), E_INVALID, "padding", " for this mode")


# ========================================================================================== public API

def check_alias(alias: object) -> str:
    """Check a key alias: a ``str`` of 1..128 bytes in UTF-8 (docs/decisions.md "aliases"). Raises 401."""
    if not isinstance(alias, str):
        raise _err(E_ARG, "the key alias must be a string")
    try:
        n = len(alias.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise _err(E_ARG, "the key alias is not valid UTF-8") from exc
    if not 1 <= n <= MAX_ALIAS_BYTES:
        raise _err(E_ARG, f"the key alias must be 1 to {MAX_ALIAS_BYTES} bytes in UTF-8")
    return alias


def storage_level(params: ParamSet) -> int:
    """The AUTH_STORAGE_LEVEL of a call (DE 0, CE 1 (default), ECE 2). Raises 401 for another value."""
    level = params.int_(T.HUKS_TAG_AUTH_STORAGE_LEVEL, DEFAULT_STORAGE_LEVEL)
    if level not in STORAGE_LEVELS:
        raise _err(E_ARG, f"the storage level {level} is invalid")
    return level


def _check_key_params(params: ParamSet, imported: bool) -> KeySpec:
    """CoreCheckGenKeyParams (hks_check_paramset.c), in upstream order."""
    alg = params.int_(T.HUKS_TAG_ALGORITHM)
    if alg is None:
        raise _err(E_MISSING, "ALGORITHM param")  # CHECK_GET_ALG_FAIL
    if alg not in KEY_ALGS:
        raise _err(E_INVALID, f"algorithm {alg} for a key")  # INVALID_ALGORITHM
    purpose = params.int_(T.HUKS_TAG_PURPOSE)
    if purpose is None:
        raise _err(E_MISSING, "PURPOSE param")  # CHECK_GET_PURPOSE_FAIL
    _check_user_auth_tui(params)
    if alg in UNSUPPORTED_KEY_ALGS:
        raise _err(E_UNSUPPORTED, f"the algorithm {_alg_name(alg)}")
    size = params.int_(T.HUKS_TAG_KEY_SIZE)
    padding = params.int_(T.HUKS_TAG_PADDING)
    digest = params.int_(T.HUKS_TAG_DIGEST)
    mode = params.int_(T.HUKS_TAG_BLOCK_MODE)

    if purpose & (_DERIVE | _MAC):
        # CheckGenKeyMacDeriveParams: algorithm, purpose, then the GEN_MAC_KEY / GEN_DERIVE_KEY row.
        if alg not in MAC_DERIVE_KEY_ALGS:
            raise _err(E_INVALID, f"purpose MAC or DERIVE for {_alg_name(alg)} keys")
        _check_purpose(alg, purpose, imported)
        sizes, rows = (MAC_KEY_SIZES, MAC_EXPECT) if purpose == _MAC else (DERIVE_KEY_SIZES, DERIVE_EXPECT)
        if size is None:
            raise _err(E_MISSING, "KEY_SIZE param")
        if not _size_ok(sizes[alg], size):
            raise _err(E_INVALID, f"key size {size} for this {_alg_name(alg)} key")
        _check_in(digest, rows.get(alg, Expect()).digests, E_INVALID, "digest")
    else:
        # CheckGenKeyParamsByAlg: inputs (KEY_SIZE required), fixed checks in the order size, padding,
        # purpose, digest, mode (HksCheckFixedParams), purpose classes, then padding compatibility.
        if size is None:
            raise _err(E_MISSING, "KEY_SIZE param")
        if not _size_ok(KEY_SIZES[alg], size):
            raise _err(E_INVALID, f"key size {size} for {_alg_name(alg)}")
        expect = GEN_EXPECT.get(alg, Expect())
        _check_in(padding, expect.paddings, E_INVALID, "padding")
        _check_in(purpose, expect.purposes, E_INVALID, "purpose")
        _check_in(digest, expect.digests, E_INVALID, "digest")
        _check_in(mode, expect.modes, E_INVALID, "block mode")
        _check_purpose(alg, purpose, imported)
        _check_mutable(alg, purpose, padding, mode)
    return KeySpec(alg=alg, size=size, purpose=purpose, digest=digest)


def _check_user_auth_tui(params: ParamSet) -> None:
    auth = params.int_(T.HUKS_TAG_USER_AUTH_TYPE)
    if auth == _TUI:
        # CoreCheckGenKeyParams: USER_AUTH_TYPE == TUI_PIN alone → -42 USER_AUTH_TYPE_NOT_SUPPORT → 12000001.
        raise _err(E_UNSUPPORTED, "user authentication with TUI_PIN")


class _NothingEnrolled:
    """The credentials of a keystore with no user authentication: nothing enrolled, no PIN."""

    secure_uid: int | None = None

    def enrolled_ids(self, auth_type: int) -> list[int]:
        return []

    def is_pin_set(self) -> bool:
        return False


NOTHING_ENROLLED: Final = _NothingEnrolled()


def check_generate(params: ParamSet) -> KeySpec:
    """Validate generate params in upstream order (huks-reference.md §4.1) and return the key's spec.

    Raises ``HuksError``: 12000002 (ALGORITHM, PURPOSE or KEY_SIZE missing), 12000003 (a value outside
    the algorithm's table, a purpose of several classes or forbidden for the algorithm, an RSA padding
    that does not fit the purpose, a padding that does not fit the mode), 12000001 (TUI_PIN user auth,
    ML-DSA/ML-KEM), 401 (invalid user-auth params; ``authpolicy.check_user_auth_params`` runs first,
    as upstream's service checks before the engine).
    """
    authpolicy.check_user_auth_params(params)
    return _check_key_params(params, imported=False)


#: The algorithms whose import material the client checks against ``KEY_SIZES`` before anything else
#: (``HksSymmetricKeySizeCheck``: AES, DES and 3DES only; HMAC, SM3 and SM4 are copied unchecked).
_CLIENT_SIZE_CHECKED: Final = frozenset({A.HUKS_ALG_AES, A.HUKS_ALG_DES, A.HUKS_ALG_3DES})


def check_import(params: ParamSet, import_type: int | None, key_len: int | None = None) -> KeySpec:
    """Validate import params (§4.1 with the import purpose rules of §4.6) and return the key's spec.

    ``import_type`` is the IMPORT_KEY_TYPE value (None when absent: an asymmetric key is then a public
    key, as upstream's HksCoreCheckImportKeyParams). For symmetric algorithms it is ignored. Raises the
    codes of :func:`check_generate`, plus 12000003 for a purpose the import type does not allow, an
    ECC/X25519/SM2 import with WRAP/UNWRAP, or an unknown import type.

    ``key_len`` (the length of ``in_data``, when the caller knows it), both 401 *before* the table
    checks: an AES, DES or 3DES key (not imported as PRIVATE_KEY/KEY_PAIR) whose length is none of the
    algorithm's ``KEY_SIZES``, whatever KEY_SIZE says (upstream's client-side ``HksSymmetricKeySizeCheck``,
    utils/crypto_adapter/hks_client_service_adapter_common.c:88-118, -19 INVALID_KEY_INFO, runs before
    the service: XTS Import_API16_0800 imports 16 bytes as DES-128 and _1100 8 bytes as 3DES-64, both
    401); then a symmetric key whose length is not KEY_SIZE/8 (CheckImportSymmetricKeySize,
    hks_check_paramset.c, also -19).
    """
    authpolicy.check_user_auth_params(params)
    alg, size = params.int_(T.HUKS_TAG_ALGORITHM), params.int_(T.HUKS_TAG_KEY_SIZE)
    if (key_len is not None and alg in _CLIENT_SIZE_CHECKED and import_type not in (_PRIV, _PAIR)
            and not _size_ok(KEY_SIZES[alg], key_len * 8)):
        raise _err(E_ARG, f"{key_len}-byte key material for {_alg_name(alg)}")
    if key_len is not None and alg in SYMMETRIC_ALGS and size is not None and key_len * 8 != size:
        raise _err(E_ARG, f"the key is {key_len} bytes but KEY_SIZE says {size} bits")
    spec = _check_key_params(params, imported=True)
    if spec.alg in SYMMETRIC_ALGS:
        return spec
    kind = _PUB if import_type is None else import_type
    if kind not in (_PUB, _PRIV, _PAIR):
        raise _err(E_INVALID, f"import key type {import_type}")
    allowed = IMPORT_PURPOSES.get((spec.alg, kind))
    if allowed is not None and spec.purpose not in allowed:
        raise _err(E_INVALID, f"purpose {spec.purpose:#x} for an imported {_alg_name(spec.alg)} key "
                               "of this type")
    return KeySpec(alg=spec.alg, size=spec.size, purpose=spec.purpose, digest=spec.digest,
                   public_only=kind == _PUB)


@functools.lru_cache(maxsize=512)
def key_spec(stored: ParamSet) -> KeySpec:
    """The spec of a stored key (its params were checked when it was created). Raises 12000012 when a
    record lacks ALGORITHM, KEY_SIZE or PURPOSE (a damaged record)."""
    alg = stored.int_(T.HUKS_TAG_ALGORITHM)
    size = stored.int_(T.HUKS_TAG_KEY_SIZE)
    purpose = stored.int_(T.HUKS_TAG_PURPOSE)
    if alg is None or size is None or purpose is None:
        raise _err(E_EXTERNAL, "the stored key record lacks ALGORITHM, KEY_SIZE or PURPOSE")
    public_only = (
        alg not in SYMMETRIC_ALGS
        and stored.int_(T.HUKS_TAG_KEY_FLAG) == HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY
        and stored.int_(T.HUKS_TAG_IMPORT_KEY_TYPE, _PUB) == _PUB
    )
    return KeySpec(alg=alg, size=size, purpose=purpose, digest=stored.int_(T.HUKS_TAG_DIGEST),
                   public_only=public_only)


@dataclass(frozen=True)
class InitPlan:
    """What ``check_init`` decided: the operation, and whether finish must append ``op.nonce`` (GCM/CCM
    encrypt where the caller gave no NONCE and HUKS chose it)."""

    op: OpSpec
    append_nonce: bool


@dataclass(frozen=True)
class StoreRequest:
    """A derive/agree finish that asks to store its result: the new key's ``alias``, its ``params`` (the
    finish params, as given; pass them to :func:`stored_params`) and its ``spec``."""

    alias: str
    params: ParamSet
    spec: KeySpec


@dataclass(frozen=True)
class CreatePlan:
    """What ``check_create`` decided for a new key: its ``spec``, its AUTH_STORAGE_LEVEL ``level``,
    whether an existing alias is replaced (``replace``: KEY_OVERRIDE is not false), the params to store
    with it (``stored``, :func:`stored_params`) and, for an import, the IMPORT_KEY_TYPE as HUKS reads it
    (``import_type``: an absent tag of an asymmetric key is PUBLIC_KEY; None for a generated key)."""

    spec: KeySpec
    level: int
    replace: bool
    stored: ParamSet
    import_type: int | None


def check_create(params: ParamSet, flag: int, *, key_len: int | None = None,
                 spec: KeySpec | None = None,
                 creds: authpolicy.Credentials = NOTHING_ENROLLED) -> CreatePlan:
    """Every HUKS check of a new key, in upstream order, and what the facade needs to make it.

    ``flag`` (HuksKeyFlag) says how the key comes to be: GENERATE_KEY (:func:`check_generate`),
    IMPORT_KEY (:func:`check_import`, with ``key_len`` the length of the key material when the caller
    has it), AGREE_KEY/DERIVE_KEY (a finish that stores its result: ``spec`` is the one
    :func:`check_finish_storage` checked). In upstream order: the user-auth params and the enrolled
    credentials of ``creds`` (``hukspy.authpolicy``: 401, 12000003, 12000012, 12000013), the key params,
    IS_DEVICE_PASSWORD_SET without a PIN (12000016), then :func:`storage_level`.

    Raises ``HuksError``: the codes of :func:`check_generate`/:func:`check_import` (401, 12000001,
    12000002, 12000003), 12000012/12000013/12000016 (user auth, docs/userauth.md), 401 (storage level).
    """
    authpolicy.check_user_auth_params(params)
    bound = authpolicy.check_enrolled(params, creds)
    import_type: int | None = None
    if spec is None:
        if flag == HuksKeyFlag.HUKS_KEY_FLAG_GENERATE_KEY:
            spec = check_generate(params)
        else:
            given = params.int_(T.HUKS_TAG_IMPORT_KEY_TYPE)
            spec = check_import(params, given, key_len)
            import_type = given if spec.alg in SYMMETRIC_ALGS or given is not None else _PUB
    authpolicy.check_device_password(params, creds)
    level = storage_level(params)
    replace = params.bool_(T.HUKS_TAG_KEY_OVERRIDE) is not False
    return CreatePlan(spec, level, replace, stored_params(bound, flag), import_type)


def _auth_policy(kind: OpKind, init_alg: int, key: ParamSet, init: ParamSet) -> None:
    """The hks_auth.c policy of the session: each policy tag against the stored key.

    - key has the tag: init must have it (-30 → 401) and equal it (-3 → 401); PURPOSE a non-zero subset.
    - key lacks it (OptionalParamCheck): the GEN_KEY/GEN_MAC/GEN_DERIVE row of the key decides; a value
      the row checks must be present (-13 → 12000002) and allowed (→ 12000002); then the padding
      compatibility of the init values (→ 12000003), except for MAC/DERIVE keys.
    """
    key_alg = key.int_(T.HUKS_TAG_ALGORITHM)
    key_purpose = key.int_(T.HUKS_TAG_PURPOSE, 0)
    tags = AUTH_POLICY[(_KIND_CLASS[kind], init_alg)]
    if key_alg == A.HUKS_ALG_RSA and kind in (OpKind.ENCRYPT, OpKind.DECRYPT) \
            and T.HUKS_TAG_DIGEST not in key and init.int_(T.HUKS_TAG_PADDING) in RSA_NO_DIGEST_PADDINGS:
        tags = tuple(t for t in tags if t != T.HUKS_TAG_DIGEST)
    if key_purpose & _MAC:
        expect = MAC_EXPECT.get(key_alg or 0, Expect())
    elif key_purpose & _DERIVE:
        expect = DERIVE_EXPECT.get(key_alg or 0, Expect())
    else:
        expect = GEN_EXPECT.get(key_alg or 0, Expect())
    optional: Mapping[int, frozenset[int] | None] = {
        _PADDING: expect.paddings, _DIGEST: expect.digests, _MODE: expect.modes,
    }
    checked_optional = False
    for tag in tags:
        if tag in key:
            value = init.get(tag)
            if value is None:
                raise _err(E_ARG, f"{_tag_name(tag)} is missing; the key requires it")
            if tag == T.HUKS_TAG_PURPOSE:
                if not isinstance(value, int) or value == 0 or value & ~key_purpose:
                    raise _err(E_ARG, "the purpose is not allowed by the key")
            elif value != key[tag]:
                raise _err(E_ARG, f"{_tag_name(tag)} does not match the key")
            continue
        allowed = optional.get(tag)
        if allowed is None:
            continue
        value = init.int_(tag)
        if value is None:
            raise _err(E_MISSING, f"{_tag_name(tag)} param")
        if value not in allowed:
            raise _err(E_MISSING, f"{_tag_name(tag)} param that fits this key (the init gives {value})")
        checked_optional = True
    if checked_optional and not key_purpose & (_MAC | _DERIVE) and key_alg is not None:
        _check_mutable(key_alg, init.int_(T.HUKS_TAG_PURPOSE, 0), init.int_(T.HUKS_TAG_PADDING),
                       init.int_(T.HUKS_TAG_BLOCK_MODE))


def check_init(stored: ParamSet, init: ParamSet) -> InitPlan:
    """Decide a session from the stored key's params and the init params (huks-reference.md §4.3).

    Raises ``HuksError``:
    - 401: ALGORITHM or PURPOSE missing, PURPOSE not a single bit, DIGEST missing for sign/verify (not
      Ed25519) or HMAC/SM3 MAC, a policy tag of the key missing or different in init, a purpose the key
      does not allow, AE_TAG missing at GCM/CCM decrypt, DERIVE_KEY_SIZE missing or out of range.
    - 12000003: an init ALGORITHM that is not a handler of the purpose, or that does not fit the key's
      algorithm (AGREE/DERIVE/MAC); a padding that does not fit the mode or the RSA purpose; IV, nonce,
      AAD length; AE_TAG_LEN; an invalid KDF digest, iteration or salt; an invalid PSS salt type.
    - 12000002: a mode/padding/digest the table requires but neither key nor init gives (or an invalid
      one); IV missing; NONCE missing at decrypt (or at encrypt of a user-auth key); PBKDF2 ITERATION/SALT.
    - 12000018: AE_TAG of the wrong length.
    """
    init_alg = init.int_(T.HUKS_TAG_ALGORITHM)
    purpose = init.int_(T.HUKS_TAG_PURPOSE)
    if init_alg is None or purpose is None:
        raise _err(E_ARG, "ALGORITHM and PURPOSE are required at init")
    kind = PURPOSE_KINDS.get(purpose)
    if kind is None:
        if purpose in (P.HUKS_KEY_PURPOSE_WRAP, P.HUKS_KEY_PURPOSE_UNWRAP):
            raise _err(E_INVALID, "session on a WRAP/UNWRAP key")
        raise _err(E_ARG, f"the init purpose {purpose:#x} must be a single purpose")
    if init_alg in DIGEST_REQUIRED.get(kind, frozenset()) and T.HUKS_TAG_DIGEST not in init:
        raise _err(E_ARG, "DIGEST is required at init for this operation")
    handlers = INIT_ALGS[kind]
    if init_alg not in handlers:
        raise _err(E_INVALID, f"{kind.value} operation with {_alg_name(init_alg)}")
    key = key_spec(stored)
    if kind in (OpKind.ENCRYPT, OpKind.DECRYPT, OpKind.SIGN, OpKind.VERIFY) and init_alg != key.alg:
        raise _err(E_ARG, "ALGORITHM does not match the key")  # ALGORITHM is a policy tag (-3 → 401)
    if key.alg not in handlers[init_alg]:
        raise _err(
            E_INVALID, f"{kind.value} operation with {_alg_name(init_alg)} on a {_alg_name(key.alg)} key"
        )
    _auth_policy(kind, init_alg, stored, init)

    if kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        return _cipher_plan(kind, key, stored, init)
    if kind in (OpKind.SIGN, OpKind.VERIFY):
        return InitPlan(_sign_op(kind, key, stored, init), append_nonce=False)
    if kind is OpKind.MAC:
        op = OpSpec(kind=kind, alg=init_alg, digest=init.int_(T.HUKS_TAG_DIGEST))
        return InitPlan(op, append_nonce=False)
    if kind is OpKind.DERIVE:
        return InitPlan(_derive_op(init_alg, init), append_nonce=False)
    return InitPlan(OpSpec(kind=kind, alg=init_alg), append_nonce=False)


def _need(value: int | None, tag: int) -> int:
    """A value the operation needs (CHECK_GET_*_FAIL → 12000002). The auth policy has normally asked
    for it already; this guards the few paths where the key and init could both lack it."""
    if value is None:
        raise _err(E_MISSING, f"{_tag_name(tag)} param")
    return value


def _value(init: ParamSet, stored: ParamSet, tag: int) -> int | None:
    v = init.int_(tag)
    return stored.int_(tag) if v is None else v


def _cipher_plan(kind: OpKind, key: KeySpec, stored: ParamSet, init: ParamSet) -> InitPlan:
    padding = _value(init, stored, T.HUKS_TAG_PADDING)
    digest = _value(init, stored, T.HUKS_TAG_DIGEST)
    if key.alg == A.HUKS_ALG_RSA:
        # HksCheckCipherMutableParams: RSA cipher paddings → INVALID_PADDING.
        padding = _need(padding, T.HUKS_TAG_PADDING)
        _check_in(padding, RSA_CLASS_PADDINGS[_ENC_DEC], E_INVALID, "RSA cipher padding")
        if padding == PAD.HUKS_PADDING_OAEP:
            digest = _need(digest, T.HUKS_TAG_DIGEST)
            if digest == D.HUKS_DIGEST_NONE:
                digest = int(D.HUKS_DIGEST_SHA1)  # CheckRsaOaepCipherData: NONE is SHA1
            return InitPlan(OpSpec(kind=kind, alg=key.alg, padding=padding, digest=digest, mgf_digest=digest),
                            append_nonce=False)
        if padding in RSA_NO_DIGEST_PADDINGS:
            # No digest takes part in NONE/PKCS1_V1_5 encryption: upstream ignores a DIGEST given with
            # them (HksOpensslRsaCrypt sets a digest only for OAEP), so it selects nothing here either.
            digest = None
        return InitPlan(OpSpec(kind=kind, alg=key.alg, padding=padding, digest=digest), append_nonce=False)
    if key.alg == A.HUKS_ALG_SM2:
        # HksCheckCipherMutableParams (hks_base_check.c): g_sm2CipherPadding = {NONE}; an absent padding
        # reads as 0 = NONE. The cipher has no padding or digest to choose (OpenSSL's SM2 uses SM3).
        if padding is not None and padding != PAD.HUKS_PADDING_NONE:
            raise _err(E_INVALID, "SM2 cipher padding (NONE expected)")
        return InitPlan(OpSpec(kind=kind, alg=key.alg), append_nonce=False)

    mode = _need(_value(init, stored, T.HUKS_TAG_BLOCK_MODE), T.HUKS_TAG_BLOCK_MODE)
    padding = _need(padding, T.HUKS_TAG_PADDING)
    modes = MODE_PADDINGS[key.alg]
    _check_in(mode, frozenset(modes), E_INVALID, "block mode")
    _check_in(padding, modes[mode], E_INVALID, "padding", " for this mode")
    if mode in IV_MODES:
        iv = init.bytes_(T.HUKS_TAG_IV)
        if iv is None:
            raise _err(E_MISSING, "IV param")  # CHECK_GET_IV_FAIL
        if len(iv) != BLOCK_BYTES[key.alg]:
            raise _err(E_INVALID, f"IV length ({BLOCK_BYTES[key.alg]} bytes expected)")  # INVALID_IV
        return InitPlan(OpSpec(kind=kind, alg=key.alg, mode=mode, padding=padding, iv=iv), append_nonce=False)
    if mode not in AE_MODES:
        return InitPlan(OpSpec(kind=kind, alg=key.alg, mode=mode, padding=padding), append_nonce=False)

    rule = AE_RULES[mode]
    tag_len = init.int_(T.HUKS_TAG_AE_TAG_LEN, DEFAULT_AE_TAG_LEN)
    if tag_len not in rule.tag_lens:
        raise _err(E_INVALID, f"AE_TAG_LEN {tag_len} for this mode")  # -181
    aad = init.bytes_(T.HUKS_TAG_AAD)
    if aad is None:
        aad = init.bytes_(T.HUKS_TAG_ASSOCIATED_DATA)
    if aad is not None and len(aad) < rule.aad_min:
        raise _err(E_INVALID, f"AAD length (at least {rule.aad_min} bytes expected)")  # INVALID_AAD
    nonce = init.bytes_(T.HUKS_TAG_NONCE)
    append = False
    if nonce is None:
        user_auth = T.HUKS_TAG_KEY_AUTH_PURPOSE in stored or T.HUKS_TAG_USER_AUTH_TYPE in stored
        if kind is OpKind.DECRYPT or user_auth:
            raise _err(E_MISSING, "NONCE param")  # CHECK_GET_NONCE_FAIL
        nonce = secrets.token_bytes(rule.nonce_generated)
        append = True
    elif len(nonce) < rule.nonce_min or (rule.nonce_max is not None and len(nonce) > rule.nonce_max):
        raise _err(E_INVALID, "NONCE length for this mode")  # INVALID_NONCE
    tag: bytes | None = None
    if kind is OpKind.DECRYPT:
        tag = init.bytes_(T.HUKS_TAG_AE_TAG)
        if tag is None:
            raise _err(E_ARG, "AE_TAG is required at init for decryption")  # -30 → 401
        if len(tag) != tag_len:
            raise _err(E_BAD_ARGUMENT, f"AE_TAG must be {tag_len} bytes")  # -182 → 12000018
    op = OpSpec(kind=kind, alg=key.alg, mode=mode, padding=padding, nonce=nonce, aad=aad or b"", tag=tag,
                tag_len=tag_len)
    return InitPlan(op, append_nonce=append)


def _sign_op(kind: OpKind, key: KeySpec, stored: ParamSet, init: ParamSet) -> OpSpec:
    if key.alg == A.HUKS_ALG_ED25519:
        return OpSpec(kind=kind, alg=key.alg)
    if key.alg == A.HUKS_ALG_ML_DSA:
        context = init.bytes_(T.HUKS_TAG_CONTEXT) or b""
        if len(context) > ML_DSA_CONTEXT_MAX:
            # HksFillUsageSpecWithContext (hks_core_service_three_stage.c line 565): -3 → 401.
            raise _err(E_ARG, f"CONTEXT of {len(context)} bytes (at most {ML_DSA_CONTEXT_MAX})")
        return OpSpec(kind=kind, alg=key.alg, context=context)
    digest = init.int_(T.HUKS_TAG_DIGEST)
    if key.alg != A.HUKS_ALG_RSA:
        return OpSpec(kind=kind, alg=key.alg, digest=digest)
    padding = _need(_value(init, stored, T.HUKS_TAG_PADDING), T.HUKS_TAG_PADDING)
    _check_in(padding, RSA_CLASS_PADDINGS[_SIGN_VERIFY], E_INVALID, "RSA signature padding")
    salt: int | None = None
    if padding == PAD.HUKS_PADDING_PSS:
        salt = _value(init, stored, T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE)
        salt = DEFAULT_PSS_SALT if salt is None else salt
        if salt not in PSS_SALT_TYPES:
            raise _err(E_INVALID, f"PSS salt length type {salt}")
    mgf = digest if padding == PAD.HUKS_PADDING_PSS else None
    return OpSpec(kind=kind, alg=key.alg, padding=padding, digest=digest, mgf_digest=mgf, pss_salt=salt)


def _derive_op(init_alg: int, init: ParamSet) -> OpSpec:
    digest = _need(init.int_(T.HUKS_TAG_DIGEST), T.HUKS_TAG_DIGEST)
    _check_in(digest, KDF_DIGESTS, E_INVALID, "KDF digest")  # INVALID_DIGEST
    size = init.int_(T.HUKS_TAG_DERIVE_KEY_SIZE)
    lo, hi = DERIVE_SIZE_RANGE
    if size is None or not lo <= size <= hi:
        raise _err(E_ARG, f"DERIVE_KEY_SIZE must be {lo}..{hi} bytes")
    salt = init.bytes_(T.HUKS_TAG_SALT)
    info = init.bytes_(T.HUKS_TAG_INFO) or b""
    iterations = 0
    if init_alg == A.HUKS_ALG_PBKDF2:
        it = init.int_(T.HUKS_TAG_ITERATION)
        if it is None:
            raise _err(E_MISSING, "ITERATION param")  # CHECK_GET_ITERATION_FAIL
        if not PBKDF2_ITERATIONS[0] <= it <= PBKDF2_ITERATIONS[1]:
            low, high = PBKDF2_ITERATIONS
            raise _err(E_INVALID, f"ITERATION count ({low}..{high} expected)")
        if salt is None:
            raise _err(E_MISSING, "SALT param")  # CHECK_GET_SALT_FAIL
        if len(salt) < PBKDF2_MIN_SALT:
            raise _err(E_INVALID, f"SALT length (at least {PBKDF2_MIN_SALT} bytes expected)")  # INVALID_SALT
        iterations = it
    return OpSpec(kind=OpKind.DERIVE, alg=init_alg, digest=digest, derive_size=size, salt=salt or b"",
                  info=info, iterations=iterations)


def check_block_input(op: OpSpec, total_len: int) -> None:
    """ECB/CBC encryption with NONE padding needs whole blocks (16 bytes; 8 for DES/3DES) in total at
    finish (CheckBlockCipherOther, -3 → 401). No-op for every other operation."""
    if (op.kind is OpKind.ENCRYPT and op.mode in WHOLE_BLOCK_MODES and op.padding == PAD.HUKS_PADDING_NONE
            and op.alg in BLOCK_BYTES and total_len % BLOCK_BYTES[op.alg] != 0):
        raise _err(E_ARG, f"the input must be a multiple of {BLOCK_BYTES[op.alg]} bytes without padding")


def check_finish_storage(stored: ParamSet, finish: ParamSet) -> StoreRequest | None:
    """Decide whether a derive/agree finish stores its result (huks-reference.md §4.5).

    The finish asks to store with KEY_STORAGE_FLAG = PERSISTENT or DERIVED_AGREED_KEY_STORAGE_FLAG =
    ONLY_USED_IN_HUKS; otherwise the bytes are returned. The base key's DERIVED_AGREED_KEY_STORAGE_FLAG
    must agree (ONLY_USED_IN_HUKS ⇒ store, KEY_EXPORT_ALLOWED ⇒ return; absent: either) and an explicit
    finish flag must not contradict it: else 12000012 (-2 BAD_STATE). When storing, the finish params
    describe the new key: KEY_ALIAS (UTF-8 bytes, 1..128) is required, else 401, and the key params are
    checked as at generate (12000002/12000003).

    Upstream (hks_core_service_three_stage.c, version 00b4925, HksCoreDeriveThreeStageFinish and
    HksCoreAgreeThreeStageFinish): the engine stores iff KEY_STORAGE_FLAG == PERSISTENT and builds the
    key blob from the finish param set as given (HksBuildKeyBlob, no generate-style check); the alias is
    read by the service layer (not found in the sources searched: a missing one is PARAM_NOT_EXIST -30
    → 401 by the §5 table, which is what hukspy raises; UNVERIFIED). Checking the new key's params is
    hukspy's decision: a backend needs a valid KeySpec.
    """
    base_flag = stored.int_(T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG)
    finish_flag = finish.int_(T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG)
    store = finish.int_(T.HUKS_TAG_KEY_STORAGE_FLAG) == _PERSISTENT or finish_flag == _ONLY_IN_HUKS
    if base_flag == _ONLY_IN_HUKS and not store:
        raise _err(E_EXTERNAL, "the base key's derived/agreed keys must stay in the keystore")
    if base_flag == _EXPORT_ALLOWED and store:
        raise _err(E_EXTERNAL, "the base key's derived/agreed keys must be returned, not stored")
    if base_flag is not None and finish_flag is not None and finish_flag != base_flag:
        raise _err(E_EXTERNAL, "the storage flag contradicts the base key's")
    if not store:
        return None
    raw = finish.bytes_(T.HUKS_TAG_KEY_ALIAS)
    if raw is None:
        raise _err(E_ARG, "KEY_ALIAS is required to store a derived or agreed key")
    try:
        alias = check_alias(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _err(E_ARG, "KEY_ALIAS is not UTF-8") from exc
    spec = _check_key_params(finish, imported=False)
    return StoreRequest(alias=alias, params=finish, spec=spec)


#: HKS_ML_KEM_SHARED_SECRET_LEN (hks_type.h line 388): an ML-KEM shared secret, and the only size a
#: stored shared key may have (KEY_SIZE 256, HksMlKemImport).
KEM_SHARED_SECRET_BYTES: Final = 32

#: The key purpose each ML-KEM operation needs (HksCoreEncapsulate/HksCoreDecapsulate,
#: hks_core_service_key_operate_one_stage.c lines 556 and 613: HksCheckKeyPurpose).
KEM_PURPOSES: Final[Mapping[OpKind, int]] = {
    OpKind.ENCAPSULATE: P.HUKS_KEY_PURPOSE_WRAP,
    OpKind.DECAPSULATE: P.HUKS_KEY_PURPOSE_UNWRAP,
}


def check_kem_shared(alias: str | None, shared: ParamSet | None) -> tuple[str, ParamSet] | None:
    """Where an ML-KEM shared secret goes: None (returned to the caller) when neither a shared key alias
    nor params are given (hks_api.c ConstructDummySharedKeyParams), else the (alias, params) of the key
    to store it as. Upstream order: the params must carry KEY_SIZE (HksKemCheckShareParam: 12000002)
    equal to 256 (HksMlKemImport: INVALID_KEY_SIZE, 12000003); an alias without params or params without
    an alias (a NULL blob upstream) and a bad alias are 401, which the ML-KEM calls answer as 12000018.
    """
    if alias is None and shared is None:
        return None
    if shared is not None:
        size = shared.int_(T.HUKS_TAG_KEY_SIZE)
        if size is None:
            raise _err(E_MISSING, "KEY_SIZE param of the shared key")
        if size != KEM_SHARED_SECRET_BYTES * 8:
            raise _err(E_INVALID, f"key size {size} for the ML-KEM shared key (256 expected)")
    if alias is None or shared is None:
        raise _err(E_ARG, "a shared key alias and its params go together")
    return check_alias(alias), shared


def check_kem(kind: OpKind, key: KeySpec) -> OpSpec:
    """The ML-KEM operation ``kind`` on a stored key: it must be an ML-KEM key (INVALID_ALGORITHM,
    12000003) whose PURPOSE has WRAP to encapsulate, UNWRAP to decapsulate (INVALID_PURPOSE, 12000003)."""
    if key.alg != A.HUKS_ALG_ML_KEM:
        raise _err(E_INVALID, f"{kind.value} with a {_alg_name(key.alg)} key (ML-KEM expected)")
    need = KEM_PURPOSES[kind]
    if key.purpose & need != need:
        raise _err(E_INVALID, f"purpose {key.purpose:#x} of the key for {kind.value}")
    return OpSpec(kind=kind, alg=key.alg)


def _op_allowed(op: OpCap) -> OpCap | None:
    """``op`` as HUKS allows it, or None: its mode/padding/digest must be in the key algorithm's
    ``GEN_EXPECT`` row (a value no HUKS key of that algorithm can ask for is never reachable), and a
    MAC operation runs only on the key sizes ``MAC_KEY_SIZES`` allows a MAC key of that algorithm."""
    expect = GEN_EXPECT.get(op.key_alg)
    if expect is not None and not all(
        value is None or allowed is None or value in allowed
        for value, allowed in (
            (op.mode, expect.modes), (op.padding, expect.paddings), (op.digest, expect.digests)
        )
    ):
        return None
    rule = MAC_KEY_SIZES.get(op.key_alg) if op.kind is OpKind.MAC else None
    if isinstance(rule, frozenset):
        sizes = op.sizes & rule if op.sizes else rule
        if not sizes:
            return None
        if sizes != op.sizes:
            return dataclasses.replace(op, sizes=sizes)
    return op


def allowed_capabilities(caps: Capabilities) -> Capabilities:
    """What of a backend's ``caps`` HUKS allows (:func:`_op_allowed` for each operation). The facade
    filters a backend's declared capabilities through this once, when it opens the keystore, so that no
    backend needs to know a HUKS rule."""
    ops = frozenset(o for o in (_op_allowed(op) for op in caps.ops) if o is not None)
    return caps if ops == caps.ops else dataclasses.replace(caps, ops=ops)


def stored_params(params: ParamSet, flag: int) -> ParamSet:
    """What is stored with a key, and what ``get_key_item_properties`` returns: the creation params
    without :data:`TRANSIENT_TAGS` (per-call switches, per-operation material, secrets), plus KEY_FLAG =
    ``flag`` (HuksKeyFlag: IMPORT/GENERATE/AGREE/DERIVE). IMPORT_KEY_TYPE is kept: it tells a public-only
    key (see :func:`key_spec`)."""
    return params.without(*TRANSIENT_TAGS).with_((T.HUKS_TAG_KEY_FLAG, int(flag)))
