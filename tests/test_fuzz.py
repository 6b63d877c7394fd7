"""Bad input, property-based: every public function of ``Keystore`` answers anything with its result or
a ``HuksError`` whose code is in that function's documented set, and no bad input changes a stored key.

The documented sets are huks-reference.md §1 (the d.ts ``@throws`` lists) plus 12000012 (what the API
boundary turns an unmapped failure into). Two python-api.md decisions widen them for every function:
401 for an alias or argument of the wrong type or length (§4 "Aliases", §2), and for
``wrap_key_item``/``unwrap_key_item`` 12000001, the code python-api.md §5 gives "what a backend cannot
do" where upstream documents 801.

A ``HuksError`` whose ``__cause__`` is a Python bug class (``TypeError``, ``AttributeError``, ...) is a
bug hidden by the API boundary and fails the test too.

``HUKSPY_FUZZ_EXAMPLES`` (default 2000) sets the examples per function.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hukspy import (
    HuksCipherMode,
    HuksError,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
    HuksTag,
    HuksUnwrapSuite,
    Keystore,
    access,
)
from hukspy.formats import build_lv, parse_lv
from hukspy.pyca import HuksPrivateKey
from hukspy.testing import open_session_count, sm2ref
from hukspy.testing.materials import encode_private
from hukspy.wrapped import build_wrapped_key

EXAMPLES: Final = int(os.environ.get("HUKSPY_FUZZ_EXAMPLES", "2000"))
FUZZ: Final = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose


def _codes(*short: int) -> frozenset[int]:
    return frozenset(12000000 + s if s < 100 else s for s in short)


_R = range
#: huks-reference.md §1 (documented codes, latest d.ts) + 12000012 + 401 (python-api.md §2/§4).
DOCUMENTED: Final[dict[str, frozenset[int]]] = {
    # 16: IS_DEVICE_PASSWORD_SET without a PIN (userauth-reference §4)
    "generate_key_item": _codes(
        201, 401, 801, 1, 2, 3, 4, 5, 6, 12, 13, 14, 15, 16, 17, 18, 11, 20, 21, 23, 24, 26
    ),
    "delete_key_item": _codes(201, 401, 801, 4, 5, 11, 12, 14, 18),
    "import_key_item": _codes(401, 801, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16, 17, 18),
    "import_wrapped_key_item": _codes(201, 401, 801, *_R(1, 7), *_R(11, 16), 17, 18, 20, 21, 23, 24, 26),
    "export_key_item": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 20, 24, 26),
    "get_key_item_properties": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 26),
    "is_key_item_exist": _codes(401, 801, 4, 5, 6, 11, 12, 14, 18),
    "has_key_item": _codes(401, 801, 4, 5, 6, 12, 14, 18),
    "init_session": _codes(201, 401, 801, *_R(1, 7), 10, 11, 12, 14, 16, 18, 20, 21, 23, 24, 26),
    "update_session": _codes(401, 801, *_R(1, 10), 11, 12, 14, 16, 18, 20, 21, 23, 24, 26),
    "finish_session": _codes(401, 801, *_R(1, 10), 11, 12, 14, 16, 17, 18, 20, 21, 23, 24, 26),
    "abort_session": _codes(401, 801, 4, 5, 6, 12, 14, 18, 20, 24, 26),
    "attest_key_item": _codes(201, 401, 801, 1, 4, 5, 6, 11, 12, 14, 18),
    "anon_attest_key_item": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 26),
    "anon_attest_key_item_offline": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 26),
    "list_aliases": _codes(401, 4, 5, 12, 14, 18),
    "wrap_key_item": _codes(201, 401, 801, 1, 4, 5, 11, 12, 14, 18, 26),
    # unwrap: 17 by §4.1 step 8; 6 for a tampered blob (docs/decisions.md)
    "unwrap_key_item": _codes(201, 401, 801, 1, 4, 5, 6, 12, 14, 15, 17, 18, 26),
    "get_sdk_version": _codes(401, 12),
    # hukspy's own (not a HUKS function): where a key lives; 18: a KEY_ACCESS_GROUP the caller is not in
    "key_storage": _codes(401, 4, 11, 12, 18),
    # hukspy's own: a Keystore with its own session table (docs/decisions.md)
    "session_scope": _codes(401, 12),
    # hukspy's own: a Keystore checking another caller's groups (docs/userauth.md, "Access groups")
    "for_caller": _codes(401, 12),
    # the key as a pyca key (docs/cryptography.md): reads the record and the public key
    "private_key": _codes(401, 1, 3, 4, 5, 11, 12, 14, 18),
    "public_key": _codes(401, 1, 3, 4, 5, 11, 12, 14, 18),
    # ML-KEM (API 26; codes: Keystore.encapsulate/decapsulate docstrings, docs/decisions.md)
    "encapsulate": _codes(401, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 16, 17, 18),
    "decapsulate": _codes(401, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 16, 17, 18),
}
#: Exceptions that, as the cause of a HuksError, mean a bug that the API boundary hid.
BUG_CLASSES: Final = (
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    NameError,
    AssertionError,
    UnboundLocalError,
    ZeroDivisionError,
    RecursionError,
)
#: Functions that may legitimately change a stored key when they succeed.
MUTATING: Final = frozenset(
    {
        "generate_key_item",
        "delete_key_item",
        "import_key_item",
        "import_wrapped_key_item",
        "unwrap_key_item",
        "finish_session",
    }
)

VICTIM_EC: Final = "victim-ecc"
VICTIM_MAC: Final = "victim-hmac"
ALIASES: Final = (VICTIM_EC, VICTIM_MAC, "fuzz-a", "fuzz-b", "f")
_DATA: Final = b"the message every check signs and MACs"


# ------------------------------------------------------------------------------------ the victims


@dataclass
class Victims:
    ks: Keystore
    ec_key: ec.EllipticCurvePrivateKey
    mac_key: bytes
    ec_props: list[HuksParam]
    mac_props: list[HuksParam]

    def restore(self) -> None:
        """(Re)create both keys exactly as at the start."""
        self.ks.import_key_item(VICTIM_EC, _ec_options(self.ec_key))
        self.ks.import_key_item(VICTIM_MAC, _mac_options(self.mac_key))

    def check(self, full: bool) -> None:
        """Both keys are there with the same properties; with ``full``, they still work."""
        ks = self.ks
        assert ks.get_key_item_properties(VICTIM_EC, HuksOptions()).properties == self.ec_props
        assert ks.get_key_item_properties(VICTIM_MAC, HuksOptions()).properties == self.mac_props
        exported = ks.export_key_item(VICTIM_EC, HuksOptions()).out_data
        assert exported == self.ec_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if not full:
            return
        h = ks.init_session(VICTIM_EC, HuksOptions(_SIGN)).handle
        sig = ks.finish_session(h, HuksOptions(in_data=_DATA)).out_data
        self.ec_key.public_key().verify(sig, _DATA, ec.ECDSA(hashes.SHA256()))
        h = ks.init_session(VICTIM_EC, HuksOptions(_VERIFY)).handle
        ks.update_session(h, HuksOptions(in_data=_DATA))
        ks.finish_session(h, HuksOptions(in_data=sig))
        h = ks.init_session(VICTIM_MAC, HuksOptions(_MAC)).handle
        got = ks.finish_session(h, HuksOptions(in_data=_DATA)).out_data
        ref = hmac.HMAC(self.mac_key, hashes.SHA256())
        ref.update(_DATA)
        assert got == ref.finalize()


def _p(tag: int, value: int | bool | bytes) -> HuksParam:
    return HuksParam(tag, value)


_SIGN: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN),
    _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
]
_VERIFY: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_VERIFY),
    _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
]
_MAC: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
    _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
]


def _ec_options(key: ec.EllipticCurvePrivateKey) -> HuksOptions:
    pair = HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    return HuksOptions(
        [
            _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
            _p(_T.HUKS_TAG_KEY_SIZE, 256),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
            _p(_T.HUKS_TAG_IMPORT_KEY_TYPE, pair),
        ],
        encode_private(_A.HUKS_ALG_ECC, 256, key, pair),
    )


def _mac_options(key: bytes) -> HuksOptions:
    return HuksOptions(
        [
            _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
            _p(_T.HUKS_TAG_KEY_SIZE, 256),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
            _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        ],
        key,
    )


@pytest.fixture(scope="module")
def victims() -> Iterator[Victims]:
    """A software keystore (on tmpfs when there is one) holding two keys no bad input may change."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    directory = tempfile.mkdtemp(prefix="hukspy-fuzz-", dir=base)
    ks = Keystore(f"software:{Path(directory) / 'ks'}")
    try:
        v = Victims(ks, ec.generate_private_key(ec.SECP256R1()), os.urandom(32), [], [])
        v.restore()
        v.ec_props = ks.get_key_item_properties(VICTIM_EC, HuksOptions()).properties or []
        v.mac_props = ks.get_key_item_properties(VICTIM_MAC, HuksOptions()).properties or []
        v.check(full=True)
        yield v
        v.check(full=True)
        assert open_session_count(ks) == 0, "the fuzz left sessions open"
    finally:
        ks.close()
        shutil.rmtree(directory, ignore_errors=True)


