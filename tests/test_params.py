"""``hukspy.params``: the validation of user params (``check_value``, ``ParamSet.parse``), the typed
accessors, the redacting reprs and the stored encoding (a golden vector, every malformed input).

Exact codes: everything a user can get wrong here is 401 (python-api.md §2); ``decode`` of a damaged
record raises ``ValueError`` (the record store turns it into 12000004, tests/test_records.py).
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hukspy import HuksError, HuksTag
from hukspy.enums import HuksTagType
from hukspy.params import (
    MAX_PARAMSET_BYTES,
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
    ParamSet,
    check_value,
)

T = HuksTag
UINT, BOOL, BYTES = T.HUKS_TAG_KEY_SIZE, T.HUKS_TAG_IS_ALLOWED_WRAP, T.HUKS_TAG_IV
ULONG = T.HUKS_TAG_ACTIVE_DATETIME
SECRET = T.HUKS_TAG_SYMMETRIC_KEY_DATA  # a SENSITIVE_TAGS member
INT_TAG = int(HuksTagType.HUKS_TAG_TYPE_INT) | 7  # no HuksTag has the INT type; decode still knows it


def _code(call: object) -> int:
    with pytest.raises(HuksError) as info:
        call()  # type: ignore[operator]
    return info.value.code


# ------------------------------------------------------------------------------------ check_value


@pytest.mark.parametrize(
    ("tag", "value", "expected"),
    [
        (UINT, 0, 0),
        (UINT, 2**32 - 1, 2**32 - 1),
        (ULONG, 2**64 - 1, 2**64 - 1),
        (ULONG, 0, 0),
        (BOOL, True, True),
        (BOOL, False, False),
        (BYTES, b"ab", b"ab"),
        (BYTES, bytearray(b"ab"), b"ab"),
        (BYTES, memoryview(b"ab"), b"ab"),
        (BYTES, b"", b""),
    ],
)
def test_check_value_accepts_and_normalises(tag: int, value: object, expected: object) -> None:
    got = check_value(tag, value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("tag", "value"),
    [
        (UINT, -1),
        (UINT, 2**32),
        (ULONG, -1),
        (ULONG, 2**64),
        (UINT, True),  # a bool is not an int here
        (UINT, 1.0),
        (UINT, "1"),
        (UINT, b"\x01"),
        (BOOL, 1),
        (BOOL, None),
        (BYTES, "ab"),
        (BYTES, 3),
        (BYTES, [1, 2]),
        (123456, 1),  # unknown tag
        (int(HuksTagType.HUKS_TAG_TYPE_UINT) | 54321, 1),  # unknown, though its type bits say UINT
        (True, 1),  # a bool is not a tag
        ("1", 1),
        (None, 1),
        (int(T.HUKS_TAG_INVALID), 0),  # a known tag of the INVALID type
    ],
)
def test_check_value_rejects_with_401(tag: object, value: object) -> None:
    assert _code(lambda: check_value(tag, value)) == 401  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------- parse


def test_parse_none_and_empty_are_the_empty_set() -> None:
    assert ParamSet.parse(None) == ParamSet() == ParamSet.parse([]) == ParamSet.parse(())
    assert len(ParamSet.parse(None)) == 0


def test_parse_sorts_and_normalises() -> None:
    ps = ParamSet.parse([HuksParam(BYTES, bytearray(b"iv")), HuksParam(UINT, 256), HuksParam(BOOL, True)])
    assert list(ps) == sorted([int(BYTES), int(UINT), int(BOOL)])
    assert ps[BYTES] == b"iv" and type(ps[BYTES]) is bytes
    assert ps.to_params() == [HuksParam(t, ps[t]) for t in sorted(ps)]


@pytest.mark.parametrize(
    "properties",
    [
        "abc",
        b"abc",
        bytearray(b"abc"),
        {int(UINT): 1},
        5,
        object(),
        [HuksParam(UINT, 1), (int(UINT), 1)],
        [None],
        [HuksParam(UINT, 1), HuksParam(UINT, 1)],  # twice, even with the same value
        [HuksParam(UINT, 1), HuksParam(UINT, 2)],
        [HuksParam(UINT, -5)],
    ],
)
def test_parse_rejects_with_401(properties: object) -> None:
    assert _code(lambda: ParamSet.parse(properties)) == 401


def test_parse_takes_any_iterable_of_params() -> None:
    assert ParamSet.parse(p for p in [HuksParam(UINT, 1)]) == ParamSet.of((UINT, 1))


def test_parse_size_limit_is_4_mib() -> None:
    # each param counts 12 bytes plus its bytes value: one IV of exactly the limit fits, one byte more not
    fits = MAX_PARAMSET_BYTES - 12
    assert len(ParamSet.parse([HuksParam(BYTES, bytes(fits))])[BYTES]) == fits  # type: ignore[arg-type]
    assert _code(lambda: ParamSet.parse([HuksParam(BYTES, bytes(fits + 1))])) == 401
    # an int counts 8: two params whose sum passes the limit by one
    assert _code(lambda: ParamSet.parse([HuksParam(UINT, 1), HuksParam(BYTES, bytes(fits - 20 + 1))])) == 401
    assert len(ParamSet.parse([HuksParam(UINT, 1), HuksParam(BYTES, bytes(fits - 20))])) == 2


def test_aad_wins_over_associated_data() -> None:
    both = ParamSet.parse([HuksParam(T.HUKS_TAG_ASSOCIATED_DATA, b"old"), HuksParam(T.HUKS_TAG_AAD, b"new")])
    assert dict(both) == {int(T.HUKS_TAG_AAD): b"new"}
    only = ParamSet.parse([HuksParam(T.HUKS_TAG_ASSOCIATED_DATA, b"old")])
    assert dict(only) == {int(T.HUKS_TAG_ASSOCIATED_DATA): b"old"}


# ------------------------------------------------------------------------------------ accessors


def test_typed_accessors() -> None:
    ps = ParamSet.of((UINT, 128), (BOOL, False), (BYTES, b"x"))
    assert ps.int_(UINT) == 128 and ps.int_(ULONG) is None and ps.int_(ULONG, 7) == 7
    assert ps.int_(UINT, 7) == 128
    assert ps.bool_(BOOL) is False and ps.bool_(T.HUKS_TAG_KEY_OVERRIDE) is None
    assert ps.bytes_(BYTES) == b"x" and ps.bytes_(T.HUKS_TAG_NONCE) is None
    for call in (lambda: ps.int_(BOOL), lambda: ps.int_(BYTES), lambda: ps.bool_(UINT),
                 lambda: ps.bytes_(UINT), lambda: ps.bytes_(BOOL)):
        assert _code(call) == 401


def test_with_and_without_copy() -> None:
    ps = ParamSet.of((UINT, 1), (BOOL, True))
    assert ps.with_((UINT, 2), (BYTES, b"z")) == ParamSet.of((UINT, 2), (BOOL, True), (BYTES, b"z"))
    assert ps.without(BOOL, BYTES) == ParamSet.of((UINT, 1))
    assert ps == ParamSet.of((BOOL, True), (UINT, 1)), "the original is unchanged"


def test_equality_and_hash() -> None:
    a, b = ParamSet.of((UINT, 1), (BOOL, True)), ParamSet.of((BOOL, True), (UINT, 1))
    assert a == b and hash(a) == hash(b)
    assert a != ParamSet.of((UINT, 2), (BOOL, True))
    assert a != dict(a), "a ParamSet equals only a ParamSet"
    assert len({a, b, ParamSet()}) == 2


# ---------------------------------------------------------------------------------------- reprs


def test_reprs_redact_secrets_and_data() -> None:
    secret = b"\x13\x37" * 8
    p = HuksParam(SECRET, secret)
    assert repr(p) == "HuksParam(tag=HUKS_TAG_SYMMETRIC_KEY_DATA, value=<16 bytes redacted>)"
    assert repr(HuksParam(BYTES, b"abc")) == "HuksParam(tag=HUKS_TAG_IV, value=<3 bytes>)"
    assert repr(HuksParam(UINT, 5)) == "HuksParam(tag=HUKS_TAG_KEY_SIZE, value=5)"
    assert repr(HuksParam(999, 5)) == "HuksParam(tag=tag 999, value=5)"
    ps = ParamSet.of((SECRET, secret), (UINT, 5))
    assert repr(ps) == "ParamSet(HUKS_TAG_KEY_SIZE=5, HUKS_TAG_SYMMETRIC_KEY_DATA=<16 bytes redacted>)"
    o = HuksOptions([p], secret)
    assert "1337" not in repr(o) and "<16 bytes>" in repr(o)
    assert repr(HuksOptions()) == "HuksOptions(properties=None, in_data=<None bytes>)"
    assert repr(HuksSessionHandle(255, b"ch")) == "HuksSessionHandle(handle=0xff, challenge=<2 bytes>)"
    assert repr(HuksSessionHandle(1)) == "HuksSessionHandle(handle=0x1, challenge=None)"
    r = HuksReturnResult(secret, None, ["a", "b"])
    assert repr(r) == "HuksReturnResult(out_data=<16 bytes>, properties=None, cert_chains=2)"
    empty = "HuksReturnResult(out_data=<0 bytes>, properties=None, cert_chains=None)"
    assert repr(HuksReturnResult()) == empty
    assert HuksListAliasesReturnResult().key_aliases == []


# ---------------------------------------------------------------------------------- the encoding


def test_encoding_golden_vector() -> None:
    ps = ParamSet.of((UINT, 256), (BOOL, True), (BYTES, b"iv"), (ULONG, 2**64 - 1))
    expected = (
        b"HPS1" + struct.pack("<I", 4)
        + struct.pack("<I", UINT) + struct.pack("<Q", 256)
        + struct.pack("<I", ULONG) + struct.pack("<Q", 2**64 - 1)
        + struct.pack("<I", BOOL) + b"\x01"
        + struct.pack("<I", BYTES) + struct.pack("<I", 2) + b"iv"
    )
    assert int(UINT) < int(ULONG) < int(BOOL) < int(BYTES), "the vector lists the params in tag order"
    assert ps.encode() == expected
    assert ParamSet.decode(expected) == ps
    assert ParamSet.of((BOOL, False)).encode().endswith(b"\x00")
    assert ParamSet().encode() == b"HPS1\x00\x00\x00\x00"
    assert ParamSet.decode(b"HPS1\x00\x00\x00\x00") == ParamSet()


def test_int_type_tags_are_signed_64_bit() -> None:
    data = b"HPS1" + struct.pack("<I", 1) + struct.pack("<I", INT_TAG) + struct.pack("<q", -5)
    assert dict(ParamSet.decode(data)) == {INT_TAG: -5}
    assert ParamSet.of((INT_TAG, -5)).encode() == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HPS",
        b"HPS1",
        b"HPS1\x00\x00\x00",
        b"HPS2\x00\x00\x00\x00",
        b"HPS1\x00\x00\x00\x00\x00",  # a trailing byte
        b"HPS1\x01\x00\x00\x00",  # one param announced, none there
        b"HPS1" + struct.pack("<I", 1) + struct.pack("<I", BYTES) + struct.pack("<I", 5) + b"abc",
        b"HPS1" + struct.pack("<I", 1) + struct.pack("<I", UINT) + b"\x01\x00",
        b"HPS1" + struct.pack("<I", 1) + struct.pack("<I", 0) + b"\x00" * 8,  # a tag of no type
        b"HPS1" + struct.pack("<I", 1) + struct.pack("<I", BOOL),
    ],
)
def test_decode_rejects_malformed(data: bytes) -> None:
    with pytest.raises((ValueError, struct.error, IndexError)):
        ParamSet.decode(data)


_VALUES = st.one_of(
    st.tuples(st.just(int(UINT)), st.integers(0, 2**32 - 1)),
    st.tuples(st.just(int(ULONG)), st.integers(0, 2**64 - 1)),
    st.tuples(st.just(int(BOOL)), st.booleans()),
    st.tuples(st.just(int(BYTES)), st.binary(max_size=40)),
    st.tuples(st.just(int(T.HUKS_TAG_NONCE)), st.binary(max_size=40)),
    st.tuples(st.just(INT_TAG), st.integers(-(2**63), 2**63 - 1)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, max_size=6, unique_by=lambda p: p[0]))
def test_encode_decode_round_trip(pairs: list[tuple[int, int | bool | bytes]]) -> None:
    ps = ParamSet.of(*pairs)
    data = ps.encode()
    back = ParamSet.decode(data)
    assert back == ps and back.encode() == data
    for tag, value in pairs:
        assert type(back[tag]) is type(value)
