"""The HUKS rules of ``hukspy.policy``, one table row per rule.

Each row's name says which upstream case it mirrors: an XTS case of ``openharmony/xts_acts``
``security/huks`` (SignExtend_0500, AccessControl_0100, Import_API16_0800, Derive_API9_HKDF_101, ...) as
quoted in huks-reference.md, or, where XTS has no case, the upstream function in
``openharmony/security_huks`` that makes the rule (``src:<function>``), or the python-api.md decision
(``api:<topic>``). Every row asserts the exact HUKS code (None = accepted).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hukspy import policy
from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyFlag as F
from hukspy.enums import HuksKeyPadding as Pad
from hukspy.enums import HuksKeyPurpose as P
from hukspy.enums import HuksTag as T
from hukspy.errors import HuksError
from hukspy.params import HuksParam, ParamSet
from hukspy.spec import KeySpec, OpKind, OpSpec

Pairs = tuple[tuple[int, int | bool | bytes], ...]

ENC, DEC, SIGN, VERIFY = (
    P.HUKS_KEY_PURPOSE_ENCRYPT,
    P.HUKS_KEY_PURPOSE_DECRYPT,
    P.HUKS_KEY_PURPOSE_SIGN,
    P.HUKS_KEY_PURPOSE_VERIFY,
)
MAC, DERIVE, AGREE = P.HUKS_KEY_PURPOSE_MAC, P.HUKS_KEY_PURPOSE_DERIVE, P.HUKS_KEY_PURPOSE_AGREE
WRAP, UNWRAP = P.HUKS_KEY_PURPOSE_WRAP, P.HUKS_KEY_PURPOSE_UNWRAP
ALG, PURPOSE, SIZE, DIGEST, PADDING, MODE = (
    T.HUKS_TAG_ALGORITHM,
    T.HUKS_TAG_PURPOSE,
    T.HUKS_TAG_KEY_SIZE,
    T.HUKS_TAG_DIGEST,
    T.HUKS_TAG_PADDING,
    T.HUKS_TAG_BLOCK_MODE,
)
IV, NONCE, AE_TAG, AE_TAG_LEN = T.HUKS_TAG_IV, T.HUKS_TAG_NONCE, T.HUKS_TAG_AE_TAG, T.HUKS_TAG_AE_TAG_LEN


def ps(*pairs: tuple[int, int | bool | bytes]) -> ParamSet:
    return ParamSet.parse([HuksParam(t, v) for t, v in pairs])


def code_of(fn: object) -> int | None:
    """Run ``fn`` and return the HuksError code it raised, or None when it returned."""
    assert callable(fn)
    try:
        fn()
    except HuksError as exc:
        return exc.code
    return None


# Keys used by the init and finish tables.
AES_GCM_KEY: Pairs = (
    (ALG, A.HUKS_ALG_AES),
    (SIZE, 256),
    (PURPOSE, ENC | DEC),
    (MODE, M.HUKS_MODE_GCM),
    (PADDING, Pad.HUKS_PADDING_NONE),
)
AES_BARE_KEY: Pairs = ((ALG, A.HUKS_ALG_AES), (SIZE, 128), (PURPOSE, ENC | DEC))
AES_CBC_KEY: Pairs = (
    (ALG, A.HUKS_ALG_AES),
    (SIZE, 128),
    (PURPOSE, ENC | DEC),
    (MODE, M.HUKS_MODE_CBC),
    (PADDING, Pad.HUKS_PADDING_PKCS7),
)
DES_CBC_KEY: Pairs = (
    (ALG, A.HUKS_ALG_DES),
    (SIZE, 64),
    (PURPOSE, ENC | DEC),
    (MODE, M.HUKS_MODE_CBC),
    (PADDING, Pad.HUKS_PADDING_NONE),
)
SM4_KEY: Pairs = (
    (ALG, A.HUKS_ALG_SM4),
    (SIZE, 128),
    (PURPOSE, ENC | DEC),
    (MODE, M.HUKS_MODE_CBC),
    (PADDING, Pad.HUKS_PADDING_NONE),
)
RSA_SIGN_KEY: Pairs = (
    (ALG, A.HUKS_ALG_RSA),
    (SIZE, 2048),
    (PURPOSE, SIGN | VERIFY),
    (PADDING, Pad.HUKS_PADDING_PKCS1_V1_5),
    (DIGEST, D.HUKS_DIGEST_SHA256),
)
RSA_BARE_SIGN_KEY: Pairs = ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, SIGN | VERIFY))
RSA_ENC_KEY: Pairs = ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, ENC | DEC))
ECC_KEY: Pairs = ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, SIGN | VERIFY), (DIGEST, D.HUKS_DIGEST_NONE))
ECC_AGREE_KEY: Pairs = ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, AGREE))
X25519_KEY: Pairs = ((ALG, A.HUKS_ALG_X25519), (SIZE, 256), (PURPOSE, AGREE))
ED25519_KEY: Pairs = ((ALG, A.HUKS_ALG_ED25519), (SIZE, 256), (PURPOSE, SIGN | VERIFY))
DSA_KEY: Pairs = (
    (ALG, A.HUKS_ALG_DSA),
    (SIZE, 1024),
    (PURPOSE, SIGN | VERIFY),
    (DIGEST, D.HUKS_DIGEST_SHA256),
)
HMAC_KEY: Pairs = ((ALG, A.HUKS_ALG_HMAC), (SIZE, 512), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_SHA256))
HMAC_BARE_KEY: Pairs = ((ALG, A.HUKS_ALG_HMAC), (SIZE, 512), (PURPOSE, MAC))
AES_DERIVE_KEY: Pairs = (
    (ALG, A.HUKS_ALG_AES),
    (SIZE, 192),
    (PURPOSE, DERIVE),
    (DIGEST, D.HUKS_DIGEST_SHA256),
)

IV16, IV8 = b"\x01" * 16, b"\x02" * 8

# --- generate

GENERATE: list[tuple[str, Pairs, int | None]] = [
    ("src:CheckAndGetAlgorithm missing ALGORITHM", ((PURPOSE, ENC), (SIZE, 128)), 12000002),
    ("ErrorCode ALGORITHM=4 (huks-reference §4.1 step 2)", ((ALG, 4), (PURPOSE, ENC), (SIZE, 128)), 12000003),
    ("src:g_genKeyAlg HKDF is not a key", ((ALG, A.HUKS_ALG_HKDF), (PURPOSE, DERIVE), (SIZE, 256)), 12000003),
    ("src:CoreCheckGenKeyParams missing PURPOSE", ((ALG, A.HUKS_ALG_AES), (SIZE, 128)), 12000002),
    ("src:GetInputParams missing KEY_SIZE", ((ALG, A.HUKS_ALG_AES), (PURPOSE, ENC)), 12000002),
    ("src:GetInputParams MAC key missing KEY_SIZE", ((ALG, A.HUKS_ALG_HMAC), (PURPOSE, MAC)), 12000002),
    ("AES-256 GCM", AES_GCM_KEY, None),
    (
        "src:g_aesKeySize AES-512 (deprecated since 11)",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 512), (PURPOSE, ENC)),
        12000003,
    ),
    ("src:g_aesPadding AES PSS", (*AES_BARE_KEY, (PADDING, Pad.HUKS_PADDING_PSS)), 12000003),
    ("src:g_aesMode AES mode 6 (no such mode)", (*AES_BARE_KEY, (MODE, 6)), 12000003),
    (
        "src:CheckAesPadding AES CTR PKCS7",
        (*AES_BARE_KEY, (MODE, M.HUKS_MODE_CTR), (PADDING, Pad.HUKS_PADDING_PKCS7)),
        12000003,
    ),
    (
        "src:CheckAesPadding AES GCM PKCS7",
        (*AES_BARE_KEY, (MODE, M.HUKS_MODE_GCM), (PADDING, Pad.HUKS_PADDING_PKCS7)),
        12000003,
    ),
    (
        "src:CheckPurposeUnique AES ENC|MAC",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 256), (PURPOSE, ENC | MAC)),
        12000003,
    ),
    (
        "src:CheckPurposeUnique RSA SIGN|ENC",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, SIGN | ENC)),
        12000003,
    ),
    ("src:CheckPurposeUnique purpose 0", ((ALG, A.HUKS_ALG_AES), (SIZE, 128), (PURPOSE, 0)), 12000003),
    ("src:g_invalidPurpose RSA AGREE", ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, AGREE)), 12000003),
    ("src:g_invalidPurpose ECC ENCRYPT", ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, ENC)), 12000003),
    (
        "src:g_invalidPurpose ECC UNWRAP generated",
        ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, UNWRAP)),
        None,
    ),
    ("src:g_invalidPurpose DH SIGN", ((ALG, A.HUKS_ALG_DH), (SIZE, 2048), (PURPOSE, SIGN)), 12000003),
    ("src:g_invalidPurpose X25519 WRAP", ((ALG, A.HUKS_ALG_X25519), (SIZE, 256), (PURPOSE, WRAP)), 12000003),
    (
        "src:CheckGenKeyMacDeriveParams RSA MAC",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, MAC)),
        12000003,
    ),
    ("src:g_invalidPurpose SM4 MAC", ((ALG, A.HUKS_ALG_SM4), (SIZE, 128), (PURPOSE, MAC)), 12000003),
    ("src:g_invalidPurpose HMAC DERIVE", ((ALG, A.HUKS_ALG_HMAC), (SIZE, 256), (PURPOSE, DERIVE)), 12000003),
    ("src:g_aesMacKeySize AES MAC 128", ((ALG, A.HUKS_ALG_AES), (SIZE, 128), (PURPOSE, MAC)), 12000003),
    (
        "src:g_macDigest AES MAC SHA384",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 256), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_SHA384)),
        12000003,
    ),
    (
        "src:g_digest AES DERIVE SHA1",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 256), (PURPOSE, DERIVE), (DIGEST, D.HUKS_DIGEST_SHA1)),
        12000003,
    ),
    ("Derive_API9_HKDF_101 base key AES-192 DERIVE SHA256", AES_DERIVE_KEY, None),
    (
        "src:g_hmacDigest HMAC MD5",
        ((ALG, A.HUKS_ALG_HMAC), (SIZE, 512), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_MD5)),
        12000003,
    ),
    ("MacHmac HMAC 512 SHA256", HMAC_KEY, None),
    ("src:HMAC size not whole bytes", ((ALG, A.HUKS_ALG_HMAC), (SIZE, 511), (PURPOSE, MAC)), 12000003),
    ("src:g_eccKeySize ECC 257", ((ALG, A.HUKS_ALG_ECC), (SIZE, 257), (PURPOSE, SIGN)), 12000003),
    (
        "src:g_eccDigest ECC MD5",
        ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, SIGN), (DIGEST, D.HUKS_DIGEST_MD5)),
        12000003,
    ),
    (
        "src:g_sm2Digest SM2 SHA256",
        ((ALG, A.HUKS_ALG_SM2), (SIZE, 256), (PURPOSE, SIGN), (DIGEST, D.HUKS_DIGEST_SHA256)),
        12000003,
    ),
    (
        "CipherSM2 SM2-256 ENC|DEC (the backend decides support)",
        ((ALG, A.HUKS_ALG_SM2), (SIZE, 256), (PURPOSE, ENC | DEC)),
        None,
    ),
    (
        "src:g_sm4Purpose SM4 DERIVE (derive path)",
        ((ALG, A.HUKS_ALG_SM4), (SIZE, 128), (PURPOSE, DERIVE)),
        None,
    ),
    ("src:g_dhKeySize DH 1024", ((ALG, A.HUKS_ALG_DH), (SIZE, 1024), (PURPOSE, AGREE)), 12000003),
    (
        "src:g_curve25519KeySize X25519 255",
        ((ALG, A.HUKS_ALG_X25519), (SIZE, 255), (PURPOSE, AGREE)),
        12000003,
    ),
    ("src:g_desKeySize DES 128", ((ALG, A.HUKS_ALG_DES), (SIZE, 128), (PURPOSE, ENC)), 12000003),
    (
        "src:g_desPadding DES PKCS7",
        ((ALG, A.HUKS_ALG_DES), (SIZE, 64), (PURPOSE, ENC), (PADDING, Pad.HUKS_PADDING_PKCS7)),
        12000003,
    ),
    (
        "Cipher3DES 3DES-192 CBC",
        ((ALG, A.HUKS_ALG_3DES), (SIZE, 192), (PURPOSE, ENC | DEC), (MODE, M.HUKS_MODE_CBC)),
        None,
    ),
    ("src:CheckRsaGenKeyPadding RSA ENC with PSS", (*RSA_ENC_KEY, (PADDING, Pad.HUKS_PADDING_PSS)), 12000003),
    (
        "src:CheckRsaGenKeyPadding RSA SIGN with OAEP",
        (*RSA_BARE_SIGN_KEY, (PADDING, Pad.HUKS_PADDING_OAEP)),
        12000003,
    ),
    ("CipherRSA api12 flexible size 1032", ((ALG, A.HUKS_ALG_RSA), (SIZE, 1032), (PURPOSE, ENC)), None),
    ("CipherRSA api12 flexible size 2040", ((ALG, A.HUKS_ALG_RSA), (SIZE, 2040), (PURPOSE, ENC)), None),
    ("CipherRSA api12 flexible size 1016", ((ALG, A.HUKS_ALG_RSA), (SIZE, 1016), (PURPOSE, ENC)), 12000003),
    ("CipherRSA api12 flexible size 1025", ((ALG, A.HUKS_ALG_RSA), (SIZE, 1025), (PURPOSE, ENC)), 12000003),
    ("CipherRSA api12 flexible size 2056", ((ALG, A.HUKS_ALG_RSA), (SIZE, 2056), (PURPOSE, ENC)), 12000003),
    ("src:g_rsaKeySize RSA 4096", ((ALG, A.HUKS_ALG_RSA), (SIZE, 4096), (PURPOSE, SIGN)), None),
    (
        "src:fixed-check order: size before padding",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 100), (PURPOSE, ENC), (PADDING, Pad.HUKS_PADDING_PSS)),
        12000003,
    ),
    (
        "UserAuth_Api20_Func_0100: TUI_PIN alone (ALWAYS_VALID) → 12000001 (engine, after the service)",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 32), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0)),
        12000001,
    ),
    (
        "userauth-reference §1 step 1: TUI_PIN without KEY_AUTH_ACCESS_TYPE → 401 (service first)",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 32)),
        401,
    ),
    (
        "userauth-reference §1 step 2: TUI_PIN with CLEAR_PASSWORD → 401",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 32), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 1),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0)),
        401,
    ),
    (
        "src:HksCheckUserAuthParams PIN with NEW_BIO_ENROLL",
        (
            *AES_GCM_KEY,
            (T.HUKS_TAG_USER_AUTH_TYPE, 4),
            (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 2),
            (T.HUKS_TAG_CHALLENGE_TYPE, 0),
        ),
        401,
    ),
    (
        "FaceFinger: FINGERPRINT with NEW_BIO_ENROLL",
        (
            *AES_GCM_KEY,
            (T.HUKS_TAG_USER_AUTH_TYPE, 1),
            (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 2),
            (T.HUKS_TAG_CHALLENGE_TYPE, 0),
        ),
        None,
    ),
    (
        "src:g_userAuthChallengeType CHALLENGE_TYPE 7",
        (
            *AES_GCM_KEY,
            (T.HUKS_TAG_USER_AUTH_TYPE, 1),
            (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 2),
            (T.HUKS_TAG_CHALLENGE_TYPE, 7),
        ),
        401,
    ),
    (
        "src:g_supportUserAuthTypes USER_AUTH_TYPE 8",
        (
            *AES_GCM_KEY,
            (T.HUKS_TAG_USER_AUTH_TYPE, 8),
            (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 1),
            (T.HUKS_TAG_CHALLENGE_TYPE, 0),
        ),
        401,
    ),
    (
        "src:CHECK_GET_ACCESS_TYPE_FAILED user auth without KEY_AUTH_ACCESS_TYPE",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_CHALLENGE_TYPE, 0)),
        401,
    ),
    (
        "userauth-reference §1 step 6: TUI_PIN|FINGERPRINT (ALWAYS_VALID) is not TUI_PIN alone: accepted",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 33), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0)),
        None,
    ),
    (
        "userauth-reference §1 step 2: PIN|FINGERPRINT with NEW_BIO_ENROLL passes the access table",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 5), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 2),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0)),
        None,
    ),
    (
        "userauth-reference §1 step 2: ALWAYS_VALID combined with CLEAR_PASSWORD → 401",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 5),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0)),
        401,
    ),
    (
        "userauth-reference §1 step 3: NONE with AUTH_TIMEOUT 216001 → 401",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 2), (T.HUKS_TAG_AUTH_TIMEOUT, 216001)),
        401,
    ),
    (
        "userauth-reference §1 step 3: AUTH_TIMEOUT not checked for NORMAL",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0), (T.HUKS_TAG_AUTH_TIMEOUT, 216001)),
        None,
    ),
    (
        "userauth-reference §1 step 3: SECURE_SIGN_TYPE 2 → 401",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0), (T.HUKS_TAG_KEY_SECURE_SIGN_TYPE, 2)),
        401,
    ),
    (
        "userauth-reference §1 step 4: KEY_AUTH_PURPOSE outside PURPOSE → 12000003",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0), (T.HUKS_TAG_KEY_AUTH_PURPOSE, 4)),
        12000003,
    ),
    (
        "userauth-reference §1 step 4: KEY_AUTH_PURPOSE 0 → 12000003",
        (*AES_GCM_KEY, (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4),
         (T.HUKS_TAG_CHALLENGE_TYPE, 0), (T.HUKS_TAG_KEY_AUTH_PURPOSE, 0)),
        12000003,
    ),
    (
        "userauth-reference §1: the service's user-auth checks run before the engine's (bad size too)",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 100), (PURPOSE, ENC), (T.HUKS_TAG_USER_AUTH_TYPE, 4),
         (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4)),
        401,
    ),
    (
        "userauth-reference §1 step 4: AES-ECB with a cipher KEY_AUTH_PURPOSE → 12000001",
        ((ALG, A.HUKS_ALG_AES), (SIZE, 256), (PURPOSE, ENC | DEC), (MODE, M.HUKS_MODE_ECB),
         (T.HUKS_TAG_USER_AUTH_TYPE, 4), (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 4), (T.HUKS_TAG_CHALLENGE_TYPE, 0),
         (T.HUKS_TAG_KEY_AUTH_PURPOSE, ENC)),
        12000001,
    ),
    (
        "ML-DSA-44 sign key (issue 15)",
        ((ALG, A.HUKS_ALG_ML_DSA), (SIZE, 44), (PURPOSE, SIGN)),
        None,
    ),
    (
        "ML-DSA parameter set 50 → INVALID_KEY_SIZE",
        ((ALG, A.HUKS_ALG_ML_DSA), (SIZE, 50), (PURPOSE, SIGN)),
        12000003,
    ),
    (
        "ML-DSA ENCRYPT → g_invalidPurpose",
        ((ALG, A.HUKS_ALG_ML_DSA), (SIZE, 65), (PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT)),
        12000003,
    ),
    (
        "ML-KEM SIGN → g_invalidPurpose",
        ((ALG, A.HUKS_ALG_ML_KEM), (SIZE, 768), (PURPOSE, SIGN)),
        12000003,
    ),
    (
        "ML-KEM-512 is not a HUKS parameter set",
        ((ALG, A.HUKS_ALG_ML_KEM), (SIZE, 512), (PURPOSE, P.HUKS_KEY_PURPOSE_WRAP)),
        12000003,
    ),
]


@pytest.mark.parametrize(("case", "params", "expected"), GENERATE, ids=[c[0] for c in GENERATE])
def test_generate(case: str, params: Pairs, expected: int | None) -> None:
    assert code_of(lambda: policy.check_generate(ps(*params))) == expected, case


def test_generate_returns_the_spec() -> None:
    """SignVerify ECC: the KeySpec carries ALGORITHM, KEY_SIZE, PURPOSE and DIGEST."""
    spec = policy.check_generate(ps(*ECC_KEY))
    assert spec == KeySpec(alg=A.HUKS_ALG_ECC, size=256, purpose=SIGN | VERIFY, digest=D.HUKS_DIGEST_NONE)


# --- import

PUB, PRIV, PAIR = 0, 1, 2
IMPORT: list[tuple[str, Pairs, int | None, int | None]] = [
    ("Import RSA public VERIFY", ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, VERIFY)), PUB, None),
    (
        "src:CheckImportMutableParams RSA public SIGN",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, SIGN)),
        PUB,
        12000003,
    ),
    (
        "src:CheckImportMutableParams RSA public ENC|DEC",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, ENC | DEC)),
        PUB,
        12000003,
    ),
    ("src:CheckImportMutableParams ECC public AGREE", ECC_AGREE_KEY, PUB, None),
    (
        "src:g_invalidImportKeyPurpose ECC public UNWRAP",
        ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, UNWRAP)),
        PUB,
        12000003,
    ),
    (
        "src:g_invalidImportKeyPurpose ECC pair UNWRAP",
        ((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, UNWRAP)),
        PAIR,
        12000003,
    ),
    (
        "src:CheckImportMutableParams Ed25519 public SIGN",
        ((ALG, A.HUKS_ALG_ED25519), (SIZE, 256), (PURPOSE, SIGN)),
        PUB,
        12000003,
    ),
    (
        "src:CheckImportMutableParams absent type = public",
        ((ALG, A.HUKS_ALG_DSA), (SIZE, 1024), (PURPOSE, SIGN)),
        None,
        12000003,
    ),
    (
        "src:CheckMutableParams RSA private DECRYPT",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, DEC)),
        PRIV,
        None,
    ),
    (
        "src:CheckMutableParams RSA private ENCRYPT",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, ENC)),
        PRIV,
        12000003,
    ),
    (
        "src:CheckMutableParams key pair unrestricted",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, ENC | DEC)),
        PAIR,
        None,
    ),
    (
        "src:CheckMutableParams SM2 private VERIFY",
        ((ALG, A.HUKS_ALG_SM2), (SIZE, 256), (PURPOSE, VERIFY)),
        PRIV,
        12000003,
    ),
    ("Import AES-256 raw (import type ignored)", AES_GCM_KEY, None, None),
    ("Import unknown IMPORT_KEY_TYPE", ((ALG, A.HUKS_ALG_RSA), (SIZE, 2048), (PURPOSE, VERIFY)), 7, 12000003),
    (
        "Import RSA non-standard size 1016",
        ((ALG, A.HUKS_ALG_RSA), (SIZE, 1016), (PURPOSE, VERIFY)),
        PUB,
        12000003,
    ),
]


@pytest.mark.parametrize(("case", "params", "import_type", "expected"), IMPORT, ids=[c[0] for c in IMPORT])
def test_import(case: str, params: Pairs, import_type: int | None, expected: int | None) -> None:
    assert code_of(lambda: policy.check_import(ps(*params), import_type)) == expected, case


@pytest.mark.parametrize(
    ("case", "alg", "size", "length", "expected"),
    [
        ("DES with KEY_SIZE 128 and 8 bytes", A.HUKS_ALG_DES, 128, 8, 401),
        ("XTS Import_API16_0800: DES with KEY_SIZE 128 and 16 bytes", A.HUKS_ALG_DES, 128, 16, 401),
        ("XTS Import_API16_1100: 3DES with KEY_SIZE 64 and 8 bytes", A.HUKS_ALG_3DES, 64, 8, 401),
        ("Import DES-64 8 bytes", A.HUKS_ALG_DES, 64, 8, None),
        ("Import AES-256 31 bytes", A.HUKS_ALG_AES, 256, 31, 401),
        (
            "src:HksSymmetricKeySizeCheck AES KEY_SIZE 136 with 17 bytes (no AES length: 401 first)",
            A.HUKS_ALG_AES,
            136,
            17,
            401,
        ),
        ("Import RSA: material length is formats' business", A.HUKS_ALG_RSA, 2048, 5, None),
    ],
)
def test_import_key_length(case: str, alg: int, size: int, length: int, expected: int | None) -> None:
    purpose = VERIFY if alg == A.HUKS_ALG_RSA else ENC | DEC
    params = ps((ALG, alg), (SIZE, size), (PURPOSE, purpose))
    assert code_of(lambda: policy.check_import(params, None, key_len=length)) == expected, case


def test_import_public_key_is_public_only() -> None:
    """Import_API9: an imported public key is public_only in its spec, and stays so once stored."""
    params = ps((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, VERIFY), (T.HUKS_TAG_IMPORT_KEY_TYPE, PUB))
    assert policy.check_import(params, PUB).public_only
    stored = policy.stored_params(params, F.HUKS_KEY_FLAG_IMPORT_KEY)
    assert policy.key_spec(stored).public_only
    pair = ps((ALG, A.HUKS_ALG_ECC), (SIZE, 256), (PURPOSE, SIGN), (T.HUKS_TAG_IMPORT_KEY_TYPE, PAIR))
    assert not policy.key_spec(policy.stored_params(pair, F.HUKS_KEY_FLAG_IMPORT_KEY)).public_only


# --- init

INIT: list[tuple[str, Pairs, Pairs, int | None]] = [
    ("src:GetPurposeAndAlgorithm init without ALGORITHM", AES_GCM_KEY, ((PURPOSE, ENC),), 401),
    ("src:GetPurposeAndAlgorithm init without PURPOSE", AES_GCM_KEY, ((ALG, A.HUKS_ALG_AES),), 401),
    (
        "src:GetPurposeAndAlgorithm init PURPOSE of two bits",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC | DEC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
        ),
        401,
    ),
    (
        "AccessControl_0100 DSA key initialised with AGREE",
        DSA_KEY,
        ((ALG, A.HUKS_ALG_DSA), (PURPOSE, AGREE)),
        12000003,
    ),
    (
        "AccessControl_0400 RSA SIGN key initialised with MAC",
        RSA_SIGN_KEY,
        ((ALG, A.HUKS_ALG_RSA), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_SHA256)),
        12000003,
    ),
    (
        "AccessControl_0400 RSA SIGN key initialised for ENCRYPT",
        RSA_SIGN_KEY,
        (
            (ALG, A.HUKS_ALG_RSA),
            (PURPOSE, ENC),
            (PADDING, Pad.HUKS_PADDING_PKCS1_V1_5),
            (DIGEST, D.HUKS_DIGEST_SHA256),
        ),
        401,
    ),
    (
        "SignExtend_0500 RSA PKCS1 key, init without PADDING",
        RSA_SIGN_KEY,
        ((ALG, A.HUKS_ALG_RSA), (PURPOSE, SIGN), (DIGEST, D.HUKS_DIGEST_SHA256)),
        401,
    ),
    (
        "SignExtend RSA key, init PADDING PSS != PKCS1",
        RSA_SIGN_KEY,
        (
            (ALG, A.HUKS_ALG_RSA),
            (PURPOSE, SIGN),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (PADDING, Pad.HUKS_PADDING_PSS),
        ),
        401,
    ),
    (
        "SignExtend sign init without DIGEST",
        RSA_SIGN_KEY,
        ((ALG, A.HUKS_ALG_RSA), (PURPOSE, SIGN), (PADDING, Pad.HUKS_PADDING_PKCS1_V1_5)),
        401,
    ),
    (
        "SignExtend_3300 ECC DIGEST_NONE key, init SHA384",
        ECC_KEY,
        ((ALG, A.HUKS_ALG_ECC), (PURPOSE, SIGN), (DIGEST, D.HUKS_DIGEST_SHA384)),
        401,
    ),
    (
        "SignVerify ECC DIGEST_NONE",
        ECC_KEY,
        ((ALG, A.HUKS_ALG_ECC), (PURPOSE, SIGN), (DIGEST, D.HUKS_DIGEST_NONE)),
        None,
    ),
    (
        "SignExtend_2900 SM4 PADDING NONE key, init PKCS1_V1_5",
        SM4_KEY,
        (
            (ALG, A.HUKS_ALG_SM4),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CBC),
            (PADDING, Pad.HUKS_PADDING_PKCS1_V1_5),
            (IV, IV16),
        ),
        401,
    ),
    (
        "SignExtend_1400 AES key without BLOCK_MODE used with GCM",
        AES_BARE_KEY,
        ((ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (MODE, M.HUKS_MODE_GCM), (PADDING, Pad.HUKS_PADDING_NONE)),
        None,
    ),
    (
        "src:OptionalParamCheck AES key without BLOCK_MODE, init without",
        AES_BARE_KEY,
        ((ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (PADDING, Pad.HUKS_PADDING_NONE)),
        12000002,
    ),
    (
        "src:OptionalParamCheck AES key without BLOCK_MODE, init OFB",
        AES_BARE_KEY,
        ((ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (MODE, M.HUKS_MODE_OFB), (PADDING, Pad.HUKS_PADDING_NONE)),
        12000002,
    ),
    (
        "src:OptionalParamCheck+HksCheckGenKeyMutableParams AES CTR PKCS7",
        AES_BARE_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CTR),
            (PADDING, Pad.HUKS_PADDING_PKCS7),
            (IV, IV16),
        ),
        12000003,
    ),
    (
        "src:OptionalParamCheck RSA key without PADDING, init without",
        RSA_BARE_SIGN_KEY,
        ((ALG, A.HUKS_ALG_RSA), (PURPOSE, SIGN), (DIGEST, D.HUKS_DIGEST_SHA256)),
        12000002,
    ),
    (
        "src:HksCheckGenKeyMutableParams RSA sign key, init OAEP",
        RSA_BARE_SIGN_KEY,
        (
            (ALG, A.HUKS_ALG_RSA),
            (PURPOSE, SIGN),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (PADDING, Pad.HUKS_PADDING_OAEP),
        ),
        12000003,
    ),
    (
        "src:hks_auth.c RSA cipher NONE padding without DIGEST anywhere",
        RSA_ENC_KEY,
        ((ALG, A.HUKS_ALG_RSA), (PURPOSE, ENC), (PADDING, Pad.HUKS_PADDING_NONE)),
        None,
    ),
    (
        "src:hks_auth.c RSA OAEP without DIGEST anywhere",
        RSA_ENC_KEY,
        ((ALG, A.HUKS_ALG_RSA), (PURPOSE, ENC), (PADDING, Pad.HUKS_PADDING_OAEP)),
        12000002,
    ),
    (
        "src:AuthPolicy ALGORITHM differs (AES key, SM4 init)",
        AES_GCM_KEY,
        ((ALG, A.HUKS_ALG_SM4), (PURPOSE, ENC), (MODE, M.HUKS_MODE_GCM), (PADDING, Pad.HUKS_PADDING_NONE)),
        401,
    ),
    (
        "src:AuthPolicy ECC sign with the RSA handler's algorithm",
        ECC_KEY,
        (
            (ALG, A.HUKS_ALG_RSA),
            (PURPOSE, SIGN),
            (DIGEST, D.HUKS_DIGEST_NONE),
            (PADDING, Pad.HUKS_PADDING_PSS),
        ),
        401,
    ),
    ("Ed25519 sign needs no DIGEST", ED25519_KEY, ((ALG, A.HUKS_ALG_ED25519), (PURPOSE, SIGN)), None),
    (
        "CipherSM2 encrypt SM3",
        ((ALG, A.HUKS_ALG_SM2), (SIZE, 256), (PURPOSE, ENC | DEC), (DIGEST, D.HUKS_DIGEST_SM3)),
        ((ALG, A.HUKS_ALG_SM2), (PURPOSE, ENC), (DIGEST, D.HUKS_DIGEST_SM3)),
        None,
    ),
    (
        "src:OptionalParamCheck SM2 key without DIGEST, init without",
        ((ALG, A.HUKS_ALG_SM2), (SIZE, 256), (PURPOSE, ENC | DEC)),
        ((ALG, A.HUKS_ALG_SM2), (PURPOSE, ENC)),
        12000002,
    ),
    (
        "SignVerifyDSA DSA SHA256",
        DSA_KEY,
        ((ALG, A.HUKS_ALG_DSA), (PURPOSE, VERIFY), (DIGEST, D.HUKS_DIGEST_SHA256)),
        None,
    ),
    (
        "api:IV ECB takes no IV",
        AES_BARE_KEY,
        ((ALG, A.HUKS_ALG_AES), (PURPOSE, DEC), (MODE, M.HUKS_MODE_ECB), (PADDING, Pad.HUKS_PADDING_PKCS7)),
        None,
    ),
    (
        "huks-reference §4.3 WRAP has no session",
        ECC_AGREE_KEY,
        ((ALG, A.HUKS_ALG_ECC), (PURPOSE, WRAP)),
        12000003,
    ),
    # IV (python-api.md §4 "IV")
    (
        "api:IV CBC missing",
        AES_CBC_KEY,
        ((ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (MODE, M.HUKS_MODE_CBC), (PADDING, Pad.HUKS_PADDING_PKCS7)),
        12000002,
    ),
    (
        "api:IV CBC 12 bytes (XTS CipherAES error tests use 12; hukspy enforces 16)",
        AES_CBC_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CBC),
            (PADDING, Pad.HUKS_PADDING_PKCS7),
            (IV, b"\x00" * 12),
        ),
        12000003,
    ),
    (
        "api:IV CBC 16 bytes",
        AES_CBC_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CBC),
            (PADDING, Pad.HUKS_PADDING_PKCS7),
            (IV, IV16),
        ),
        None,
    ),
    (
        "api:IV AES CTR 8 bytes",
        AES_BARE_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CTR),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (IV, IV8),
        ),
        12000003,
    ),
    (
        "CipherDES DES CBC 8-byte IV",
        DES_CBC_KEY,
        (
            (ALG, A.HUKS_ALG_DES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CBC),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (IV, IV8),
        ),
        None,
    ),
    (
        "api:IV DES CBC 16-byte IV",
        DES_CBC_KEY,
        (
            (ALG, A.HUKS_ALG_DES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CBC),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (IV, IV16),
        ),
        12000003,
    ),
    # GCM / CCM
    (
        "huks-reference §4.3 GCM encrypt without NONCE (generated)",
        AES_GCM_KEY,
        ((ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (MODE, M.HUKS_MODE_GCM), (PADDING, Pad.HUKS_PADDING_NONE)),
        None,
    ),
    (
        "src:CheckCipherAeNonceMaterial GCM nonce 11 bytes",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (NONCE, b"n" * 11),
        ),
        12000003,
    ),
    (
        "src:CheckCipherAeNonceMaterial GCM nonce 16 bytes",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (NONCE, b"n" * 16),
        ),
        None,
    ),
    (
        "src:CheckCipherAeNonceMaterial GCM decrypt without NONCE",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, DEC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (AE_TAG, b"t" * 16),
        ),
        12000002,
    ),
    (
        "CipherAES GCM decrypt without AE_TAG at init",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, DEC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (NONCE, b"n" * 12),
        ),
        401,
    ),
    (
        "CODE_AEAD_TAG_LEN_NOT_EQUAL GCM AE_TAG 15 bytes",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, DEC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (NONCE, b"n" * 12),
            (AE_TAG, b"t" * 15),
        ),
        12000018,
    ),
    (
        "CODE_AEAD_TAG_LEN_INVALID GCM AE_TAG_LEN 12",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_GCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (AE_TAG_LEN, 12),
        ),
        12000003,
    ),
    (
        "CODE_AEAD_TAG_LEN_INVALID CCM AE_TAG_LEN 5",
        AES_BARE_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (AE_TAG_LEN, 5),
        ),
        12000003,
    ),
    (
        "CCM AE_TAG_LEN 8 with an 8-byte tag",
        AES_BARE_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, DEC),
            (MODE, M.HUKS_MODE_CCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (AE_TAG_LEN, 8),
            (NONCE, b"n" * 7),
            (AE_TAG, b"t" * 8),
        ),
        None,
    ),
    (
        "src:CheckCipherAeNonceMaterial CCM nonce 14 bytes",
        AES_BARE_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (NONCE, b"n" * 14),
        ),
        12000003,
    ),
    (
        "src:CheckCipherAeAadMaterial CCM AAD 3 bytes",
        AES_BARE_KEY,
        (
            (ALG, A.HUKS_ALG_AES),
            (PURPOSE, ENC),
            (MODE, M.HUKS_MODE_CCM),
            (PADDING, Pad.HUKS_PADDING_NONE),
            (T.HUKS_TAG_ASSOCIATED_DATA, b"abc"),
        ),
        12000003,
    ),
    # MAC
    (
        "MacHmac HMAC SHA256",
        HMAC_KEY,
        ((ALG, A.HUKS_ALG_HMAC), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_SHA256)),
        None,
    ),
    ("MacHmac HMAC init without DIGEST", HMAC_KEY, ((ALG, A.HUKS_ALG_HMAC), (PURPOSE, MAC)), 401),
    (
        "MacHmac HMAC key SHA256, init SHA384",
        HMAC_KEY,
        ((ALG, A.HUKS_ALG_HMAC), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_SHA384)),
        401,
    ),
    (
        "src:OptionalParamCheck HMAC key without DIGEST, init MD5",
        HMAC_BARE_KEY,
        ((ALG, A.HUKS_ALG_HMAC), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_MD5)),
        12000002,
    ),
    (
        "src:INIT_ALGS HMAC init on an ECC key",
        ECC_AGREE_KEY,
        ((ALG, A.HUKS_ALG_HMAC), (PURPOSE, MAC), (DIGEST, D.HUKS_DIGEST_SHA256)),
        12000003,
    ),
    # agree
    ("AgreeECC ECDH on an ECC key", ECC_AGREE_KEY, ((ALG, A.HUKS_ALG_ECDH), (PURPOSE, AGREE)), None),
    ("AgreeX25519 X25519", X25519_KEY, ((ALG, A.HUKS_ALG_X25519), (PURPOSE, AGREE)), None),
    ("src:INIT_ALGS ECDH on an X25519 key", X25519_KEY, ((ALG, A.HUKS_ALG_ECDH), (PURPOSE, AGREE)), 12000003),
    ("src:AuthPolicy agree with an ECC SIGN key", ECC_KEY, ((ALG, A.HUKS_ALG_ECDH), (PURPOSE, AGREE)), 401),
    # derive
    (
        "Derive_API9_HKDF_101 init",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_HKDF),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
        ),
        None,
    ),
    (
        "DeriveHKDF key SHA256, init SHA512",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_HKDF),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA512),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
        ),
        401,
    ),
    (
        "DeriveHKDF without DERIVE_KEY_SIZE",
        AES_DERIVE_KEY,
        ((ALG, A.HUKS_ALG_HKDF), (PURPOSE, DERIVE), (DIGEST, D.HUKS_DIGEST_SHA256)),
        401,
    ),
    (
        "src:CheckPbkdf2DeriveKeyParams PBKDF2 without ITERATION",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_PBKDF2),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
            (T.HUKS_TAG_SALT, b"s" * 16),
        ),
        12000002,
    ),
    (
        "src:CheckPbkdf2DeriveKeyParams PBKDF2 ITERATION 999",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_PBKDF2),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
            (T.HUKS_TAG_SALT, b"s" * 16),
            (T.HUKS_TAG_ITERATION, 999),
        ),
        12000003,
    ),
    (
        "src:CheckPbkdf2DeriveKeyParams PBKDF2 SALT 15 bytes",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_PBKDF2),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
            (T.HUKS_TAG_SALT, b"s" * 15),
            (T.HUKS_TAG_ITERATION, 1000),
        ),
        12000003,
    ),
    (
        "src:CheckPbkdf2DeriveKeyParams PBKDF2 without SALT",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_PBKDF2),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
            (T.HUKS_TAG_ITERATION, 1000),
        ),
        12000002,
    ),
    (
        "DerivePBKDF2 valid",
        AES_DERIVE_KEY,
        (
            (ALG, A.HUKS_ALG_PBKDF2),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
            (T.HUKS_TAG_SALT, b"s" * 16),
            (T.HUKS_TAG_ITERATION, 1000),
        ),
        None,
    ),
    (
        "src:AuthPolicy HKDF on an AES ENC|DEC key (purpose not allowed)",
        AES_GCM_KEY,
        (
            (ALG, A.HUKS_ALG_HKDF),
            (PURPOSE, DERIVE),
            (DIGEST, D.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
        ),
        401,
    ),
]


def _stored(key: Pairs) -> ParamSet:
    return policy.stored_params(ps(*key), F.HUKS_KEY_FLAG_GENERATE_KEY)


@pytest.mark.parametrize(("case", "key", "init", "expected"), INIT, ids=[c[0] for c in INIT])
def test_init(case: str, key: Pairs, init: Pairs, expected: int | None) -> None:
    policy.check_generate(ps(*key))  # every key of the table is a valid key
    assert code_of(lambda: policy.check_init(_stored(key), ps(*init))) == expected, case


def test_gcm_nonce_generated_and_appended() -> None:
    """GCM encrypt without NONCE: HUKS picks a random 12-byte nonce and appends it at finish."""
    init = ps(
        (ALG, A.HUKS_ALG_AES),
        (PURPOSE, ENC),
        (MODE, M.HUKS_MODE_GCM),
        (PADDING, Pad.HUKS_PADDING_NONE),
        (T.HUKS_TAG_AAD, b"aad"),
    )
    a = policy.check_init(_stored(AES_GCM_KEY), init)
    b = policy.check_init(_stored(AES_GCM_KEY), init)
    assert a.append_nonce and a.op.nonce is not None and len(a.op.nonce) == 12
    assert a.op.nonce != b.op.nonce
    assert a.op.aad == b"aad" and a.op.tag_len == 16
    given_nonce = policy.check_init(_stored(AES_GCM_KEY), ps(*init.items(), (NONCE, b"n" * 12)))
    assert not given_nonce.append_nonce and given_nonce.op.nonce == b"n" * 12


def test_ccm_generated_nonce_is_7_bytes() -> None:
    init = ps(
        (ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (MODE, M.HUKS_MODE_CCM), (PADDING, Pad.HUKS_PADDING_NONE)
    )
    plan = policy.check_init(_stored(AES_BARE_KEY), init)
    assert plan.append_nonce and plan.op.nonce is not None and len(plan.op.nonce) == 7


def test_gcm_user_auth_key_needs_nonce() -> None:
    """huks-reference §4.3: no generated nonce for a key with KEY_AUTH_PURPOSE → 12000002."""
    key = (*AES_GCM_KEY, (T.HUKS_TAG_KEY_AUTH_PURPOSE, ENC))
    init = ps(
        (ALG, A.HUKS_ALG_AES), (PURPOSE, ENC), (MODE, M.HUKS_MODE_GCM), (PADDING, Pad.HUKS_PADDING_NONE)
    )
    assert code_of(lambda: policy.check_init(_stored(key), init)) == 12000002


def test_aad_from_associated_data() -> None:
    init = ps(
        (ALG, A.HUKS_ALG_AES),
        (PURPOSE, DEC),
        (MODE, M.HUKS_MODE_GCM),
        (PADDING, Pad.HUKS_PADDING_NONE),
        (NONCE, b"n" * 12),
        (AE_TAG, b"t" * 16),
        (T.HUKS_TAG_ASSOCIATED_DATA, b"old"),
    )
    plan = policy.check_init(_stored(AES_GCM_KEY), init)
    assert plan.op.aad == b"old" and plan.op.tag == b"t" * 16 and not plan.append_nonce


def test_oaep_digest_none_is_sha1() -> None:
    """python-api.md §4: OAEP with DIGEST_NONE means SHA1 (CheckRsaOaepCipherData)."""
    init = ps(
        (ALG, A.HUKS_ALG_RSA), (PURPOSE, ENC), (PADDING, Pad.HUKS_PADDING_OAEP), (DIGEST, D.HUKS_DIGEST_NONE)
    )
    op = policy.check_init(_stored(RSA_ENC_KEY), init).op
    assert (op.padding, op.digest, op.mgf_digest) == (
        Pad.HUKS_PADDING_OAEP,
        D.HUKS_DIGEST_SHA1,
        D.HUKS_DIGEST_SHA1,
    )


def test_pss_salt_defaults_to_max() -> None:
    """python-api.md §4 RSA-PSS: without RSA_PSS_SALT_LEN_TYPE the salt is MAX (1); DIGEST (0) kept."""
    key = RSA_BARE_SIGN_KEY
    init = ps(
        (ALG, A.HUKS_ALG_RSA),
        (PURPOSE, SIGN),
        (PADDING, Pad.HUKS_PADDING_PSS),
        (DIGEST, D.HUKS_DIGEST_SHA256),
    )
    op = policy.check_init(_stored(key), init).op
    assert (op.pss_salt, op.mgf_digest) == (1, D.HUKS_DIGEST_SHA256)
    pkcs1 = ps(
        (ALG, A.HUKS_ALG_RSA),
        (PURPOSE, SIGN),
        (PADDING, Pad.HUKS_PADDING_PKCS1_V1_5),
        (DIGEST, D.HUKS_DIGEST_SHA256),
    )
    op1 = policy.check_init(_stored(key), pkcs1).op
    assert (op1.pss_salt, op1.mgf_digest, op1.digest) == (None, None, D.HUKS_DIGEST_SHA256)
    init0 = ps(*init.items(), (T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE, 0))
    assert policy.check_init(_stored(key), init0).op.pss_salt == 0
    init9 = ps(*init.items(), (T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE, 9))
    assert code_of(lambda: policy.check_init(_stored(key), init9)) == 12000003


def test_derive_op_fields() -> None:
    """Derive_API9_HKDF_101: HKDF init gives digest, size, and empty SALT/INFO when absent."""
    init = ps(
        (ALG, A.HUKS_ALG_HKDF),
        (PURPOSE, DERIVE),
        (DIGEST, D.HUKS_DIGEST_SHA256),
        (T.HUKS_TAG_DERIVE_KEY_SIZE, 32),
    )
    op = policy.check_init(_stored(AES_DERIVE_KEY), init).op
    assert (op.kind, op.alg, op.digest, op.derive_size, op.salt, op.info) == (
        OpKind.DERIVE,
        A.HUKS_ALG_HKDF,
        D.HUKS_DIGEST_SHA256,
        32,
        b"",
        b"",
    )


def test_agree_op_alg_is_the_init_alg() -> None:
    op = policy.check_init(_stored(ECC_AGREE_KEY), ps((ALG, A.HUKS_ALG_ECDH), (PURPOSE, AGREE))).op
    assert (op.kind, op.alg) == (OpKind.AGREE, A.HUKS_ALG_ECDH)


# --- block input


@pytest.mark.parametrize(
    ("case", "op", "total", "expected"),
    [
        (
            "src:CheckBlockCipherOther AES ECB NONE 15 bytes",
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_ECB, padding=Pad.HUKS_PADDING_NONE),
            15,
            401,
        ),
        (
            "src:CheckBlockCipherOther AES CBC NONE 32 bytes",
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CBC, padding=Pad.HUKS_PADDING_NONE),
            32,
            None,
        ),
        (
            "src:CheckBlockCipherOther DES CBC NONE 12 bytes",
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_DES, mode=M.HUKS_MODE_CBC, padding=Pad.HUKS_PADDING_NONE),
            12,
            401,
        ),
        (
            "src:CheckBlockCipherOther 3DES ECB NONE 16 bytes",
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_3DES, mode=M.HUKS_MODE_ECB, padding=Pad.HUKS_PADDING_NONE),
            16,
            None,
        ),
        (
            "src:CheckBlockCipherOther AES CBC PKCS7 any length",
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CBC, padding=Pad.HUKS_PADDING_PKCS7),
            15,
            None,
        ),
        (
            "src:CheckBlockCipherOther AES CTR any length",
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CTR, padding=Pad.HUKS_PADDING_NONE),
            15,
            None,
        ),
    ],
)
def test_block_input(case: str, op: OpSpec, total: int, expected: int | None) -> None:
    assert code_of(lambda: policy.check_block_input(op, total)) == expected, case


# --- finish storage

STORE_AES: Pairs = (
    (T.HUKS_TAG_KEY_STORAGE_FLAG, 1),
    (T.HUKS_TAG_IS_KEY_ALIAS, True),
    (ALG, A.HUKS_ALG_AES),
    (SIZE, 256),
    (PURPOSE, ENC | DEC),
    (DIGEST, D.HUKS_DIGEST_NONE),
    (T.HUKS_TAG_KEY_ALIAS, b"derived"),
    (PADDING, Pad.HUKS_PADDING_NONE),
    (MODE, M.HUKS_MODE_GCM),
)
ONLY_IN_HUKS = ((T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG, 2),)
EXPORT_ALLOWED = ((T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG, 3),)

FINISH: list[tuple[str, Pairs, Pairs, int | str | None]] = [
    ("Derive_API9_HKDF_101 finish stores the key", AES_DERIVE_KEY, STORE_AES, "store"),
    ("DeriveHKDF finish returns the bytes", AES_DERIVE_KEY, (), None),
    (
        "src:derive storage flag ONLY_USED_IN_HUKS base, finish returns",
        AES_DERIVE_KEY + ONLY_IN_HUKS,
        (),
        12000012,
    ),
    (
        "src:derive storage flag EXPORT_ALLOWED base, finish stores",
        AES_DERIVE_KEY + EXPORT_ALLOWED,
        STORE_AES,
        12000012,
    ),
    (
        "docs: ONLY_USED_IN_HUKS on both sides stores",
        AES_DERIVE_KEY + ONLY_IN_HUKS,
        STORE_AES[1:] + ONLY_IN_HUKS,
        "store",
    ),
    ("docs: EXPORT_ALLOWED on both sides returns", AES_DERIVE_KEY + EXPORT_ALLOWED, EXPORT_ALLOWED, None),
    (
        "docs: flag conflict ONLY_USED_IN_HUKS vs EXPORT_ALLOWED",
        AES_DERIVE_KEY + ONLY_IN_HUKS,
        STORE_AES + EXPORT_ALLOWED,
        12000012,
    ),
    (
        "src:KEY_ALIAS missing when storing",
        AES_DERIVE_KEY,
        tuple(p for p in STORE_AES if p[0] != T.HUKS_TAG_KEY_ALIAS),
        401,
    ),
    (
        "src:stored key params checked as generate (no KEY_SIZE)",
        AES_DERIVE_KEY,
        tuple(p for p in STORE_AES if p[0] != SIZE),
        12000002,
    ),
    ("AgreeECC finish with storage flag", ECC_AGREE_KEY, STORE_AES, "store"),
    (
        "api:Aliases KEY_ALIAS of the stored key not UTF-8",
        AES_DERIVE_KEY,
        (*(p for p in STORE_AES if p[0] != T.HUKS_TAG_KEY_ALIAS), (T.HUKS_TAG_KEY_ALIAS, b"\xff\xfe")),
        401,
    ),
    (
        "api:Aliases KEY_ALIAS of the stored key 129 bytes",
        AES_DERIVE_KEY,
        (*(p for p in STORE_AES if p[0] != T.HUKS_TAG_KEY_ALIAS), (T.HUKS_TAG_KEY_ALIAS, b"a" * 129)),
        401,
    ),
]


@pytest.mark.parametrize(("case", "key", "finish", "expected"), FINISH, ids=[c[0] for c in FINISH])
def test_finish_storage(case: str, key: Pairs, finish: Pairs, expected: int | str | None) -> None:
    result: list[policy.StoreRequest | None] = []
    code = code_of(lambda: result.append(policy.check_finish_storage(_stored(key), ps(*finish))))
    if isinstance(expected, int):
        assert code == expected, case
        return
    assert code is None, case
    if expected is None:
        assert result == [None], case
    else:
        request = result[0]
        assert request is not None and request.alias == "derived", case
        assert request.spec == KeySpec(
            alg=A.HUKS_ALG_AES, size=256, purpose=ENC | DEC, digest=D.HUKS_DIGEST_NONE
        )


# --- alias, level, stored


@pytest.mark.parametrize(
    ("case", "alias", "expected"),
    [
        ("api:Aliases empty", "", 401),
        ("api:Aliases 128 bytes", "a" * 128, None),
        ("api:Aliases 129 bytes", "a" * 129, 401),
        ("api:Aliases 64 x 2-byte chars = 128 bytes", "é" * 64, None),
        ("api:Aliases 43 x 3-byte chars = 129 bytes", "€" * 43, 401),
        ("api:Aliases not a str", b"alias", 401),
        ("api:Aliases None", None, 401),
        ("api:Aliases lone surrogate", "\ud800", 401),
    ],
)
def test_alias(case: str, alias: object, expected: int | None) -> None:
    assert code_of(lambda: policy.check_alias(alias)) == expected, case


@pytest.mark.parametrize(("level", "expected"), [(None, 1), (0, 0), (1, 1), (2, 2), (3, 401)])
def test_storage_level(level: int | None, expected: int) -> None:
    """ListAliases (XTS): AUTH_STORAGE_LEVEL DE/CE/ECE, CE by default; another value → 401."""
    params = ps() if level is None else ps((T.HUKS_TAG_AUTH_STORAGE_LEVEL, level))
    if expected == 401:
        assert code_of(lambda: policy.storage_level(params)) == 401
    else:
        assert policy.storage_level(params) == expected


def test_stored_params_drop_transient_and_secrets() -> None:
    """getKeyItemProperties: the creation params minus per-call and secret tags, plus KEY_FLAG."""
    params = ps(
        *AES_GCM_KEY,
        (T.HUKS_TAG_KEY_OVERRIDE, True),
        (T.HUKS_TAG_KEY_ALIAS, b"x"),
        (T.HUKS_TAG_AUTH_TOKEN, b"secret"),
        (T.HUKS_TAG_KEY_FLAG, 9),
        (T.HUKS_TAG_AUTH_STORAGE_LEVEL, 2),
    )
    stored = policy.stored_params(params, F.HUKS_KEY_FLAG_GENERATE_KEY)
    assert stored == ps(*AES_GCM_KEY, (T.HUKS_TAG_AUTH_STORAGE_LEVEL, 2), (T.HUKS_TAG_KEY_FLAG, 2))
    assert policy.key_spec(stored) == policy.check_generate(params)


def test_key_spec_of_a_damaged_record() -> None:
    assert code_of(lambda: policy.key_spec(ps((ALG, A.HUKS_ALG_AES)))) == 12000012


def test_tables_cover_every_key_algorithm() -> None:
    """One table per fact: every key algorithm has a size rule and a purpose rule."""
    for alg in policy.KEY_ALGS - policy.UNSUPPORTED_KEY_ALGS:
        assert alg in policy.KEY_SIZES and alg in policy.INVALID_PURPOSE, alg
    for alg in policy.MAC_DERIVE_KEY_ALGS:
        assert alg in policy.MAC_KEY_SIZES and alg in policy.DERIVE_KEY_SIZES, alg


# --- fuzz

_TAGS = [
    ALG,
    PURPOSE,
    SIZE,
    DIGEST,
    PADDING,
    MODE,
    T.HUKS_TAG_DERIVE_KEY_SIZE,
    T.HUKS_TAG_ITERATION,
    T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE,
    AE_TAG_LEN,
    T.HUKS_TAG_USER_AUTH_TYPE,
    T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE,
    T.HUKS_TAG_CHALLENGE_TYPE,
    T.HUKS_TAG_IMPORT_KEY_TYPE,
    T.HUKS_TAG_AUTH_STORAGE_LEVEL,
    T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG,
    T.HUKS_TAG_KEY_STORAGE_FLAG,
    T.HUKS_TAG_KEY_AUTH_PURPOSE,
]
_BYTE_TAGS = [
    IV,
    NONCE,
    AE_TAG,
    T.HUKS_TAG_AAD,
    T.HUKS_TAG_ASSOCIATED_DATA,
    T.HUKS_TAG_SALT,
    T.HUKS_TAG_INFO,
    T.HUKS_TAG_KEY_ALIAS,
]
_INTERESTING = sorted(
    {int(v) for v in A}
    | {int(v) for v in P}
    | {int(v) for v in D}
    | {int(v) for v in Pad}
    | {int(v) for v in M}
    | {0, 3, 7, 8, 12, 16, 32, 64, 128, 192, 256, 512, 521, 1000, 1024, 2048, 3072, 4096, 2**32 - 1}
    | {ENC | DEC, SIGN | VERIFY}
)
_uint = st.one_of(st.sampled_from(_INTERESTING), st.integers(0, 2**32 - 1))
_param_sets = st.builds(
    lambda ints, blobs: ParamSet.parse([HuksParam(t, v) for t, v in {**ints, **blobs}.items()]),
    st.dictionaries(st.sampled_from(_TAGS), _uint, max_size=8),
    st.dictionaries(st.sampled_from(_BYTE_TAGS), st.binary(max_size=20), max_size=3),
)
_CODES = {401, 12000001, 12000002, 12000003, 12000012, 12000018}


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=_param_sets, init=_param_sets)
def test_fuzz_only_huks_errors(key: ParamSet, init: ParamSet) -> None:
    """Random param sets into check_generate/check_import/check_init/check_finish_storage: a spec or a
    HuksError with one of the documented codes, never another exception."""
    results: list[object] = []
    for fn in (
        lambda: policy.check_generate(key),
        lambda: policy.check_import(key, key.int_(T.HUKS_TAG_IMPORT_KEY_TYPE)),
        lambda: policy.check_init(policy.stored_params(key, 2), init),
        lambda: policy.check_finish_storage(key, init),
    ):
        try:
            results.append(fn())
        except HuksError as exc:
            assert exc.code in _CODES, exc
    for r in results:
        assert r is None or isinstance(r, KeySpec | policy.InitPlan | policy.StoreRequest)


@settings(max_examples=1000, deadline=None)
@given(key=st.sampled_from([c[1] for c in INIT]), init=_param_sets)
def test_fuzz_init_on_valid_keys(key: Pairs, init: ParamSet) -> None:
    """Random init params on each valid key of the table: an InitPlan or a documented HuksError."""
    try:
        plan = policy.check_init(_stored(key), init)
    except HuksError as exc:
        assert exc.code in _CODES, exc
    else:
        assert isinstance(plan.op, OpSpec)
