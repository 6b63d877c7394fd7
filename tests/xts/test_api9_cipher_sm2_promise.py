"""XTS ``SecurityHuksCipherSM2PromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherSM2PromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 22 ``it()`` cases. Each generates an SM2-256 ENCRYPT|DECRYPT key A
(``genHuksOptions``), exports its public key and imports it as B with the case's options (SM2, PURPOSE
ENCRYPT, KEY_SIZE 256, DIGEST SM3; no IMPORT_KEY_TYPE: a public-key import, docs/decisions.md
"capability lookups"); it encrypts with B and decrypts with A (SM2 encryption, docs/decisions.md "SM2 and
SM3"), or checks what an init, update or finish with other options answers. Every ``initSession`` that
succeeds returns no challenge (upstream's ``publicInitFunc`` checks ``challenge == undefined``).

Upstream expects 12000014 where an SM2 session's whole input is empty (``_1081``, ``_1082``, ``_1091``,
``_1092``, ``_1151``, ``_1152``, ``_1161``, ``_1162``): decision cases, see ``EMPTY_INPUT``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import require, string_to_uint8array
from xts.props import digest

T = HuksTag
P = HuksKeyPurpose
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_SM2)
SIZE256 = param(T.HUKS_TAG_KEY_SIZE, 256)
#: ``HUKS_RSA_KEY_SIZE_512``, the wrong key size of _104, _110 and _111
SIZE512 = param(T.HUKS_TAG_KEY_SIZE, 512)
ENCRYPT = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT)
DECRYPT = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_DECRYPT)
#: ``genHuksOptions``
GEN = [ALG, param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT), SIZE256]

#: ``gInData32``, ``gInData512`` (lines 23-44) and ``Data1kb`` (utils/data.json: 1024 x "a")
IN_DATA_32 = string_to_uint8array("RSA_32_" + "t" * 25)
IN_DATA_512 = string_to_uint8array("RSA_512_" + "t" * 504)
DATA_1KB = b"a" * 1024

#: The shared aliases of the cases from _106 on (upstream names them after an RSA suite).
ALIAS_A = "testCipherRSASize4096PADDINGNONESHA256KeyAlias102"
ALIAS_B = "testCipherRSASize4096PADDINGNONESHA256NewKeyAlias101"


def _props(purpose: HuksParam, size: HuksParam = SIZE256, hash_name: str | None = "SM3") -> list[HuksParam]:
    """A case's ``HuksOptions.properties``: SM2, the purpose, the size, DIGEST ``hash_name`` (None:
    removed)."""
    return [ALG, purpose, size, *([digest(hash_name)] if hash_name else [])]


@contextmanager
def _keys(ks: Keystore, alias_a: str, alias_b: str, *extra: str) -> Iterator[None]:
    """``publicGenerateKeyFunc`` (A, and the ``extra`` aliases), ``publicExportKeyFunc`` (A) and
    ``publicImportKeyFunc`` (A's public key as B, with the ENCRYPT/SM3 options); every call succeeds.
    Afterwards hukspy deletes whatever of them is left (upstream deletes A and B in most cases)."""
    require(ks, GEN, _props(ENCRYPT))
    try:
        for alias in (alias_a, *extra):
            ks.generate_key_item(alias, options(*GEN))
        public = ks.export_key_item(alias_a, options(*GEN)).out_data
        ks.import_key_item(alias_b, options(*_props(ENCRYPT), in_data=public))
        yield
    finally:
        for alias in (alias_a, alias_b, *extra):
            if ks.has_key_item(alias, options()):
                ks.delete_key_item(alias, options(*GEN))


def _init(ks: Keystore, alias: str, props: list[HuksParam]) -> int:
    """``publicInitFunc``: init succeeds and returns no challenge."""
    session = ks.init_session(alias, options(*props))
    assert session.challenge is None
    return session.handle


def _run(ks: Keystore, alias: str, props: list[HuksParam], updates: list[bytes], last: bytes | None) -> bytes:
    """init, ``updates`` one by one (each returns nothing: SM2 caches its input), finish with ``last``;
    returns the finish output. Every call succeeds."""
    handle = _init(ks, alias, props)
    try:
        for piece in updates:
            assert ks.update_session(handle, options(*props, in_data=piece)).out_data == b""
        return ks.finish_session(handle, options(*props, in_data=last)).out_data
    finally:
        ks.abort_session(handle, options())


def _chunks(data: bytes) -> list[bytes]:
    """``publicUpdateFunc``: below 64 bytes one update; else 64-byte updates and one for the remainder."""
    return [data[i:i + 64] for i in range(0, len(data), 64)] if len(data) >= 64 else [data]


def test_Security_HUKS_Cipher_API9_SM2_101(keystore: Keystore) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js:304: ``publicCipherFunc`` twice: encrypt ``gInData512``
    with B in 64-byte updates and an empty finish (the finish returns the ciphertext), then decrypt it
    with A the same way; the decryption is the plaintext. Every call succeeds."""
    with _keys(keystore, "Security_HUKS_Cipher_API9_SM2_101A", "Security_HUKS_Cipher_API9_SM2_101B"):
        ct = _run(keystore, "Security_HUKS_Cipher_API9_SM2_101B", _props(ENCRYPT), _chunks(IN_DATA_512), b"")
        pt = _run(keystore, "Security_HUKS_Cipher_API9_SM2_101A", _props(DECRYPT), _chunks(ct), b"")
        assert pt == IN_DATA_512


@pytest.mark.parametrize(("name", "line", "size", "via_update"), [
    ("Security_HUKS_Cipher_API9_SM2_102", 341, SIZE256, True),
    ("Security_HUKS_Cipher_API9_SM2_103", 404, SIZE256, False),
    ("Security_HUKS_Cipher_API9_SM2_110", 941, SIZE512, True),
], ids=["Security_HUKS_Cipher_API9_SM2_102", "Security_HUKS_Cipher_API9_SM2_103",
        "Security_HUKS_Cipher_API9_SM2_110"])
def test_round_trip(keystore: Keystore, name: str, line: int, size: HuksParam, via_update: bool) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js:341 (_102), :404 (_103) and :941 (_110): encrypt
    ``gInData32`` with B, decrypt with A, the decryption is the plaintext. _102 and _110 give the data to
    one update and finish with nothing, _103 gives it to finish. _110 passes KEY_SIZE 512
    (``HUKS_RSA_KEY_SIZE_512``) at both inits, which HUKS does not compare with the key's: every call
    succeeds."""
    alias_a, alias_b = (f"{name}A", f"{name}B") if size is SIZE256 else (ALIAS_A, ALIAS_B)
    with _keys(keystore, alias_a, alias_b):
        enc, dec = _props(ENCRYPT, size), _props(DECRYPT, size)
        if via_update:
            ct = _run(keystore, alias_b, enc, [IN_DATA_32], b"")
            pt = _run(keystore, alias_a, dec, [ct], b"")
        else:
            ct = _run(keystore, alias_b, enc, [], IN_DATA_32)
            pt = _run(keystore, alias_a, dec, [], ct)
        assert pt == IN_DATA_32


def test_Security_HUKS_Cipher_API9_SM2_104(keystore: Keystore) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js:463: generating an SM2 ENCRYPT key with KEY_SIZE 512
    is 12000003 (an invalid size for SM2)."""
    with raises_code(12000003):
        keystore.generate_key_item("Security_HUKS_Cipher_API9_SM2_104A", options(ALG, ENCRYPT, SIZE512))


#: (it() name, line, aliases, purpose of the init on B, digest, encrypt first): an init on the imported
#: public key B with a DIGEST other than the key's SM3, or none, is 401.
INIT_401 = [
    ("Security_HUKS_Cipher_API9_SM2_105", 502, "Security_HUKS_Cipher_API9_SM2_105", ENCRYPT, "SHA1", False),
    ("Security_HUKS_Cipher_API9_SM2_106", 569, None, ENCRYPT, "NONE", False),
    ("Security_HUKS_Cipher_API9_SM2_107", 635, None, ENCRYPT, None, False),
    ("Security_HUKS_Cipher_API9_SM2_113", 1176, None, DECRYPT, "NONE", True),
    ("Security_HUKS_Cipher_API9_SM2_114", 1254, None, DECRYPT, None, True),
]


@pytest.mark.parametrize(("name", "line", "stem", "purpose", "hash_name", "encrypt_first"), INIT_401,
                         ids=[c[0] for c in INIT_401])
def test_init_digest_401(keystore: Keystore, name: str, line: int, stem: str | None, purpose: HuksParam,
                         hash_name: str | None, encrypt_first: bool) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js, at the line in ``INIT_401`` (test id: the it() name):
    init on B with the case's DIGEST (SHA1, NONE, or none at all) is 401 (upstream checks the code in
    ``.catch``, a success fails the case). _113 and _114 first encrypt ``gInData32`` with B (init,
    finish) and then init a DECRYPT on B. B was imported with DIGEST SM3, a policy tag of an SM2 cipher
    that the init must repeat (``hukspy.policy._auth_policy``, upstream's ``hks_auth.c``)."""
    alias_a, alias_b = (f"{stem}A", f"{stem}B") if stem else (ALIAS_A, ALIAS_B)
    with _keys(keystore, alias_a, alias_b):
        if encrypt_first:
            assert _run(keystore, alias_b, _props(ENCRYPT), [], IN_DATA_32)
        with raises_code(401):
            keystore.init_session(alias_b, options(*_props(purpose, hash_name=hash_name)))


def test_Security_HUKS_Cipher_API9_SM2_112(keystore: Keystore) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js:1100: encrypt ``gInData32`` with B (init, finish),
    then init a DECRYPT with DIGEST SHA1 on B, the public key. Upstream accepts either outcome of that
    init (it checks nothing); hukspy's check: it is 401, as for DIGEST NONE and no digest (_113, _114)."""
    with _keys(keystore, ALIAS_A, ALIAS_B):
        assert _run(keystore, ALIAS_B, _props(ENCRYPT), [], IN_DATA_32)
        with raises_code(401):
            keystore.init_session(ALIAS_B, options(*_props(DECRYPT, hash_name="SHA1")))


def test_Security_HUKS_Cipher_API9_SM2_111(keystore: Keystore) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js:1010: generate A and A2, encrypt ``gInData32`` with B
    (A's public key; KEY_SIZE 512 at init, as _110), then decrypt with A2: the update succeeds, the
    finish fails (upstream checks no code; hukspy: 12000006, a ciphertext that does not decrypt,
    docs/decisions.md "SM2 and SM3")."""
    with _keys(keystore, ALIAS_A, ALIAS_B, ALIAS_A + "2"):
        ct = _run(keystore, ALIAS_B, _props(ENCRYPT, SIZE512), [IN_DATA_32], b"")
        dec = _props(DECRYPT, SIZE512)
        handle = _init(keystore, ALIAS_A + "2", dec)
        try:
            keystore.update_session(handle, options(*dec, in_data=ct))
            with raises_code(12000006):
                keystore.finish_session(handle, options(*dec, in_data=b""))
        finally:
            keystore.abort_session(handle, options())


#: Why the empty-input cases fail on hukspy. Upstream caches an RSA or SM2 cipher's input
#: (``services/huks_standard/huks_engine/main/core/src/hks_core_service_three_stage.c``, openharmony/
#: security_huks HEAD f342b820: ``HksCoreCryptoThreeStageInit`` :1683 ``SetCacheModeCtx``,
#: ``HksCoreCryptoThreeStageUpdate`` :1711 ``UpdateCachedData``, the finish ``CoreSm2CipherFinish`` :1444
#: ``FinishCachedData``) and appends each input with ``GetNewCachedData`` (:370): when the cache and the
#: new input are both empty it asks ``HksMalloc(0)``, which returns NULL for a size of 0
#: (``frameworks/huks_standard/main/os_dependency/posix/hks_mem.c:28-32``), and answers MALLOC_FAIL →
#: 12000014. A missing ``inData`` is an empty blob (``FillContextInDataAndOutData`` in
#: ``interfaces/kits/napi/src/v9/huks_napi_update_finish_session.cpp``). hukspy accepts an empty update
#: (it appends nothing) and answers 12000006 at a finish with nothing to encrypt or decrypt (OpenSSL
#: refuses both). Decided (docs/decisions.md, "a cipher session with no input"): upstream's 12000014
#: ("insufficient memory") is a by-product of malloc(0), not a rule, and the same cache serves RSA
#: ciphers, Ed25519, ML-DSA and every DIGEST_NONE signature; hukspy keeps its answers.
EMPTY_INPUT = ("a cipher session with no input: an empty update is accepted (it returns nothing) and a "
               "finish with nothing to encrypt or decrypt is 12000006; upstream's 12000014 is an artefact")

#: (it() name, line, session: "encrypt" on B / "decrypt" on A after an encryption done by "finish" or
#: "update", call, inData: b"" or None when upstream deletes the property)
EMPTY = [
    ("Security_HUKS_Cipher_API9_SM2_1081", 692, "encrypt", "finish", b""),
    ("Security_HUKS_Cipher_API9_SM2_1082", 758, "encrypt", "update", b""),
    ("Security_HUKS_Cipher_API9_SM2_1091", 814, "encrypt", "finish", None),
    ("Security_HUKS_Cipher_API9_SM2_1092", 882, "encrypt", "update", None),
    ("Security_HUKS_Cipher_API9_SM2_1151", 1327, "decrypt after finish", "finish", b""),
    ("Security_HUKS_Cipher_API9_SM2_1152", 1405, "decrypt after update", "update", b""),
    ("Security_HUKS_Cipher_API9_SM2_1161", 1479, "decrypt after finish", "finish", None),
    ("Security_HUKS_Cipher_API9_SM2_1162", 1558, "decrypt after update", "update", None),
]


@pytest.mark.xts_decision(EMPTY_INPUT)
@pytest.mark.parametrize(("name", "line", "session", "call", "in_data"), EMPTY, ids=[c[0] for c in EMPTY])
def test_empty_input(keystore: Keystore, name: str, line: int, session: str, call: str,
                     in_data: bytes | None) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js, at the line in ``EMPTY`` (test id: the it() name):
    a session whose first and only input is empty (``inData`` an empty array, or deleted) answers
    12000014 at that update or finish. The encrypt cases init on B; the decrypt cases first encrypt
    ``gInData32`` with B (init and finish, or an update and an empty finish) and then init on A.
    Upstream checks 12000014 except in _1082 and _1092, which require only that the update fails.
    hukspy's decision (``EMPTY_INPUT``): the empty update succeeds and returns nothing; the finish that
    follows it (empty too), or the finish the case calls directly, is 12000006."""
    with _keys(keystore, ALIAS_A, ALIAS_B):
        props = _props(ENCRYPT)
        alias = ALIAS_B
        if session.startswith("decrypt"):
            if session.endswith("update"):
                assert _run(keystore, ALIAS_B, props, [IN_DATA_32], b"")
            else:
                assert _run(keystore, ALIAS_B, props, [], IN_DATA_32)
            props, alias = _props(DECRYPT), ALIAS_A
        handle = _init(keystore, alias, props)
        try:
            if call == "update":
                assert keystore.update_session(handle, options(*props, in_data=in_data)).out_data == b""
            with raises_code(12000006):
                keystore.finish_session(handle, options(*props, in_data=in_data))
        finally:
            keystore.abort_session(handle, options())


@pytest.mark.parametrize(("name", "line", "data", "via_update"), [
    ("Security_HUKS_Cipher_API9_SM2_801", 1632, IN_DATA_32, True),
    ("Security_HUKS_Cipher_API9_SM2_802", 1734, DATA_1KB, False),
], ids=["Security_HUKS_Cipher_API9_SM2_801", "Security_HUKS_Cipher_API9_SM2_802"])
def test_timing(keystore: Keystore, name: str, line: int, data: bytes, via_update: bool) -> None:
    """SecurityHuksCipherSM2PromiseJsunit.test.js:1632 (_801: ``gInData32`` through one update and an
    empty finish) and :1734 (_802: ``Data1kb`` given to finish): encrypt with B, decrypt with A; the
    decryption is the plaintext, and each of the two (init to finish) takes less than 100 ms, as
    upstream measures."""
    with _keys(keystore, ALIAS_A, ALIAS_B):
        start = time.perf_counter()
        ct = _run(keystore, ALIAS_B, _props(ENCRYPT), *([[data], b""] if via_update else [[], data]))
        encrypt_s = time.perf_counter() - start
        start = time.perf_counter()
        pt = _run(keystore, ALIAS_A, _props(DECRYPT), *([[ct], b""] if via_update else [[], ct]))
        decrypt_s = time.perf_counter() - start
        assert encrypt_s < 0.1
        assert decrypt_s < 0.1
        assert pt == data
