"""The shared helpers of the api12 ets suites translated on branch xtsd (issue 19): error codes, list
aliases, attestation, CMAC and import.

Upstream: ``security/huks/huks_ets_api12/entry/src/ohosTest/ets/test/utils/`` of xts_acts at commit
``c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3`` (tests/xts/helpers.py), Apache-2.0. Options are lists of
``HuksParam`` here; ``set_param``/``add_param``/``delete_param``/``merge`` are the ``HuksOptionsUtils.ets``
functions of the same names. The key material of ``utils/options/ImportOptions.ets`` and
``utils/huks/ImportUtils.ets`` (test keys published upstream) is kept below with that origin.

Upstream's ``huksCallback`` wrappers (``utils/huks/HuksCallbackUtils.ets``) call the same HUKS function
through its callback form; hukspy has one synchronous API, so a ``..._0110``-style callback case runs the
same ``Keystore`` method as its promise twin.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hukspy import Keystore
from hukspy.enums import (
    HuksAuthAccessType,
    HuksChallengeType,
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksTag,
    HuksUserAuthType,
)
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import require, string_to_uint8array

T = HuksTag
API12_DIR: Final = "security/huks/huks_ets_api12/entry/src/ohosTest/ets/test"
Props = list[HuksParam]


# -- utils/huks/HuksOptionsUtils.ets ----------------------------------------------------------------------
def delete_param(props: Props, tag: int) -> Props:
    """``DeleteParam``: every param with ``tag`` removed."""
    return [p for p in props if p.tag != tag]


def set_param(props: Props, tag: int, value: object) -> Props:
    """``SetParam``: ``tag`` removed, then appended once with ``value``."""
    return [*delete_param(props, tag), param(tag, value)]


def add_param(props: Props, tag: int, value: object) -> Props:
    """``AddParam``: ``tag`` appended (a second ALGORITHM makes a duplicate tag)."""
    return [*props, param(tag, value)]


def set_multi_param(props: Props, tag: int, value: object) -> Props:
    """``SetMultiParam``: ``tag`` removed, then appended twice."""
    return [*delete_param(props, tag), param(tag, value), param(tag, value)]


def merge(props: Props, *others: Sequence[HuksParam]) -> Props:
    """``MergeOptions``: each param of ``others`` through ``set_param``."""
    for other in others:
        for p in other:
            props = set_param(props, p.tag, p.value)
    return props


def data_by_size(size: int) -> bytes:
    """``StringToUint8Array(GetDataBySize(size))`` (utils/CommonUtils.ets): ``size`` bytes of "A"."""
    return b"A" * max(size, 0)


# -- utils/options/GenerateKeyOptions.ets and utils/huks/GenerateKeyUtils.ets ----------------------------
_ENC_DEC: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT
_SIGN_VERIFY: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN | HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY


def _gen(alg: int, size: int, purpose: int) -> Props:
    return [param(T.HUKS_TAG_ALGORITHM, alg), param(T.HUKS_TAG_KEY_SIZE, size),
            param(T.HUKS_TAG_PURPOSE, purpose)]


def aes_gen(size: int) -> Props:
    """``GetAesGenerateOption(size)``: AES, size, ENCRYPT|DECRYPT."""
    return _gen(HuksKeyAlg.HUKS_ALG_AES, size, _ENC_DEC)


def ecc_gen(size: int) -> Props:
    """``GetEccGenerateOption(size)``: ECC, size, SIGN|VERIFY."""
    return _gen(HuksKeyAlg.HUKS_ALG_ECC, size, _SIGN_VERIFY)


def ed25519_gen(size: int) -> Props:
    """``GetEd25519GenerateOption(size)``: ED25519, size, SIGN|VERIFY."""
    return _gen(HuksKeyAlg.HUKS_ALG_ED25519, size, _SIGN_VERIFY)


def x25519_gen(size: int) -> Props:
    """``GetX25519GenerateOption(size)``: X25519, size, AGREE."""
    return _gen(HuksKeyAlg.HUKS_ALG_X25519, size, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE)


# -- utils/options/CipherOptions.ets, AccessControlOptions.ets, AttestKeyOptions.ets, ImportOptions.ets --
def aes_cbc_options() -> Props:
    """``GetAesCbcOptions``: AES-256 ENCRYPT, PKCS7, CBC, IV = "120123456789" (12 bytes)."""
    props = set_param(aes_gen(256), T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)
    props = set_param(props, T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS7)
    props = set_param(props, T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)
    return set_param(props, T.HUKS_TAG_IV, string_to_uint8array("120123456789"))


def gcm_no_padding_options() -> Props:
    """``GetGcmNoPaddingOptions`` (utils/huks/CipherUtils.ets): ENCRYPT, GCM, NONE, NONCE
    "120123456789", ASSOCIATED_DATA "1601234567890123"."""
    return [param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT),
            param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
            param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
            param(T.HUKS_TAG_NONCE, string_to_uint8array("120123456789")),
            param(T.HUKS_TAG_ASSOCIATED_DATA, string_to_uint8array("1601234567890123"))]


def access_control_options() -> Props:
    """``GetAccessControlOptions``: USER_AUTH_TYPE PIN, CHALLENGE_TYPE NORMAL, KEY_AUTH_ACCESS_TYPE
    INVALID_CLEAR_PASSWORD."""
    return [param(T.HUKS_TAG_USER_AUTH_TYPE, HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN),
            param(T.HUKS_TAG_CHALLENGE_TYPE, HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL),
            param(T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE,
                  HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD)]


def attest_key_options() -> Props:
    """``GetAttestKeyOption``: SEC_LEVEL_INFO "sec_level", CHALLENGE "challenge_data", VERSION_INFO
    "version_info", ID_ALIAS "keyAlias"."""
    return [param(T.HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO, b"sec_level"),
            param(T.HUKS_TAG_ATTESTATION_CHALLENGE, b"challenge_data"),
            param(T.HUKS_TAG_ATTESTATION_ID_VERSION_INFO, b"version_info"),
            param(T.HUKS_TAG_ATTESTATION_ID_ALIAS, b"keyAlias")]


def import_pub_key_options() -> Props:
    """``GetImportPubKeyOptions``: IMPORT_KEY_TYPE PUBLIC_KEY."""
    return [param(T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY)]


#: ``GetAesImportData`` (ImportOptions.ets / ImportUtils.ets): the 128- and 192-bit values are prefixes of
#: the 256-bit one (checked byte for byte against upstream's arrays).
_AES_256: Final = bytes.fromhex("FB8B9F12A08319BE6A6F632A7C86BACAFB8B9F12A08319BF6A6F632A7C86BACA")
AES_IMPORT_DATA: Final = {128: _AES_256[:16], 192: _AES_256[:24], 256: _AES_256}
#: ``GetDesImportData`` (ImportOptions.ets): 64, 128 and 192 bits; 256 is empty (the ``default`` branch).
DES_IMPORT_DATA: Final = {64: _AES_256[:8], 128: _AES_256[:16], 192: _AES_256[:24], 256: b""}


def _rsa(size: int, n: str, d: str, declared: int | None = None) -> bytes:
    """The HUKS RSA key-pair struct of ``GetRsaImportData``: {alg=RSA, size, nLen, eLen=3, dLen} ‖ n ‖
    e=0x010001 ‖ d. ``declared``: the nLen and dLen upstream's header states when they differ from the
    data (RSA-1016: 0x79 = 121, its comment says 127, and 127 bytes follow)."""
    nb, db = bytes.fromhex(n), bytes.fromhex(d)
    header = struct.pack("<5I", HuksKeyAlg.HUKS_ALG_RSA, size, declared or len(nb), 3, declared or len(db))
    return header + nb + b"\x01\x00\x01" + db


#: ``GetRsaImportData`` (utils/options/ImportOptions.ets): the RSA-1016, -1032 and -2040 pairs.
RSA_IMPORT_DATA: Final = {
    1016: _rsa(1016,
               "CB6A6BB3343F0FA79845354C9E03D8DE0D71E4EAE74EB0349CCF6742E1272CB22772E40BABB33190291C80E0EFEC4C09"
               "342415FD0E0D9B8EAF0AE4B51A33EA1F3FCB91F4A4A917506DC2E65A1F2259613EE4ED8DD911E07BD4BE1FFFEBC43B14"
               "BFCDEF82403021381C993F0C21ECDC0CA8A600CE8A1290EA9CA8914A00C001",
               "AD5A1D3C945AE59173400FC322AAAEA7D61768FA1373C8D09D8E5736F4C038E3FEA077DDC64EA8FF6D39C04F71C813A8"
               "8849F47F3AF9B7C6EA3FC356DF64BC99E0401533A9389CBA79638C602A0E7DC0AAA27D7D95A727F9C506E39107692A5D"
               "D4EAD8C471AF0C6AE53CE6C62DD7461705DD507DA784C7C11379CCD6E1E211", declared=0x79),
    1032: _rsa(1032,
               "EE285FE65711C3A4817C9A95E459042B7388256A9422E74987C5B22FE2BB6B3B101E3722D2364A53C4CC773EE50C3426"
               "859EA3419704CCE466BCE03A59D1A2C37A09FACF82B88BC413D6B0AF1AAC58E163CF1ADBD52E5A48F90D243B57DACACE"
               "11BF687016782F90A1B605EB34FE2DEBC5D57B04D69FD6FD9652BA7D60CE45D01D",
               "4530B5ABD5DFF356F7C79BA1B095AC0073B03A2E9C9B0756F57B1A298F55A3F1A4DD22679B6AEA6D2BDFBB452A864120"
               "6FF186BCA7835D837DD5A1CF5208F5A08BFC75C8995B8BACF4125FC446A74CCCFAC057F66EC6F7B76EEFFC792EDF15A5"
               "9110D8529A7195294EC80D75678D5BB5288850AEE4FBF18453B1E5A9C3B526D281"),
    2040: _rsa(2040,
               "85B8FE360AAAF585CCEF038143C13820D58DE65E8F71143C04164A23A50F6F0360EEA9A9C1F65C67CAEB2E216BE237F6"
               "3A6B87A2DE60ECEEFC3305B5A6A4ED9D4EA0C3B8728B4E175BCE76B92DA4061661987AA0BD2329AF8E0A14F9DF38DAC2"
               "9F178F4231A6914931002887361D2BD7E738C2BEA9552A7D8B50A95F6D963FC2A89C24A852F2F26FA8C8FC26943F22F4"
               "745EDAD2215CA9C2B8650E216A08754F1B5A3FFFCA3CF4D862FCF42076C192E344C9475854708C58C844E6E622A41B4A"
               "01D03A8B1EC965E17F30C62BA9A36D07A106F59BE33CF03B511D52AAA43010FA207F54F9EFFD0634C53CB7FAF889FD84"
               "8D1570FAF85994EEFC3AC176E7D6DB",
               "55FB23E165AC951FCA2C68C985E2480FBCA077DE9746B326FFCDC12FF822DB5385D10F606AA9D8B29823EDCE698AD446"
               "CB3B76C3FF4EBD29D1199173424A4BCA58D33FE56A292E3610BEC951BA09FC2C09E6BBFA7C828E7C25CD4FBD768D1D04"
               "04BD664CBE960656D45DF0B137D73BE89FF0BC2F51BBC40D6335A3220BD98EE8CCBBA51D3D848DF5E84EE83CF25923C6"
               "F42F25FCB6BBA58ABE1D7D74BB712611788EE40659DF12ECFE5F8F159B8859C170715FF4C9EADAB66A8667A3FC286F70"
               "DFE46F371C37A962832CE7B199D5889E68A55D6B773E68F2A576FE6743B37D9734123D46EC28BB87AACE783227774B1E"
               "96B95B4797BACC774124D4E3091C21"),
}


# -- utils/huks/CipherUtils.ets and SignVerifyUtils.ets ---------------------------------------------------
@dataclass
class CipherData:
    """``CipherData``: the update inputs (or outputs) and the finish input (or output)."""

    update: list[bytes] | None
    finish: bytes


def do_cipher(ks: Keystore, alias: str, props: Props, data: CipherData) -> CipherData:
    """``DoCipher``: init with ``props``, one update per ``data.update`` piece, finish with
    ``data.finish``; returns what each call returned."""
    handle = ks.init_session(alias, options(*props)).handle
    try:
        outs = None if data.update is None else [
            ks.update_session(handle, options(*props, in_data=piece)).out_data for piece in data.update]
        return CipherData(outs, ks.finish_session(handle, options(*props, in_data=data.finish)).out_data)
    except BaseException:
        ks.abort_session(handle, options())
        raise


def cipher(ks: Keystore, alias: str, props: Props, data: CipherData) -> bool:
    """``Cipher``: ``DoCipher`` with PURPOSE ENCRYPT, then with PURPOSE DECRYPT on what it returned;
    ``CompareCipherData``: every update output and the finish output equal the inputs, piece by piece."""
    purpose = T.HUKS_TAG_PURPOSE
    enc = do_cipher(ks, alias, set_param(props, purpose, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT), data)
    dec = do_cipher(ks, alias, set_param(props, purpose, HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT), enc)
    if data.update is not None and (dec.update is None or dec.update[:len(data.update)] != data.update):
        return False
    return dec.finish == data.finish


def sign_verify(ks: Keystore, alias: str, props: Props, finish_data: bytes) -> bool:
    """``SignVerify`` with no update pieces: ``DoSign`` (init with PURPOSE SIGN, finish with the data),
    then ``DoVerify`` (init with PURPOSE VERIFY, update with the data, finish with the signature); every
    call succeeds (upstream returns true)."""
    sign = set_param(props, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)
    signature = do_cipher(ks, alias, sign, CipherData(None, finish_data)).finish
    verify = set_param(props, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY)
    do_cipher(ks, alias, verify, CipherData([finish_data], signature))
    return True


# -- utils/huks/ImportWrappedKeyUtils.ets -------------------------------------------------------------------
def _lv(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def require_wrapped_key_data(ks: Keystore) -> None:
    """Skip unless ``ks`` declares what ``build_wrapped_key_data`` runs: AES-256 GCM encryption and an
    ECDH agreement on ECC-256 keys (``xts.helpers.require``; never skips the software keystore)."""
    require(ks, aes_gen(256), merge(aes_gen(256), gcm_no_padding_options()))
    agree = set_param(ecc_gen(256), T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE)
    require(ks, agree, set_param(agree, T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECDH))


def build_wrapped_key_data(ks: Keystore, device_a_pub: bytes) -> bytes:
    """``BuildWrappedKeyData``: import the KEK "kekAlias" (AES-256 of ``AES_IMPORT_DATA``), encrypt the
    AES-192 key with it (GCM, NONCE "120123456789", AAD "1601234567890123"); generate ECC-256 AGREE
    "deviceBKeyPairAlias", agree with ``device_a_pub`` (ECDH, DERIVE_KEY_SIZE 32) into the AES-256 key
    "agreeKeyAlias" (DERIVED_AGREED_KEY_STORAGE_FLAG ONLY_USED_IN_HUKS), encrypt the KEK with it; export
    device B's public key. Returns upstream's 10 LV fields (``BuildWrappedData``): pubB, AAD, nonce,
    tag, agree-encrypted KEK, AAD, nonce, tag, key size 192 (4 bytes LE), KEK-encrypted key. Upstream
    slices the tag off with the AAD's length (16 = the GCM tag length)."""
    kek = AES_IMPORT_DATA[256]
    ks.import_key_item("kekAlias", options(*aes_gen(256), in_data=kek))
    gcm = merge(aes_gen(256), gcm_no_padding_options())
    kek_encrypted = do_cipher(ks, "kekAlias", gcm, CipherData(None, AES_IMPORT_DATA[192])).finish
    pair = set_param(ecc_gen(256), T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE)
    ks.generate_key_item("deviceBKeyPairAlias", options(*pair))
    agree = set_param(ecc_gen(256), T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECDH)
    agree = set_param(agree, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE)
    agree = set_param(agree, T.HUKS_TAG_DERIVE_KEY_SIZE, 32)
    finish = set_param(aes_gen(256), T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG,
                       HuksKeyStorageType.HUKS_STORAGE_ONLY_USED_IN_HUKS)
    finish = set_param(finish, T.HUKS_TAG_KEY_ALIAS, b"agreeKeyAlias")
    handle = ks.init_session("deviceBKeyPairAlias", options(*agree, in_data=device_a_pub)).handle
    try:
        ks.update_session(handle, options(*agree, in_data=device_a_pub))
        ks.finish_session(handle, options(*finish))
    except BaseException:
        ks.abort_session(handle, options())
        raise
    agree_encrypted = do_cipher(ks, "agreeKeyAlias", gcm, CipherData(None, kek)).finish
    pub_b = ks.export_key_item("deviceBKeyPairAlias", options(*pair)).out_data
    nonce, aad = string_to_uint8array("120123456789"), string_to_uint8array("1601234567890123")
    cut = len(aad)
    return b"".join(_lv(x) for x in (
        pub_b, aad, nonce, agree_encrypted[-cut:], agree_encrypted[:-cut], aad, nonce, kek_encrypted[-cut:],
        struct.pack("<I", 192), kek_encrypted[:-cut]))
