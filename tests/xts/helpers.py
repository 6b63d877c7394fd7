"""The shared helpers of OpenHarmony's XTS HUKS suites, translated once (issue 19).

Upstream: https://gitee.com/openharmony/xts_acts (GitHub mirror ``openharmony/xts_acts``), commit
``c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3``, Apache-2.0. The api9 promise suites live in
``security/huks/huks_js_api9/entry/src/ohosTest/js/test/``; their helpers in ``utils/param/`` there.

Every translated case runs on every backend of ``tests/conftest.py`` (``keystore`` fixture). A case
whose key or operation the backend does not declare in ``Keystore.capabilities()`` is skipped with that
reason by :func:`require`; on the software keystore nothing is ever skipped that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

import pytest

from hukspy import Keystore
from hukspy.enums import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeySize,
    HuksTag,
)
from hukspy.errors import HuksError
from hukspy.params import HuksParam, ParamSet
from hukspy.policy import check_generate, check_init
from hukspy.testing import options, param

UPSTREAM_COMMIT: Final = "c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3"
API9_DIR: Final = "security/huks/huks_js_api9/entry/src/ohosTest/js/test"

T = HuksTag

# -- utils/data.json (api9): the data the suites feed -------------------------------------------------
#: ``Data64b``, ``Data63b``, ``Data65b``: "eeee" followed by "a" up to the size (utils/data.json).
DATA64B: Final = b"eeee" + b"a" * 60
DATA63B: Final = b"eeee" + b"a" * 59
DATA65B: Final = b"eeee" + b"a" * 61
#: ``Date63KB`` (64,512 bytes: "e" x 6, then "a") and ``Date65KB`` (66,560 bytes: "c" x 6, then "a").
DATE63KB: Final = b"e" * 6 + b"a" * (64512 - 6)
DATE65KB: Final = b"c" * 6 + b"a" * (66560 - 6)


def string_to_uint8array(text: str) -> bytes:
    """``stringToUint8Array`` (utils/param/publicFunc.js): each UTF-16 code unit, truncated to a byte."""
    return bytes(ord(ch) & 0xFF for ch in text)


# -- utils/param/cipher/publicCipherParam.js: HuksCipherAES --------------------------------------------
class AES:
    """The ``HuksCipherAES`` params (utils/param/cipher/publicCipherParam.js)."""

    ALG: Final = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES)
    PURPOSE: Final = param(T.HUKS_TAG_PURPOSE,
                           HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT)
    ENCRYPT: Final = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)
    DECRYPT: Final = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT)
    SIZE128: Final = param(T.HUKS_TAG_KEY_SIZE, HuksKeySize.HUKS_AES_KEY_SIZE_128)
    SIZE192: Final = param(T.HUKS_TAG_KEY_SIZE, HuksKeySize.HUKS_AES_KEY_SIZE_192)
    SIZE256: Final = param(T.HUKS_TAG_KEY_SIZE, HuksKeySize.HUKS_AES_KEY_SIZE_256)
    PADDING_NONE: Final = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
    PADDING_PKCS7: Final = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS7)
    CBC: Final = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)
    CTR: Final = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CTR)
    ECB: Final = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB)
    GCM: Final = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM)
    DIGEST_NONE: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_NONE)


class HMAC:
    """The ``HuksHmac`` params (utils/param/hmac/publicHmacParam.js); the key size is
    ``HKS_RSA_KEY_SIZE_512`` upstream, i.e. 512 bits."""

    ALG: Final = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC)
    PURPOSE: Final = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC)
    SIZE: Final = param(T.HUKS_TAG_KEY_SIZE, 512)
    SHA1: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)
    SHA224: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA224)
    SHA256: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)
    SHA384: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA384)
    SHA512: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA512)
    SM3: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3)


def update_in_chunks(ks: Keystore, handle: int, init: Sequence[HuksParam], data: bytes, size: int) -> bytes:
    """The suites' chunked update (``publicHmacUpdateFunc`` and friends): ``data`` in pieces of ``size``
    bytes (the last one shorter), each through ``update_session``; returns the outputs concatenated."""
    out = bytearray()
    for start in range(0, max(len(data), 1), size):
        out += ks.update_session(handle, options(*init, in_data=data[start:start + size])).out_data
    return bytes(out)


def require(ks: Keystore, gen: Sequence[HuksParam], init: Sequence[HuksParam] = ()) -> None:
    """Skip the case when ``ks`` does not declare the key ``gen`` makes or the session ``init`` opens.

    Reads ``Keystore.capabilities()`` (docs/backends.md): the key by ``(alg, size)``, the operation with
    ``Capabilities.supports_op``. Params that hukspy's policy rejects are not skipped: the case then meets
    the error itself. The software keystore is never skipped (it must pass every case).
    """
    if ks.backend_name == "software":
        return
    try:
        spec = check_generate(ParamSet({p.tag: p.value for p in gen}))
        op = check_init(ParamSet({p.tag: p.value for p in gen}),
                        ParamSet({p.tag: p.value for p in init})).op if init else None
    except HuksError:
        return
    caps = ks.capabilities()
    if caps.key(spec.alg, spec.size) is None:
        pytest.skip(f"{ks.backend_name} declares no {_name(HuksKeyAlg, spec.alg)}-{spec.size} keys")
    if op is not None and not caps.supports_op(spec, op):
        named = [_name(enum, value) for enum, value in
                 ((HuksCipherMode, op.mode), (HuksKeyPadding, op.padding), (HuksKeyDigest, op.digest))]
        pytest.skip(f"{ks.backend_name} does not declare {op.kind.name} {_name(HuksKeyAlg, op.alg)} on "
                    f"{_name(HuksKeyAlg, spec.alg)}-{spec.size} keys ({', '.join(n for n in named if n)})")


def _name(enum: type[IntEnum], value: int | None) -> str:
    """The HUKS name of ``value`` in ``enum`` without its prefix ("" for None)."""
    if value is None:
        return ""
    try:
        return enum(value).name.split("_", 2)[-1]
    except ValueError:
        return str(value)


# -- the per-suite session driver of the api9 cipher suites ---------------------------------------------
@dataclass
class CipherRun:
    """The module state of ``SecurityHuksCipher*PromiseJsunit.test.js``: ``updateResult`` (what the
    updates returned, plus the finish output when the plaintext was longer than 64 bytes, as the suite's
    ``finish`` does), ``encryptedData``'s length (the last encrypt's input) and, for hukspy's own check,
    everything a session returned (``total``)."""

    update_result: bytes = b""
    encrypted_len: int = 0
    total: bytes = field(default=b"")

    def cipher(self, ks: Keystore, alias: str, gen: Sequence[HuksParam], init: Sequence[HuksParam],
               in_data: bytes, third: str, is_encrypt: bool, *, delete: bool = True) -> None:
        """``publicCipherFunc``: generate (encrypt), init, ``publicUpdateFunc`` (64-byte updates, the
        remainder or nothing to finish/abort), delete after a decrypt or an aborted encrypt. Any error
        fails the case (upstream: ``expect(null).assertFail()``). ``delete=False``: keep the key (checkAES.js
        deletes only the second key)."""
        self.update_result = b""
        if is_encrypt:
            ks.generate_key_item(alias, options(*gen))
            self.encrypted_len = len(in_data)
        handle = ks.init_session(alias, options(*init)).handle
        out = bytearray()
        try:
            size = 64
            if len(in_data) < size:
                pieces, last = [in_data], b""
            else:
                count = len(in_data) // size
                pieces = [in_data[size * i:size * (i + 1)] for i in range(count)]
                last = in_data[size * count:]
            for piece in pieces:
                out += ks.update_session(handle, options(*init, in_data=piece)).out_data
            update_part = bytes(out)
            if third == "finish":
                fin = ks.finish_session(handle, options(*init, in_data=last)).out_data
                out += fin
                self.update_result = update_part + fin if self.encrypted_len > size else update_part
            else:
                ks.abort_session(handle, options(*init))
                self.update_result = update_part
        except BaseException:
            ks.abort_session(handle, options())
            raise
        self.total = bytes(out)
        if delete and (not is_encrypt or third == "abort"):
            ks.delete_key_item(alias, options(*gen))


# -- utils/param/derive/: publicDeriveParam.js and publicDerivePromise.js ---------------------------------
#: ``salt`` of publicDeriveParam.js (PBKDF2's HUKS_TAG_SALT).
PBKDF2_SALT: Final = bytes([0x14, 0x10, 0x11, 0x3A, 0x27, 0x9E, 0xC8, 0x5F,
                            0xE0, 0xF3, 0x36, 0x17, 0x57, 0x42, 0x8E, 0xFF])
DERIVE_KEY_SIZE_32: Final = param(T.HUKS_TAG_DERIVE_KEY_SIZE, 32)
PURPOSE_DERIVE: Final = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DERIVE)

#: (it() name pattern, kind, base key size, digest) of both api9 derive suites, in upstream order. The
#: suites mutate one module-level option array as they go, so the size and digest are what upstream's
#: array holds when the case runs. Kinds: "store" finishes with KEY_STORAGE_FLAG=PERSISTENT (an
#: AES-256 ENCRYPT|DECRYPT key under the base key's own alias), "abort" aborts, "aes"/"hmac" finish
#: without a storage flag (AES-256 DERIVE / HMAC-256 MAC params) and get the bytes.
DERIVE_CASES: Final = [
    ("Security_HUKS_Derive_API9_{kdf}_101", "store", 192, HuksKeyDigest.HUKS_DIGEST_SHA256),
    ("Security_HUKS_Derive_API9_{kdf}_102", "abort", 192, HuksKeyDigest.HUKS_DIGEST_SHA256),
    ("testDerive{kdf}Size192SHA256Finish63KBDerive108", "aes", 192, HuksKeyDigest.HUKS_DIGEST_SHA256),
    ("testDerive{kdf}Size192SHA256Finish63KBDerive130", "hmac", 192, HuksKeyDigest.HUKS_DIGEST_SHA256),
    *[(f"testDerive{{kdf}}Size256{name}Finish63KBDerive{n}", kind, 256, digest)
      for name, digest in (("SHA256", HuksKeyDigest.HUKS_DIGEST_SHA256),
                           ("SHA384", HuksKeyDigest.HUKS_DIGEST_SHA384),
                           ("SHA512", HuksKeyDigest.HUKS_DIGEST_SHA512))
      for n, kind in (("101", "store"), ("108", "aes"), ("130", "hmac"))],
]


def derive_alias(name: str) -> str:
    """The alias a derive case uses: ``test<...>DeriveKeyAlias_01_<n>`` (the _101/_102 cases use the
    ``...SHA256Finish63KB...``/``...Abort63KB...`` aliases of size 192)."""
    if name.endswith("_101"):
        return "testDerive{kdf}Size192SHA256Finish63KBDeriveKeyAlias_01_101"
    if name.endswith("_102"):
        return "testDerive{kdf}Size192SHA256Abort63KBDeriveKeyAlias_01_101"
    stem, n = name.rsplit("Derive", 1)
    return f"{stem}DeriveKeyAlias_01_{n}"


def derive_finish_params(kind: str, alias: str) -> list[HuksParam]:
    """The ``huksOptionsFinish`` properties of a derive case."""
    key_alias = param(T.HUKS_TAG_KEY_ALIAS, string_to_uint8array(alias))
    tail = [key_alias, AES.PADDING_NONE, AES.GCM]
    if kind in ("store", "abort"):
        return [param(T.HUKS_TAG_KEY_STORAGE_FLAG, 1), param(T.HUKS_TAG_IS_KEY_ALIAS, True),  # PERSISTENT
                AES.ALG, AES.SIZE256, AES.PURPOSE, AES.DIGEST_NONE, *tail]
    if kind == "aes":
        return [AES.ALG, AES.SIZE256, PURPOSE_DERIVE, AES.DIGEST_NONE, *tail]
    return [HMAC.ALG, AES.SIZE256, HMAC.PURPOSE, HMAC.SHA256, *tail]


def derive_init(gen: list[HuksParam], kdf: HuksParam) -> list[HuksParam]:
    """The derive suites' init params: ``gen`` with ALGORITHM replaced by ``kdf`` and KEY_SIZE by
    DERIVE_KEY_SIZE=32."""
    return [kdf if p.tag == T.HUKS_TAG_ALGORITHM else DERIVE_KEY_SIZE_32 if p.tag == T.HUKS_TAG_KEY_SIZE
            else p for p in gen]


def derive_func(ks: Keystore, alias: str, gen: list[HuksParam], kdf: HuksParam, data: bytes,
                finish: list[HuksParam], third: str) -> bytes:
    """``publicDeriveFunc``: generate the base key with ``gen``; init with ``gen`` where ALGORITHM
    becomes ``kdf`` and KEY_SIZE becomes DERIVE_KEY_SIZE=32; update ``data``; finish with ``finish`` and
    ``data``, or abort (upstream passes an array, not an options object: no properties); delete the
    alias with ``gen``. Returns the finish output (b"" after an abort)."""
    ks.generate_key_item(alias, options(*gen))
    init = derive_init(gen, kdf)
    handle = ks.init_session(alias, options(*init)).handle
    out = b""
    try:
        ks.update_session(handle, options(*init, in_data=data))
        if third == "finish":
            out = ks.finish_session(handle, options(*finish, in_data=data)).out_data
        else:
            ks.abort_session(handle, options())
    except BaseException:
        ks.abort_session(handle, options())
        raise
    ks.delete_key_item(alias, options(*gen))
    return out


# -- utils/param/agree/publicAgreePromise.js and utils/param/checkAES.js ----------------------------------
def agree_func(ks: Keystore, first: str, second: str, gen: list[HuksParam], finish: list[HuksParam],
               third: str, delete_final: bool, finish_data: bytes | None = None,
               use: list[HuksParam] | None = None) -> None:
    """``publicAgreeFunc``: generate two keys with ``gen``, export both public keys; init on each key
    with ``gen`` (ECC: ALGORITHM becomes ECDH) whose index 2 is replaced by ``finish[3]`` (the stored
    key's KEY_SIZE), update with the other key's public key, then finish with ``finish`` whose KEY_ALIAS
    (index 6) becomes ``<alias>final`` (or abort, with no properties: upstream passes an array); delete
    both keys, and the two final keys after a finish when ``delete_final``. ``finish_data``: the
    ``inData`` of upstream's finish options, when they have one. ``use``: the init/update params after a
    suite's own splices (publicAgreeCallback.js drops indices 3, 4 and 5 too), instead of ``gen`` with
    ECDH."""
    for alias in (first, second):
        ks.generate_key_item(alias, options(*gen))
    public = {alias: ks.export_key_item(alias, options(*gen)).out_data for alias in (first, second)}
    use = list(gen) if use is None else use
    if use[0].value == HuksKeyAlg.HUKS_ALG_ECC:
        use[0] = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECDH)
    init = [*use[:2], finish[3], *use[3:]]
    for alias, peer in ((first, second), (second, first)):
        final = [*finish[:6], param(T.HUKS_TAG_KEY_ALIAS, string_to_uint8array(alias + "final")), *finish[7:]]
        handle = ks.init_session(alias, options(*init)).handle
        try:
            ks.update_session(handle, options(*use, in_data=public[peer]))
            if third == "finish":
                ks.finish_session(handle, options(*final, in_data=finish_data))
            else:
                ks.abort_session(handle, options())
        except BaseException:
            ks.abort_session(handle, options())
            raise
    for alias in (first, second):
        ks.delete_key_item(alias, options(*use))
    if third == "finish" and delete_final:
        for alias in (first, second):
            ks.delete_key_item(alias + "final", options(*use))


def check_aes_cipher(ks: Keystore, first: str, second: str, cipher: list[HuksParam]) -> bool:
    """``checkAESChiper``: with PURPOSE (index 2) set to DECRYPT, run ``Data64b`` through the first key
    (64-byte updates, finish); with PURPOSE ENCRYPT, run what its updates returned through the second key
    and delete it; true when that second run's update output equals ``Data64b`` (both keys agree)."""
    run = CipherRun(encrypted_len=len(DATA64B))
    decrypt = [*cipher[:2], AES.DECRYPT, *cipher[3:]]
    run.cipher(ks, first, [], decrypt, DATA64B, "finish", False, delete=False)
    encrypt = [*cipher[:2], AES.ENCRYPT, *cipher[3:]]
    run.cipher(ks, second, [], encrypt, run.update_result, "finish", False)
    return run.update_result == DATA64B


# -- utils/param/signverify/publicSignverifyPromise.js ------------------------------------------------------
PURPOSE_SIGN: Final = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)
PURPOSE_VERIFY: Final = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY)
PURPOSE_SIGN_VERIFY: Final = param(
    T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN | HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY)