# ------------------------------------------------------------------------------------ strategies

_SLOW_ALGS: Final = frozenset(
    {_A.HUKS_ALG_RSA, _A.HUKS_ALG_DSA, _A.HUKS_ALG_DH}
)  # no slow keygen in the loop


def _enum_values(*enums: type) -> list[int]:
    return sorted({int(m) for e in enums for m in e})  # type: ignore[attr-defined]


_PLAUSIBLE: Final[dict[int, st.SearchStrategy[object]]] = {
    _T.HUKS_TAG_ALGORITHM: st.sampled_from(_enum_values(HuksKeyAlg)),
    _T.HUKS_TAG_PURPOSE: st.one_of(st.sampled_from(_enum_values(HuksKeyPurpose)), st.integers(0, 1023)),
    _T.HUKS_TAG_KEY_SIZE: st.sampled_from(
        [0, 8, 64, 128, 192, 224, 256, 384, 512, 521, 1024, 2048, 4097, 2**32 - 1]
    ),
    _T.HUKS_TAG_DIGEST: st.sampled_from([*_enum_values(HuksKeyDigest), 3, 99]),
    _T.HUKS_TAG_PADDING: st.sampled_from([*_enum_values(HuksKeyPadding), 99]),
    _T.HUKS_TAG_BLOCK_MODE: st.sampled_from([*_enum_values(HuksCipherMode), 0, 99]),
    _T.HUKS_TAG_IMPORT_KEY_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_KEY_OVERRIDE: st.booleans(),
    _T.HUKS_TAG_AUTH_STORAGE_LEVEL: st.integers(0, 3),
    _T.HUKS_TAG_IV: st.binary(min_size=0, max_size=20),
    _T.HUKS_TAG_NONCE: st.binary(min_size=0, max_size=20),
    _T.HUKS_TAG_AE_TAG: st.binary(min_size=0, max_size=20),
    _T.HUKS_TAG_ASSOCIATED_DATA: st.binary(max_size=20),
    _T.HUKS_TAG_DERIVE_KEY_SIZE: st.integers(0, 100),
    _T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_KEY_STORAGE_FLAG: st.integers(0, 3),
    _T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG: st.integers(0, 4),
    _T.HUKS_TAG_KEY_ALIAS: st.binary(max_size=10),
    _T.HUKS_TAG_IS_ALLOWED_WRAP: st.booleans(),
    _T.HUKS_TAG_KEY_WRAP_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE: st.integers(0, 6),
    _T.HUKS_TAG_USER_AUTH_TYPE: st.sampled_from([0, 1, 2, 3, 4, 5, 8, 32, 33, 36]),
    _T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE: st.integers(0, 7),
    _T.HUKS_TAG_CHALLENGE_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_CHALLENGE_POS: st.integers(0, 5),
    _T.HUKS_TAG_AUTH_TIMEOUT: st.sampled_from([0, 1, 3, 216000, 216001]),
    _T.HUKS_TAG_KEY_AUTH_PURPOSE: st.integers(0, 0x400),
    _T.HUKS_TAG_IS_DEVICE_PASSWORD_SET: st.booleans(),
    _T.HUKS_TAG_AUTH_TOKEN: st.one_of(st.binary(max_size=8), st.binary(min_size=280, max_size=280)),
    _T.HUKS_TAG_KEY_ACCESS_GROUP: st.one_of(st.binary(max_size=8), st.just(b"daemon"), st.just(b"g" * 129)),
    _T.HUKS_TAG_AE_TAG_LEN: st.integers(0, 20),
    _T.HUKS_TAG_ATTESTATION_CHALLENGE: st.binary(max_size=20),
}
_ANY_VALUE: Final = st.one_of(
    st.integers(-(2**65), 2**65),
    st.booleans(),
    st.binary(max_size=40),
    st.text(max_size=5),
    st.none(),
    st.floats(allow_nan=True),
    st.builds(bytearray, st.binary(max_size=8)),
    st.binary(max_size=8).map(lambda b: memoryview(b)),
    st.lists(st.integers(), max_size=2),
)
_ANY_TAG: Final = st.one_of(
    st.sampled_from(_enum_values(HuksTag)),
    st.integers(0, 2**32 - 1),
    st.integers(-(2**40), 2**70),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
_PLAUSIBLE_PARAM: Final = st.one_of([st.builds(HuksParam, st.just(t), s) for t, s in _PLAUSIBLE.items()])
_PARAM: Final = st.one_of(
    _PLAUSIBLE_PARAM,
    _PLAUSIBLE_PARAM,
    st.builds(HuksParam, st.sampled_from(_enum_values(HuksTag)), _ANY_VALUE),
    st.builds(HuksParam, _ANY_TAG, _ANY_VALUE),
    st.one_of(st.integers(), st.text(max_size=3), st.tuples(st.integers(), st.integers()), st.none()),
)


@st.composite
def _weighted(draw: st.DrawFn, *choices: tuple[int, st.SearchStrategy[object]]) -> object:
    """Pick one strategy with the given weights (``one_of`` weighs its flattened branches equally, so
    a handful of junk alternatives would drown the well-formed ones), then draw from it."""
    ticket = draw(st.integers(0, sum(w for w, _ in choices) - 1))
    for weight, strategy in choices:
        if ticket < weight:
            return draw(strategy)
        ticket -= weight
    raise AssertionError("unreachable")


_JUNK_PROPERTIES: Final = st.one_of(
    st.lists(_PARAM, max_size=8),
    st.lists(_PARAM, max_size=8).map(tuple),
    st.integers(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.dictionaries(st.integers(), st.integers(), max_size=2),
)
#: Well-formed properties: known tags, values of the right type, no tag twice (so they get past 401).
_WELL_PROPERTIES: Final = st.lists(_PLAUSIBLE_PARAM, max_size=6, unique_by=lambda p: p.tag)
_PROPERTIES: Final = _weighted((6, _WELL_PROPERTIES), (2, st.none()), (2, _JUNK_PROPERTIES))
_TOKEN: Final = _weighted(
    (8, st.none()), (2, st.one_of(st.binary(max_size=80), st.text(max_size=4), st.integers()))
)
_IN_DATA: Final = _weighted(
    (2, st.none()),
    (6, st.binary(max_size=300)),
    (1, st.builds(bytearray, st.binary(max_size=50))),
    (1, st.binary(max_size=50).map(lambda b: memoryview(b))),
    (1, st.one_of(st.text(max_size=5), st.integers())),
)
_JUNK_OPTIONS: Final = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(HuksOptions, _JUNK_PROPERTIES, _IN_DATA),
)
_OPTIONS: Final = _weighted((8, st.builds(HuksOptions, _PROPERTIES, _IN_DATA)), (2, _JUNK_OPTIONS))


def _recipe(
    bases: list[list[HuksParam]], data: st.SearchStrategy[object] = _IN_DATA
) -> st.SearchStrategy[object]:
    """A valid request mutated a little: drop up to two of its params, add or override up to three
    (one value per tag, so the mutation reaches the checks behind ParamSet's 401)."""

    def build(base: list[HuksParam], drop: set[int], extra: list[HuksParam], in_data: object) -> HuksOptions:
        params = {int(p.tag): p for i, p in enumerate(base) if i not in drop}
        params.update({int(p.tag): p for p in extra})
        return HuksOptions(list(params.values()), in_data)  # type: ignore[arg-type]

    return st.builds(
        build,
        st.sampled_from(bases),
        st.sets(st.integers(0, 5), max_size=2),
        st.lists(_PLAUSIBLE_PARAM, max_size=3),
        data,
    )


def _gen(alg: int, size: int, purpose: int, *extra: HuksParam) -> list[HuksParam]:
    return [
        _p(_T.HUKS_TAG_ALGORITHM, alg),
        _p(_T.HUKS_TAG_KEY_SIZE, size),
        _p(_T.HUKS_TAG_PURPOSE, purpose),
        *extra,
    ]


_SHA256: Final = _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)
_SM3: Final = _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3)
_GEN_BASES: Final = [
    _gen(_A.HUKS_ALG_AES, 256, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
    _gen(_A.HUKS_ALG_AES, 128, _PU.HUKS_KEY_PURPOSE_DERIVE, _SHA256),
    _gen(_A.HUKS_ALG_HMAC, 256, _PU.HUKS_KEY_PURPOSE_MAC, _SHA256),
    _gen(_A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY, _SHA256),
    _gen(_A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_AGREE),
    _gen(_A.HUKS_ALG_ED25519, 256, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
    _gen(_A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE),
    _gen(_A.HUKS_ALG_SM4, 128, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
    _gen(_A.HUKS_ALG_3DES, 192, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
    # issue 15: SM2 and SM3 keys
    _gen(_A.HUKS_ALG_SM2, 256, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY, _SM3),
    _gen(_A.HUKS_ALG_SM2, 256, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT, _SM3),
    _gen(_A.HUKS_ALG_SM3, 256, _PU.HUKS_KEY_PURPOSE_MAC, _SM3),
]
_FIXED_EC: Final = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())
_PAIR: Final = _p(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)
_EC_PAIR_BYTES: Final = encode_private(
    _A.HUKS_ALG_ECC, 256, _FIXED_EC, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
)


_FIXED_SM2: Final = sm2ref.generate()
_SM2_PAIR_BYTES: Final = encode_private(
    _A.HUKS_ALG_SM2, 256, _FIXED_SM2, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
)
_SM2_SPKI: Final = sm2ref.spki(_FIXED_SM2.point or b"")


def _damaged(good: bytes) -> st.SearchStrategy[object]:
    """``good`` key material, or a truncated, extended or bit-flipped copy, or anything."""
    return st.one_of(
        st.just(good),
        st.integers(0, len(good)).map(lambda n: good[:n]),
        st.binary(min_size=1, max_size=8).map(lambda b: good + b),
        st.integers(0, len(good) * 8 - 1).map(
            lambda i: good[: i // 8] + bytes([good[i // 8] ^ (1 << (i % 8))]) + good[i // 8 + 1 :]
        ),
        _IN_DATA,
    )


_IMPORT_OPTIONS: Final = st.one_of(
    _recipe([_GEN_BASES[0]], _damaged(bytes(range(32)))),
    _recipe([_GEN_BASES[2]], _damaged(bytes(range(32, 64)))),
    _recipe([_GEN_BASES[3] + [_PAIR], _GEN_BASES[4] + [_PAIR]], _damaged(_EC_PAIR_BYTES)),
    _recipe([_GEN_BASES[5] + [_p(_T.HUKS_TAG_IMPORT_KEY_TYPE, 1)]], _damaged(bytes(range(7, 39)))),
    _recipe([_GEN_BASES[9] + [_PAIR]], _damaged(_SM2_PAIR_BYTES)),
    _recipe([_GEN_BASES[9] + [_p(_T.HUKS_TAG_IMPORT_KEY_TYPE, 0)]], _damaged(_SM2_SPKI)),
    _recipe([_GEN_BASES[11]], _damaged(bytes(range(64, 96)))),
    _OPTIONS,
)
_GEN_OPTIONS: Final = _weighted((7, _recipe(_GEN_BASES)), (3, _OPTIONS))
_AES_ECB: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
    _p(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
    _p(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
]
_INIT_OPTIONS: Final = _weighted((7, _recipe([_SIGN, _VERIFY, _MAC, _AES_ECB])), (3, _OPTIONS))
#: Options of update/finish/abort: mostly just data, sometimes params (which must not matter, or 401).
_SESSION_OPTIONS: Final = _weighted(
    (6, st.builds(HuksOptions, st.none(), st.binary(max_size=200))),
    (4, _OPTIONS),
)
_ALIAS: Final = _weighted(
    (6, st.sampled_from(ALIASES)),
    (2, st.text(max_size=140)),
    (
        2,
        st.one_of(
            st.just(""),
            st.just("a" * 129),
            st.just("\u00e9" * 65),
            st.binary(max_size=10),
            st.integers(),
            st.none(),
        ),
    ),
)
_HANDLE: Final = _weighted(
    (5, st.just("live")),
    (1, st.just("live-object")),
    (2, st.integers(-5, 2**66)),
    (1, st.one_of(st.booleans(), st.none(), st.text(max_size=4), st.floats())),
)


def _tame(options: object) -> object:
    """Keep slow key generation (RSA/DSA/DH) out of the loop: such an ALGORITHM becomes AES."""
    if not isinstance(options, HuksOptions) or not isinstance(options.properties, list | tuple):
        return options
    props = [
        HuksParam(p.tag, int(_A.HUKS_ALG_AES))
        if isinstance(p, HuksParam)
        and p.tag == _T.HUKS_TAG_ALGORITHM
        and p.value in _SLOW_ALGS
        and not isinstance(p.value, bool)
        else p
        for p in options.properties
    ]
    return HuksOptions(props, options.in_data)


# ------------------------------------------------------------------------------------ the property


def _check_error(name: str, err: HuksError) -> None:
    assert err.code in DOCUMENTED[name], f"{name} raised undocumented {err.code}: {err}"
    cause: BaseException | None = err.__cause__
    while cause is not None:
        assert not isinstance(cause, BUG_CLASSES), (
            f"{name} hid a bug behind HuksError {err.code}: {type(cause).__name__}: {cause}"
        )
        cause = cause.__cause__


def _check_result(name: str, result: object) -> None:
    if name in (
        "generate_key_item",
        "delete_key_item",
        "import_key_item",
        "import_wrapped_key_item",
        "abort_session",
    ):
        assert result is None
    elif name in ("is_key_item_exist", "has_key_item"):
        assert isinstance(result, bool)
        if name == "is_key_item_exist":
            assert result is True
    elif name == "init_session":
        assert isinstance(result, HuksSessionHandle) and 0 < result.handle < 2**64
    elif name == "list_aliases":
        assert isinstance(result, HuksListAliasesReturnResult)
        assert result.key_aliases == sorted(result.key_aliases)
        assert all(isinstance(a, str) for a in result.key_aliases)
    elif name == "get_sdk_version":
        assert result == "2.0.0.5"
    elif name == "key_storage":
        assert result == "software"
    elif name == "for_caller":
        assert isinstance(result, Keystore) and result.open_sessions == 0
        result.close()
    elif name == "session_scope":
        assert isinstance(result, Keystore) and result.open_sessions == 0
        result.close()  # its own sessions only: the victims' keystore stays open
    elif name == "private_key":
        assert isinstance(result, HuksPrivateKey)
    elif name == "public_key":
        assert callable(getattr(result, "public_bytes", None))
    elif name in ("encapsulate", "decapsulate"):
        assert isinstance(result, HuksReturnResult)
        assert result.shared_secret is None or len(result.shared_secret) == 32
    else:
        assert isinstance(result, HuksReturnResult)
        assert isinstance(result.out_data, bytes)


_COUNTER = [0]


def _exercise(v: Victims, name: str, call: Callable[[], object], alias: object = None) -> None:
    ks = v.ks
    try:
        result = call()
    except HuksError as err:
        event(f"HuksError {err.code}")
        _check_error(name, err)
    except Exception as exc:
        pytest.fail(f"{name} let a {type(exc).__name__} escape: {exc}")
    else:
        event("returned")
        _check_result(name, result)
        if isinstance(result, HuksSessionHandle):
            ks.abort_session(result.handle, HuksOptions())
        if name in MUTATING and alias in (VICTIM_EC, VICTIM_MAC):
            v.restore()  # a valid request may replace a victim; put it back as it was
    _COUNTER[0] += 1
    # every example: both keys there, same properties and public key; every 20th: they still work
    v.check(full=_COUNTER[0] % 20 == 0)


def _live(v: Victims, handle: object) -> tuple[object, int | None]:
    """Replace the "live" markers with a real session on the victim key; return (handle, to_abort)."""
    if handle in ("live", "live-object"):
        s = v.ks.init_session(VICTIM_EC, HuksOptions(_SIGN))
        return (s if handle == "live-object" else s.handle), s.handle
    return handle, None


_ALIAS_FUNCTIONS: Final = (
    "delete_key_item",
    "export_key_item",
    "get_key_item_properties",
    "is_key_item_exist",
    "has_key_item",
    "attest_key_item",
    "anon_attest_key_item",
    "wrap_key_item",
    "key_storage",
    "private_key",
    "public_key",
)


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("name", _ALIAS_FUNCTIONS)
def test_alias_functions(victims: Victims, name: str, data: st.DataObject) -> None:
    alias = data.draw(_ALIAS, "alias")
    options = data.draw(_OPTIONS, "options")
    method = getattr(victims.ks, name)
    _exercise(victims, name, lambda: method(alias, options), alias)


@FUZZ
@given(alias=_ALIAS, options=_GEN_OPTIONS)
def test_generate_key_item(victims: Victims, alias: object, options: object) -> None:
    options = _tame(options)
    _exercise(victims, "generate_key_item", lambda: victims.ks.generate_key_item(alias, options), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_ALIAS, options=_IMPORT_OPTIONS)
def test_import_key_item(victims: Victims, alias: object, options: object) -> None:
    _exercise(victims, "import_key_item", lambda: victims.ks.import_key_item(alias, options), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_ALIAS, wrapping=_ALIAS, options=_OPTIONS)
def test_import_wrapped_key_item(victims: Victims, alias: object, wrapping: object, options: object) -> None:
    _exercise(
        victims,
        "import_wrapped_key_item",
        lambda: victims.ks.import_wrapped_key_item(alias, wrapping, options),  # type: ignore[arg-type]
        alias,
    )


@FUZZ
@given(
    alias=_ALIAS, options=_OPTIONS, wrapped=st.one_of(st.binary(max_size=200), st.none(), st.text(max_size=3))
)
def test_unwrap_key_item(victims: Victims, alias: object, options: object, wrapped: object) -> None:
    _exercise(victims, "unwrap_key_item", lambda: victims.ks.unwrap_key_item(alias, options, wrapped), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_ALIAS, options=_INIT_OPTIONS)
def test_init_session(victims: Victims, alias: object, options: object) -> None:
    _exercise(victims, "init_session", lambda: victims.ks.init_session(alias, options), alias)  # type: ignore[arg-type]


@FUZZ
@given(handle=_HANDLE, options=_SESSION_OPTIONS, token=_TOKEN)
@pytest.mark.parametrize("name", ["update_session", "finish_session"])
def test_update_finish_session(
    victims: Victims, name: str, handle: object, options: object, token: object
) -> None:
    real, to_abort = _live(victims, handle)
    method = getattr(victims.ks, name)
    try:
        _exercise(victims, name, lambda: method(real, options, token))
    finally:
        if to_abort is not None:
            victims.ks.abort_session(to_abort, HuksOptions())


@FUZZ
@given(handle=_HANDLE, options=_SESSION_OPTIONS)
def test_abort_session(victims: Victims, handle: object, options: object) -> None:
    real, to_abort = _live(victims, handle)
    try:
        _exercise(victims, "abort_session", lambda: victims.ks.abort_session(real, options))  # type: ignore[arg-type]
    finally:
        if to_abort is not None:
            victims.ks.abort_session(to_abort, HuksOptions())


@FUZZ
@given(options=_OPTIONS)
@pytest.mark.parametrize("name", ["list_aliases", "get_sdk_version"])
def test_options_only_functions(victims: Victims, name: str, options: object) -> None:
    method = getattr(victims.ks, name)
    _exercise(victims, name, lambda: method(options))


@FUZZ
@given(
    limit=st.one_of(st.integers(-3, 40), st.booleans(), st.none(), st.text(max_size=3), st.floats()),
    policy=st.one_of(st.sampled_from(["reject", "evict"]), st.text(max_size=6), st.none(), st.integers()),
)
def test_session_scope(victims: Victims, limit: object, policy: object) -> None:
    _exercise(
        victims,
        "session_scope",
        lambda: victims.ks.session_scope(session_limit=limit, session_policy=policy),  # type: ignore[arg-type]
    )


VICTIM_KEM: Final = "victim-ml-kem"
_KEM_PARAMS: Final = _weighted((6, _WELL_PROPERTIES), (2, st.just([])), (2, _JUNK_PROPERTIES))
_KEM_ALIAS: Final = _weighted((4, st.just(VICTIM_KEM)), (6, _ALIAS))
_SHARED: Final = st.one_of(
    st.tuples(st.none(), st.none()),
    st.tuples(st.one_of(st.just("fuzz-a"), _ALIAS), _KEM_PARAMS),
    st.tuples(st.none(), _KEM_PARAMS),
)
_ENCAP_DATA: Final = _weighted(
    (5, st.binary(min_size=1080, max_size=1100)), (3, st.binary(max_size=64)),
    (2, st.one_of(st.none(), st.text(max_size=3), st.integers())),
)


def _kem_victim(ks: Keystore) -> None:
    if not ks.has_key_item(VICTIM_KEM, HuksOptions()):
        ks.generate_key_item(VICTIM_KEM, HuksOptions([
            _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ML_KEM), _p(_T.HUKS_TAG_KEY_SIZE, 768),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_WRAP | _PU.HUKS_KEY_PURPOSE_UNWRAP)]))


@FUZZ
@given(alias=_ALIAS, params=_KEM_PARAMS)
def test_anon_attest_key_item_offline(victims: Victims, alias: object, params: object) -> None:
    _exercise(victims, "anon_attest_key_item_offline",
              lambda: victims.ks.anon_attest_key_item_offline(alias, params), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_KEM_ALIAS, params=_KEM_PARAMS, shared=_SHARED)
def test_encapsulate(victims: Victims, alias: object, params: object, shared: tuple[object, object]) -> None:
    _kem_victim(victims.ks)
    _exercise(victims, "encapsulate",
              lambda: victims.ks.encapsulate(alias, params, *shared), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_KEM_ALIAS, params=_KEM_PARAMS, data=_ENCAP_DATA, shared=_SHARED)
def test_decapsulate(
    victims: Victims, alias: object, params: object, data: object, shared: tuple[object, object]
) -> None:
    _kem_victim(victims.ks)
    _exercise(victims, "decapsulate",
              lambda: victims.ks.decapsulate(alias, params, data, *shared), alias)  # type: ignore[arg-type]


@FUZZ
@given(
    caller=st.one_of(st.builds(access.Caller, st.integers(0, 2**31), st.integers(0, 2**31)), st.none(),
                     st.text(max_size=4), st.integers()),
    home=st.one_of(st.text(max_size=6), st.none(), st.binary(max_size=4)),
)
def test_for_caller(victims: Victims, caller: object, home: object) -> None:
    _exercise(victims, "for_caller", lambda: victims.ks.for_caller(caller, home))  # type: ignore[arg-type]


def test_every_public_function_is_fuzzed() -> None:
    """The table above covers every public method of Keystore (a new one must be added here)."""
    public = {
        n
        for n in dir(Keystore)
        if not n.startswith("_") and callable(getattr(Keystore, n)) and n not in ("close", "capabilities")
    }
    assert public == set(DOCUMENTED), f"fuzz table out of date: {sorted(public ^ set(DOCUMENTED))}"


# ====================================================================================================
# Input classes, on every backend: each drawn input belongs to one class, and the class decides the
# exact code (docs/testing.md "Fuzz"; the codes are docs/wrapped-keys.md's table, docs/decisions.md's
# wrap rows and the init policy of hukspy.policy). A success is checked against pyca wherever pyca can
# compute the same answer from the key bytes the test imported.

#: Examples per class test: on the software keystore, and on a token or TPM (each call is slower).
CLASS_EXAMPLES: Final = int(os.environ.get("HUKSPY_FUZZ_CLASS_EXAMPLES", "100"))
_HW_EXAMPLES: Final = max(10, CLASS_EXAMPLES // 4)
_ENC, _DEC = int(_PU.HUKS_KEY_PURPOSE_ENCRYPT), int(_PU.HUKS_KEY_PURPOSE_DECRYPT)
_LV = _p(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, 1)


def _run_classes(ks: Keystore, body: Callable[[st.DataObject], str]) -> Counter[str]:
    """Run ``body`` (which returns the class of the input it drew and checked) under hypothesis with
    the example budget of ``ks``'s backend; print how often each class came up, and fail unless the
    success path ("valid") was reached."""
    n = CLASS_EXAMPLES if ks.capabilities().backend == "software" else _HW_EXAMPLES
    seen: Counter[str] = Counter()

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        seen[body(data)] += 1

    run()
    print(f"{ks.capabilities().backend}: {dict(sorted(seen.items()))}")
    assert seen["valid"] > 0, f"the success path was never reached: {dict(seen)}"
    return seen


def _outcome(call: Callable[[], object]) -> tuple[int | None, object]:
    """(None, result) or (code, None); any other exception propagates (and fails the test)."""
    try:
        return None, call()
    except HuksError as err:
        return err.code, None


def _drop(ks: Keystore, *aliases: str) -> None:
    """Delete the aliases that exist (the cleanup of a test that may have failed half-way)."""
    for alias in aliases:
        if ks.has_key_item(alias, HuksOptions()):
            ks.delete_key_item(alias, HuksOptions())


def _aes_options(purpose: int, key: bytes) -> HuksOptions:
    return HuksOptions([_p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), _p(_T.HUKS_TAG_KEY_SIZE, 256),
                        _p(_T.HUKS_TAG_PURPOSE, purpose)], key)


def _pyca_aes(key: bytes, mode: int, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    m = modes.ECB() if mode == HuksCipherMode.HUKS_MODE_ECB else modes.CBC(iv)  # noqa: S305 - a test vector
    c = Cipher(algorithms.AES(key), m)
    ctx = c.encryptor() if encrypt else c.decryptor()
    return ctx.update(data) + ctx.finalize()


@pytest.fixture
def aes_keys(keystore: Keystore) -> Iterator[tuple[bytes, dict[int, str]]]:
    """One AES-256 key imported three times: purpose ENCRYPT, DECRYPT and ENCRYPT|DECRYPT."""
    key = os.urandom(32)
    aliases = {}
    for purpose in (_ENC, _DEC, _ENC | _DEC):
        aliases[purpose] = f"fuzz-aes-{purpose}-{os.urandom(4).hex()}"
        keystore.import_key_item(aliases[purpose], _aes_options(purpose, key))
    yield key, aliases
    for alias in aliases.values():
        keystore.delete_key_item(alias, HuksOptions())


def test_classes_aes_sessions(keystore: Keystore, aes_keys: tuple[bytes, dict[int, str]]) -> None:
    """AES-256 ECB/CBC without padding on keys of purpose ENCRYPT, DECRYPT or both.

    Classes: an absent alias → 12000011 (init); an init PURPOSE outside the key's → 401 (init; the
    purpose-subset rule of the auth policy); ENCRYPT of data that is not whole blocks → 401 (finish);
    otherwise the output equals pyca's, through any split into update calls."""
    key, aliases = aes_keys

    def body(data: st.DataObject) -> str:
        key_purpose = data.draw(st.sampled_from(sorted(aliases)), "key purpose")
        init_purpose = data.draw(st.sampled_from([_ENC, _DEC]), "init purpose")
        mode = data.draw(st.sampled_from([HuksCipherMode.HUKS_MODE_ECB, HuksCipherMode.HUKS_MODE_CBC]))
        absent = data.draw(st.integers(0, 7), "alias") == 0  # one in eight: an alias that is not there
        whole = data.draw(st.integers(0, 5), "blocks")
        extra = data.draw(st.integers(0, 15), "extra bytes") if init_purpose == _ENC else 0
        plain = data.draw(st.binary(min_size=16 * whole + extra, max_size=16 * whole + extra), "data")
        cut = data.draw(st.integers(0, len(plain)), "update split")
        iv = os.urandom(16)
        params = [_p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), _p(_T.HUKS_TAG_PURPOSE, init_purpose),
                  _p(_T.HUKS_TAG_BLOCK_MODE, mode), _p(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)]
        if mode == HuksCipherMode.HUKS_MODE_CBC:
            params.append(_p(_T.HUKS_TAG_IV, iv))
        alias = "fuzz-aes-absent" if absent else aliases[key_purpose]
        code, handle = _outcome(lambda: keystore.init_session(alias, HuksOptions(params)))
        if isinstance(handle, HuksSessionHandle) and (absent or init_purpose & ~key_purpose):
            keystore.abort_session(handle.handle, HuksOptions())  # wrongly opened: the assert says so
        if absent:
            assert code == 12000011
            return "absent alias"
        if init_purpose & ~key_purpose:
            assert code == 401, f"init purpose {init_purpose:#x} on a key of {key_purpose:#x}: {code}"
            return "purpose outside the key's"
        assert code is None, f"a valid init failed with {code}"
        assert isinstance(handle, HuksSessionHandle)
        h = handle.handle
        source = plain if init_purpose == _ENC else _pyca_aes(key, mode, iv, plain, encrypt=True)
        out = b""
        code, res = _outcome(lambda: keystore.update_session(h, HuksOptions(in_data=source[:cut])))
        if code is None:
            assert isinstance(res, HuksReturnResult)
            out += res.out_data
            code, res = _outcome(lambda: keystore.finish_session(h, HuksOptions(in_data=source[cut:])))
        if extra:
            assert code == 401, f"{len(source)} bytes without padding: {code}"
            keystore.abort_session(h, HuksOptions())
            return "encrypt of a partial block"
        assert code is None, f"a valid {len(source)}-byte session failed with {code}"
        assert isinstance(res, HuksReturnResult)
        out += res.out_data
        expected = _pyca_aes(key, mode, iv, plain, encrypt=True) if init_purpose == _ENC else plain
        assert out == expected, "the output differs from pyca's"
        return "valid"

    _run_classes(keystore, body)


def test_classes_hmac(keystore: Keystore) -> None:
    """An HMAC-SHA256 key: the MAC equals pyca's for any data and split; an init DIGEST other than the
    key's → 401 (a policy tag that differs from the key's); an init without DIGEST → 401."""
    key = os.urandom(32)
    alias = f"fuzz-hmac-{os.urandom(4).hex()}"
    keystore.import_key_item(alias, _mac_options(key))
    digests = [HuksKeyDigest.HUKS_DIGEST_SHA256, HuksKeyDigest.HUKS_DIGEST_SHA384,
               HuksKeyDigest.HUKS_DIGEST_SHA1, None]

    def body(data: st.DataObject) -> str:
        digest = data.draw(st.sampled_from(digests), "init digest")
        msg = data.draw(st.binary(max_size=300), "data")
        cut = data.draw(st.integers(0, len(msg)), "split")
        params = [_p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
                  _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC)]
        if digest is not None:
            params.append(_p(_T.HUKS_TAG_DIGEST, digest))
        code, handle = _outcome(lambda: keystore.init_session(alias, HuksOptions(params)))
        if isinstance(handle, HuksSessionHandle) and digest != HuksKeyDigest.HUKS_DIGEST_SHA256:
            keystore.abort_session(handle.handle, HuksOptions())  # wrongly opened: the assert says so
        if digest != HuksKeyDigest.HUKS_DIGEST_SHA256:
            assert code == 401, f"init digest {digest} on a SHA256 key: {code}"
            return f"init digest {digest}"
        assert code is None and isinstance(handle, HuksSessionHandle), code
        keystore.update_session(handle.handle, HuksOptions(in_data=msg[:cut]))
        out = keystore.finish_session(handle.handle, HuksOptions(in_data=msg[cut:])).out_data
        ref = hmac.HMAC(key, hashes.SHA256())
        ref.update(msg)
        assert out == ref.finalize()
        return "valid"

    try:
        _run_classes(keystore, body)
    finally:
        keystore.delete_key_item(alias, HuksOptions())


def test_classes_ecdsa(keystore: Keystore) -> None:
    """An ECC P-256 key generated in the keystore: its signature of any data verifies with pyca against
    the exported public key (the independent answer for a key whose private half pyca never sees)."""
    alias = f"fuzz-ec-{os.urandom(4).hex()}"
    keystore.generate_key_item(alias, HuksOptions(_gen(_A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_SIGN)))
    public = serialization.load_der_public_key(keystore.export_key_item(alias, HuksOptions()).out_data)
    assert isinstance(public, ec.EllipticCurvePublicKey)

    def body(data: st.DataObject) -> str:
        msg = data.draw(st.binary(max_size=200), "data")
        h = keystore.init_session(alias, HuksOptions(_SIGN)).handle
        sig = keystore.finish_session(h, HuksOptions(in_data=msg)).out_data
        public.verify(sig, msg, ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature: the test fails
        return "valid"

    try:
        _run_classes(keystore, body)
    finally:
        keystore.delete_key_item(alias, HuksOptions())


# --------------------------------------------------------------------- import_wrapped_key_item classes

_SUITE: Final = int(HuksUnwrapSuite.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING)
#: Blobs of the 10-LV format whose bytes are authenticated by a GCM layer (docs/wrapped-keys.md): a
#: flipped bit in any of them fails authentication, 12000006. (1-based, as in that table.)
_AUTHENTICATED_BLOBS: Final = (2, 3, 4, 5, 6, 7, 8, 10)


def _import_wrapped_class(data: st.DataObject, blobs: list[bytes]) -> tuple[str, bytes, int | None]:
    """A mutation of a valid wrapped key: (class name, in_data, expected code or None for success)."""
    kind = data.draw(st.sampled_from(
        ["valid", "valid", "flip", "flip", "peer", "length", "truncate", "append", "tag-length"]), "class")
    if kind == "valid":
        return kind, build_lv(blobs), None
    if kind == "flip":
        i = data.draw(st.sampled_from(_AUTHENTICATED_BLOBS), "blob")
        bit = data.draw(st.integers(0, len(blobs[i - 1]) * 8 - 1), "bit")
        b = bytearray(blobs[i - 1])
        b[bit // 8] ^= 1 << (bit % 8)
        return f"flip in blob {i}", build_lv([*blobs[: i - 1], bytes(b), *blobs[i:]]), 12000006
    if kind == "peer":  # blob 1, the ephemeral public key (SPKI DER): any flipped bit spoils the point
        bit = data.draw(st.integers(0, len(blobs[0]) * 8 - 1), "bit")
        b = bytearray(blobs[0])
        b[bit // 8] ^= 1 << (bit % 8)
        return "flip in the peer key", build_lv([bytes(b), *blobs[1:]]), 401
    if kind == "length":  # blob 9, keyMaterialLen: an upper bound, 1..2048, at least the real length
        n = data.draw(st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 2100)), "keyMaterialLen")
        ok = 32 <= n <= 2048
        return f"keyMaterialLen {'valid' if ok else 'invalid'}", build_lv(
            [*blobs[:8], struct.pack("<I", n), blobs[9]]), None if ok else 401
    whole = build_lv(blobs)
    if kind == "truncate":
        k = data.draw(st.integers(1, len(whole)), "bytes cut")
        return "truncated", whole[:-k], 401
    if kind == "append":
        return "trailing bytes", whole + data.draw(st.binary(min_size=1, max_size=8), "tail"), 401
    i = data.draw(st.sampled_from([4, 8]), "tag blob")  # a GCM tag that is not 16 bytes
    cut = data.draw(st.integers(1, 15), "tag length")
    return "short tag", build_lv([*blobs[: i - 1], blobs[i - 1][:cut], *blobs[i:]]), 401


def test_classes_import_wrapped_key_item(keystore: Keystore) -> None:
    """A valid ECDH-P256 wrapped AES-256 key, then one mutation per example; the class decides the
    code (docs/wrapped-keys.md "Errors"); a success imports exactly the wrapped key (AES-ECB of a block
    equals pyca's with the original bytes). Also: an absent wrapping key → 12000011, no suite →
    12000002, an unknown suite → 12000003, a wrapping key whose purpose is not UNWRAP → 12000003."""
    wrapping = f"fuzz-unwrap-{os.urandom(4).hex()}"
    agree_only = f"fuzz-agree-{os.urandom(4).hex()}"
    for a, purpose in ((wrapping, _PU.HUKS_KEY_PURPOSE_UNWRAP), (agree_only, _PU.HUKS_KEY_PURPOSE_AGREE)):
        keystore.generate_key_item(a, HuksOptions(_gen(_A.HUKS_ALG_ECC, 256, purpose)))
    public = keystore.export_key_item(wrapping, HuksOptions()).out_data
    target = f"fuzz-wrapped-{os.urandom(4).hex()}"

    def body(data: st.DataObject) -> str:
        material = data.draw(st.binary(min_size=32, max_size=32), "key")
        blobs = parse_lv(build_wrapped_key(_SUITE, public, material))
        params = [*_gen(_A.HUKS_ALG_AES, 256, _ENC | _DEC), _p(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, _SUITE)]
        # one example in three gets a request fault with a valid blob; the others a blob mutation
        by = data.draw(st.sampled_from(["wrapping"] * 6 + ["absent", "no suite", "bad suite", "agree key"]),
                       "request")
        name, in_data, expected = ("valid", build_lv(blobs), None) if by != "wrapping" else \
            _import_wrapped_class(data, blobs)
        if by == "absent":
            name, expected, wrapper = "absent wrapping key", 12000011, "fuzz-no-such-wrapping-key"
        elif by == "agree key":
            name, expected, wrapper = "wrapping key not UNWRAP", 12000003, agree_only
        else:
            wrapper = wrapping
        if by == "no suite":
            name, expected, params = "no suite", 12000002, params[:-1]
        elif by == "bad suite":
            name, expected = "unknown suite", 12000003
            params[-1] = _p(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, 99)
        code, _ = _outcome(lambda: keystore.import_wrapped_key_item(
            target, wrapper, HuksOptions(params, in_data)))
        assert code == expected, f"{name}: expected {expected}, got {code}"
        if expected is None:
            h = keystore.init_session(target, HuksOptions(_AES_ECB)).handle
            out = keystore.finish_session(h, HuksOptions(in_data=bytes(16))).out_data
            assert out == _pyca_aes(material, HuksCipherMode.HUKS_MODE_ECB, b"", bytes(16), encrypt=True)
            keystore.delete_key_item(target, HuksOptions())
        else:
            assert not keystore.has_key_item(target, HuksOptions()), f"{name}: a key was stored anyway"
        return name

    try:
        _run_classes(keystore, body)
    finally:
        _drop(keystore, wrapping, agree_only, target)


# ------------------------------------------------------------------------ wrap / unwrap_key_item classes


def _unwrap_class(data: st.DataObject, blob: bytes) -> tuple[str, bytes, int | None]:
    """A mutation of a valid wrap blob: (class, blob, expected code). Layout: magic(8) version(1)
    len(name)(1) name len(params)(4, LE) params sealed (hukspy.wrapped.pack_wrap_blob)."""
    n = blob[9]
    params_at = 10 + n + 4
    (plen,) = struct.unpack_from("<I", blob, 10 + n)
    kind = data.draw(st.sampled_from(["valid", "valid", "magic", "short", "params", "sealed"]), "class")
    if kind == "valid":
        return kind, blob, None
    if kind == "short":
        return "shorter than the header", blob[: data.draw(st.integers(0, 9), "length")], 401
    lo, hi = {"magic": (0, 9), "params": (params_at, params_at + plen),
              "sealed": (params_at + plen, len(blob))}[kind]
    i = data.draw(st.integers(lo, hi - 1), "byte")
    flip = data.draw(st.integers(1, 255), "xor")
    mutated = blob[:i] + bytes([blob[i] ^ flip]) + blob[i + 1 :]
    # magic or version: not a wrap blob (401); params or the sealed key: fails authentication (12000006)
    return f"{kind} altered", mutated, 401 if kind == "magic" else 12000006


def test_classes_unwrap_key_item(keystore: Keystore) -> None:
    """``wrap_key_item`` then ``unwrap_key_item``: on a keystore that declares ``wrap``, a valid blob
    restores a key that MACs exactly as pyca does with the original bytes, and each mutation class has
    its code (docs/decisions.md, wrap rows); on one that does not, both answer 12000001."""
    key = os.urandom(32)
    alias = f"fuzz-wrapme-{os.urandom(4).hex()}"
    restored = f"fuzz-unwrapped-{os.urandom(4).hex()}"
    mac_params = [p for p in _mac_options(key).properties or []] + [_p(_T.HUKS_TAG_IS_ALLOWED_WRAP, True)]
    keystore.import_key_item(alias, HuksOptions(mac_params, key))
    try:
        code, wrapped_result = _outcome(lambda: keystore.wrap_key_item(alias, HuksOptions()))
        if not keystore.capabilities().wrap:
            assert code == 12000001, f"wrap on a keystore that does not declare it: {code}"
            code, _ = _outcome(lambda: keystore.unwrap_key_item(restored, HuksOptions(), b"HKPYWRAP\x01"))
            assert code == 12000001, f"unwrap on a keystore that does not declare it: {code}"
            return
        assert code is None and isinstance(wrapped_result, HuksReturnResult), code
        blob = wrapped_result.out_data

        def body(data: st.DataObject) -> str:
            name, mutated, expected = _unwrap_class(data, blob)
            code, _ = _outcome(lambda: keystore.unwrap_key_item(restored, HuksOptions(), mutated))
            assert code == expected, f"{name}: expected {expected}, got {code}"
            if expected is None:
                h = keystore.init_session(restored, HuksOptions(_MAC)).handle
                out = keystore.finish_session(h, HuksOptions(in_data=_DATA)).out_data
                ref = hmac.HMAC(key, hashes.SHA256())
                ref.update(_DATA)
                assert out == ref.finalize()
                keystore.delete_key_item(restored, HuksOptions())
            else:
                assert not keystore.has_key_item(restored, HuksOptions()), f"{name}: a key was stored"
            return name

        _run_classes(keystore, body)
    finally:
        _drop(keystore, alias, restored)


def test_classes_sm2(keystore: Keystore) -> None:
    """SM2 (issue 15) on a key pair made by ``hukspy.testing.sm2ref`` and imported, where SM2 is declared.

    Classes: DIGEST_NONE signing of an input that is not 32 bytes → 401 (upstream INVALID_ARGUMENT);
    verify of a truncated or bit-flipped signature → 12000006; decrypt of a truncated or bit-flipped
    ciphertext → 12000006 (bytes appended after the DER are ignored, as OpenSSL and so upstream do);
    otherwise the reference verifies hukspy's signature and hukspy verifies and decrypts the
    reference's."""
    if keystore.capabilities().key(_A.HUKS_ALG_SM2, 256) is None:
        pytest.skip(f"{keystore.backend_name} declares no SM2 keys")
    key = sm2ref.generate()
    assert key.point is not None and key.scalar is not None
    point, scalar = key.point, key.scalar
    pair = HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    aliases = {}
    sign_verify = _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY
    for name, purpose in (("sign", sign_verify), ("enc", _ENC | _DEC)):
        aliases[name] = f"fuzz-sm2-{name}-{os.urandom(4).hex()}"
        keystore.import_key_item(aliases[name], HuksOptions(
            [_p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM2), _p(_T.HUKS_TAG_KEY_SIZE, 256),
             _p(_T.HUKS_TAG_PURPOSE, purpose), _p(_T.HUKS_TAG_IMPORT_KEY_TYPE, pair)],
            encode_private(_A.HUKS_ALG_SM2, 256, key, pair)))

    def session(
        alias: str, purpose: int, digest: int, data: bytes, final: bytes | None = None
    ) -> tuple[int | None, bytes]:
        params = [_p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM2), _p(_T.HUKS_TAG_PURPOSE, purpose),
                  _p(_T.HUKS_TAG_DIGEST, digest)]
        h = keystore.init_session(alias, HuksOptions(params)).handle
        code, res = _outcome(lambda: keystore.update_session(h, HuksOptions(in_data=data)))
        if code is None:
            code, res = _outcome(lambda: keystore.finish_session(h, HuksOptions(in_data=final or b"")))
        if code is not None:
            return code, b""
        assert isinstance(res, HuksReturnResult)
        return None, res.out_data

    def mutate(data: st.DataObject, good: bytes) -> tuple[str, bytes]:
        # positions are drawn from a fixed range: the length of ``good`` depends on a random nonce, and
        # hypothesis needs the same draws for the same choices
        how = data.draw(st.sampled_from(["none", "truncate", "flip"]), "mutation")
        at = data.draw(st.integers(0, 2**16), "position")
        if how == "truncate":
            return how, good[: at % len(good)]
        if how == "flip":
            bit = at % (len(good) * 8)
            return how, good[: bit // 8] + bytes([good[bit // 8] ^ (1 << (bit % 8))]) + good[bit // 8 + 1 :]
        return how, good

    def body(data: st.DataObject) -> str:
        op = data.draw(st.sampled_from(["sign-none", "verify", "decrypt"]), "operation")
        if op == "sign-none":
            value = data.draw(st.binary(min_size=0, max_size=40), "value")
            none = HuksKeyDigest.HUKS_DIGEST_NONE
            code, sig = session(aliases["sign"], _PU.HUKS_KEY_PURPOSE_SIGN, none, value)
            if len(value) != 32:
                assert code == 401, f"DIGEST_NONE over {len(value)} bytes: {code}"
                return "sign of a value that is not 32 bytes"
            assert code is None and sm2ref.verify(point, value, sig), f"DIGEST_NONE sign: {code}"
            return "valid"
        if op == "verify":
            message = data.draw(st.binary(max_size=200), "message")
            good = sm2ref.sign(scalar, sm2ref.digest_value(point, message))
            how, sig = mutate(data, good)
            sm3 = HuksKeyDigest.HUKS_DIGEST_SM3
            code, _ = session(aliases["sign"], _PU.HUKS_KEY_PURPOSE_VERIFY, sm3, message, sig)
            if sig != good:
                assert code == 12000006, f"a {how} signature: {code}"
                return f"verify of a {how} signature"
            assert code is None, f"a valid signature failed with {code}"
            return "valid"
        message = data.draw(st.binary(min_size=1, max_size=200), "plaintext")
        good = sm2ref.encrypt(point, message)
        how, ct = mutate(data, good)
        code, out = session(aliases["enc"], _DEC, HuksKeyDigest.HUKS_DIGEST_SM3, ct)
        if ct != good:
            assert code == 12000006, f"a {how} ciphertext: {code}"
            return f"decrypt of a {how} ciphertext"
        assert code is None and out == message, f"a valid ciphertext: {code}"
        return "valid"

    try:
        _run_classes(keystore, body)
    finally:
        _drop(keystore, *aliases.values())


def test_classes_ml_kem_decapsulate(keystore: Keystore) -> None:
    """An imported ML-KEM-768 pair: a ciphertext pyca encapsulated decapsulates to pyca's secret; one
    of another length is 12000006; random bytes of the right length, or a ciphertext for another key,
    decapsulate (FIPS 203 implicit rejection) to a 32-byte secret that is not pyca's. Skipped where the
    keystore has no ML-KEM (hardware without ``?fallback=sealed``)."""
    from cryptography.hazmat.primitives.asymmetric import mlkem

    if keystore.capabilities().key(_A.HUKS_ALG_ML_KEM, 768) is None:
        pytest.skip(f"{keystore.backend_name} declares no ML-KEM-768 keys")
    private = mlkem.MLKEM768PrivateKey.generate()
    other = mlkem.MLKEM768PrivateKey.generate().public_key()
    seed, pub = private.private_bytes_raw(), private.public_key().public_bytes_raw()
    alias = f"fuzz-kem-{os.urandom(4).hex()}"
    keystore.import_key_item(alias, HuksOptions([
        _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ML_KEM), _p(_T.HUKS_TAG_KEY_SIZE, 768),
        _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_WRAP | _PU.HUKS_KEY_PURPOSE_UNWRAP),
        _p(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)],
        struct.pack("<5I", _A.HUKS_ALG_ML_KEM, 768, len(pub), len(seed), 0) + pub + seed))

    def body(data: st.DataObject) -> str:
        kind = data.draw(st.sampled_from(["valid", "length", "random", "other key"]), "class")
        secret, ct = (other if kind == "other key" else private.public_key()).encapsulate()
        if kind == "length":
            cut = data.draw(st.integers(0, len(ct) + 40).filter(lambda n: n != len(ct)), "length")
            ct = (ct + os.urandom(40))[:cut]
        elif kind == "random":
            ct = data.draw(st.binary(min_size=len(ct), max_size=len(ct)), "ciphertext")
        code, result = _outcome(lambda: keystore.decapsulate(alias, [], ct))
        if kind == "length":
            assert code == 12000006, f"a {len(ct)}-byte ciphertext: {code}"
            return kind
        assert code is None and isinstance(result, HuksReturnResult), code
        got = result.shared_secret
        assert got is not None and len(got) == 32
        assert (got == secret) is (kind == "valid"), kind
        assert got == private.decapsulate(ct)  # implicit rejection is deterministic: pyca agrees
        return kind

    try:
        _run_classes(keystore, body)
    finally:
        keystore.delete_key_item(alias, HuksOptions())