DSA_SIZE_1024: Final = param(T.HUKS_TAG_KEY_SIZE, 1024)


def check_software(ks: Keystore) -> bool:
    """``checkSoftware`` (utils/param/publicFunc.js): whether a DSA-1024 SIGN|VERIFY SHA-256 key can be
    generated (upstream's test for "this device runs the software engine"); deletes it again."""
    gen = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DSA), PURPOSE_SIGN_VERIFY, DSA_SIZE_1024,
           param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)]
    try:
        ks.generate_key_item("useDsaToCheckSoftware", options(*gen))
    except HuksError:
        return False
    ks.delete_key_item("useDsaToCheckSoftware", options(*gen))
    return True


@dataclass
class SignVerify:
    """The module state of publicSignverifyPromise.js: ``exportKey`` (the signing key's public key)."""

    export_key: bytes = b""

    def sign(self, ks: Keystore, alias: str, props: list[HuksParam], third: str, raw: bytes) -> bytes:
        """``publicSignVerifyFunc(..., isSING=true)``: generate with PURPOSE (index 1) SIGN|VERIFY (DSA:
        KEY_SIZE 1024 inserted at index 2), init with PURPOSE SIGN, ``raw`` in 64-byte updates, finish
        with nothing and export the public key, or abort; delete. Returns the signature (b"" on abort)."""
        gen = [props[0], PURPOSE_SIGN_VERIFY, *props[2:]]
        if props[0].value == HuksKeyAlg.HUKS_ALG_DSA:
            gen.insert(2, DSA_SIZE_1024)
        ks.generate_key_item(alias, options(*gen))
        init = [props[0], PURPOSE_SIGN, *props[2:]]
        signature = self._session(ks, alias, init, raw, b"" if third == "finish" else None)
        if third == "finish":
            self.export_key = ks.export_key_item(alias, options(*gen)).out_data
        ks.delete_key_item(alias, options(*gen))
        return signature

    def verify(self, ks: Keystore, alias: str, props: list[HuksParam], signature: bytes, raw: bytes) -> None:
        """``publicSignVerifyFunc(..., isSING=false)`` with finish: import the exported public key under
        ``<alias>New`` with ``props`` (no IMPORT_KEY_TYPE: a public key import, docs/decisions.md
        "capability lookups"), init, ``raw`` in 64-byte updates, finish with ``signature``; delete."""
        alias += "New"
        ks.import_key_item(alias, options(*props, in_data=self.export_key))
        self._session(ks, alias, props, raw, signature)
        ks.delete_key_item(alias, options(*props))

    @staticmethod
    def _session(ks: Keystore, alias: str, init: list[HuksParam], raw: bytes, last: bytes | None) -> bytes:
        handle = ks.init_session(alias, options(*init)).handle
        try:
            update_in_chunks(ks, handle, init, raw, 64)
            if last is None:
                ks.abort_session(handle, options(*init))
                return b""
            return ks.finish_session(handle, options(*init, in_data=last)).out_data
        except BaseException:
            ks.abort_session(handle, options())
            raise


def sign_verify_case(ks: Keystore, alias: str, sign: list[HuksParam], verify: list[HuksParam], raw: bytes,
                     third: str) -> None:
    """One case of the api9 sign/verify suites: ``publicSignVerifyFunc`` signing with ``sign`` (finish or
    abort), then, after a finish, verifying with ``verify`` on the imported public key. Every call
    succeeds; hukspy's checks: a signature came back, and no key is left under the alias."""
    sv = SignVerify()
    signature = sv.sign(ks, alias, sign, third, raw)
    if third == "finish":
        assert signature
        sv.verify(ks, alias, verify, signature, raw)
    assert not ks.has_key_item(alias, options())
