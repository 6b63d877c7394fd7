"""hukspy.formats: the HUKS import structs, public-key formats and the wrapped-key LV format."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x25519
from cryptography.utils import CryptographyDeprecationWarning
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hukspy import formats
from hukspy.enums import HuksImportKeyType, HuksKeyAlg
from hukspy.errors import HuksError
from hukspy.spec import KeyMaterial, Private

with warnings.catch_warnings():  # cryptography warns on any use of its dh module (FFDH deprecation)
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from cryptography.hazmat.primitives.asymmetric.dh import DHParameterNumbers, DHPrivateKey, DHPublicNumbers

A = HuksKeyAlg
PUBLIC = int(HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY)
PRIVATE = int(HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY)
PAIR = int(HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)
HDR5 = struct.Struct("<5I")
HDR7 = struct.Struct("<7I")

_KEYS: dict[tuple[int, int], Private] = {}


def make_key(alg: int, size: int) -> Private:
    """One key per (alg, size) for the whole module: DSA parameter generation is slow-ish."""
    if (alg, size) not in _KEYS:
        key: Private
        if alg == A.HUKS_ALG_RSA:
            key = rsa.generate_private_key(65537, size)
        elif alg in (A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH):
            key = ec.generate_private_key(formats.EC_CURVES[size])
        elif alg == A.HUKS_ALG_X25519:
            key = x25519.X25519PrivateKey.generate()
        elif alg == A.HUKS_ALG_ED25519:
            key = ed25519.Ed25519PrivateKey.generate()
        elif alg == A.HUKS_ALG_DH:
            p, g = formats.DH_GROUPS[size]
            key = DHParameterNumbers(p, g).parameters().generate_private_key()
        else:
            key = dsa.generate_private_key(size)
        _KEYS[alg, size] = key
    return _KEYS[alg, size]


ASYMMETRIC = [
    (A.HUKS_ALG_RSA, 1024),
    (A.HUKS_ALG_RSA, 2048),
    (A.HUKS_ALG_ECC, 224),
    (A.HUKS_ALG_ECC, 256),
    (A.HUKS_ALG_ECC, 384),
    (A.HUKS_ALG_ECC, 521),
    (A.HUKS_ALG_X25519, 256),
    (A.HUKS_ALG_ED25519, 256),
    (A.HUKS_ALG_DH, 2048),
    (A.HUKS_ALG_DH, 3072),
    (A.HUKS_ALG_DH, 4096),
    (A.HUKS_ALG_DSA, 1024),
    (A.HUKS_ALG_DSA, 2048),
]
IDS = [f"{A(alg).name[9:]}-{size}" for alg, size in ASYMMETRIC]


def private_bytes(key: Private) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def same_key(a: Private, b: Private) -> bool:
    if isinstance(a, (x25519.X25519PrivateKey, ed25519.Ed25519PrivateKey)):
        raw = (serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        assert isinstance(b, type(a))
        return a.private_bytes(*raw) == b.private_bytes(*raw)
    return private_bytes(a) == private_bytes(b)


def expect_401(fn: Callable[[], object]) -> HuksError:
    with pytest.raises(HuksError) as info:
        fn()
    assert info.value.code == 401, info.value.message
    return info.value


# ------------------------------------------------------------------------------------------------
# symmetric keys


@pytest.mark.parametrize(
    ("alg", "size"),
    [(A.HUKS_ALG_AES, 128), (A.HUKS_ALG_AES, 192), (A.HUKS_ALG_AES, 256), (A.HUKS_ALG_DES, 64),
     (A.HUKS_ALG_3DES, 128), (A.HUKS_ALG_3DES, 192), (A.HUKS_ALG_SM4, 128), (A.HUKS_ALG_HMAC, 512),
     (A.HUKS_ALG_HMAC, 8), (A.HUKS_ALG_CMAC, 128), (A.HUKS_ALG_SM3, 256)],
)
def test_symmetric_raw_bytes(alg: int, size: int) -> None:
    secret = bytes(range(size // 8))
    for import_type in (None, PUBLIC, PRIVATE, PAIR):
        material = formats.parse_import(alg, size, import_type, secret)
        assert material.secret == secret
        assert material.private is None and material.public is None
    expect_401(lambda: formats.parse_import(alg, size, None, secret + b"\x00"))
    expect_401(lambda: formats.parse_import(alg, size, None, secret[:-1]))


def test_symmetric_wrong_length_des_128() -> None:
    # XTS Import_API16_0800: a DES key imported with KEY_SIZE 128 -> 401
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_DES, 128, None, bytes(8)))


@pytest.mark.parametrize("size", [0, -8, 12])
def test_symmetric_bad_size(size: int) -> None:
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_HMAC, size, None, b""))
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_HMAC, size, None, b"\x01"))


# ------------------------------------------------------------------------------------------------
# private keys and pairs: round-trips


@pytest.mark.parametrize(("alg", "size"), ASYMMETRIC, ids=IDS)
def test_key_pair_round_trip(alg: int, size: int) -> None:
    key = make_key(alg, size)
    data = formats.key_material(key)
    keyalg, keysize = HDR5.unpack_from(data)[:2]
    assert (keyalg, keysize) == (alg, size)
    material = formats.parse_import(alg, size, PAIR, data)
    assert material.private is not None and material.secret is None and material.public is None
    assert same_key(material.private, key)
    assert formats.export_public(material.private) == formats.export_public(key)
    assert formats.key_material(material.private) == data


@pytest.mark.parametrize(("alg", "size"), ASYMMETRIC, ids=IDS)
def test_private_key_round_trip(alg: int, size: int) -> None:
    key = make_key(alg, size)
    data = formats.private_key_material(key)
    material = formats.parse_import(alg, size, PRIVATE, data)
    assert material.private is not None
    assert same_key(material.private, key)
    # the public half was derived (or, for RSA, carried) correctly
    assert formats.export_public(material.private) == formats.export_public(key)


@pytest.mark.parametrize(("alg", "size"), ASYMMETRIC, ids=IDS)
def test_key_pair_is_also_a_valid_private_key(alg: int, size: int) -> None:
    key = make_key(alg, size)
    material = formats.parse_import(alg, size, PRIVATE, formats.key_material(key))
    assert material.private is not None and same_key(material.private, key)


def test_p256_header_bytes() -> None:
    data = formats.key_material(make_key(A.HUKS_ALG_ECC, 256))
    assert data[:20] == bytes.fromhex("02000000" "00010000" "20000000" "20000000" "20000000")
    assert len(data) == 20 + 3 * 32
    private = formats.private_key_material(make_key(A.HUKS_ALG_ECC, 256))
    assert private[:20] == bytes.fromhex("02000000" "00010000" "00000000" "00000000" "20000000")
    assert private[20:] == data[-32:]


def test_p521_fields_are_66_bytes() -> None:
    data = formats.key_material(make_key(A.HUKS_ALG_ECC, 521))
    assert HDR5.unpack_from(data) == (2, 521, 66, 66, 66)
    assert len(data) == 20 + 3 * 66


def test_rsa_layout() -> None:
    key = make_key(A.HUKS_ALG_RSA, 2048)
    assert isinstance(key, rsa.RSAPrivateKey)
    data = formats.key_material(key)
    assert HDR5.unpack_from(data) == (1, 2048, 256, 3, 256)
    nums = key.private_numbers()
    assert data[20:276] == nums.public_numbers.n.to_bytes(256, "big")
    assert data[276:279] == (65537).to_bytes(3, "big")
    assert data[279:] == nums.d.to_bytes(256, "big")


def test_25519_layout() -> None:
    key = make_key(A.HUKS_ALG_X25519, 256)
    data = formats.key_material(key)
    assert HDR5.unpack_from(data) == (101, 256, 32, 32, 0)
    assert data[20:52] == formats.export_public(key)
    assert formats.private_key_material(key) == data[52:]
    ed = formats.key_material(make_key(A.HUKS_ALG_ED25519, 256))
    assert HDR5.unpack_from(ed) == (102, 256, 32, 32, 0)


def test_dsa_and_dh_layout() -> None:
    dsa_key = make_key(A.HUKS_ALG_DSA, 1024)
    assert isinstance(dsa_key, dsa.DSAPrivateKey)
    header = HDR7.unpack_from(formats.key_material(dsa_key))
    q_len = (dsa_key.parameters().parameter_numbers().q.bit_length() + 7) // 8
    assert header == (3, 1024, q_len, 128, 128, q_len, 128)
    assert HDR7.unpack_from(formats.private_key_material(dsa_key))[3] == 0
    dh_key = make_key(A.HUKS_ALG_DH, 2048)
    keyalg, keysize, pub_size, pri_size, reserved = HDR5.unpack_from(formats.key_material(dh_key))
    assert (keyalg, keysize, pub_size, reserved) == (103, 2048, 256, 0)
    assert 0 < pri_size <= 256
    assert HDR5.unpack_from(formats.private_key_material(dh_key))[2] == 0


def test_rsa_private_key_without_e_means_65537() -> None:
    key = make_key(A.HUKS_ALG_RSA, 1024)
    assert isinstance(key, rsa.RSAPrivateKey)
    nums = key.private_numbers()
    n, d = nums.public_numbers.n.to_bytes(128, "big"), nums.d.to_bytes(128, "big")
    data = HDR5.pack(1, 1024, 128, 0, 128) + n + d
    material = formats.parse_import(A.HUKS_ALG_RSA, 1024, PRIVATE, data)
    assert material.private is not None and same_key(material.private, key)
    # a pair must carry e
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_RSA, 1024, PAIR, data))


def test_25519_private_key_struct_without_public() -> None:
    key = make_key(A.HUKS_ALG_ED25519, 256)
    raw = formats.private_key_material(key)
    data = HDR5.pack(102, 256, 0, 32, 0) + raw
    material = formats.parse_import(A.HUKS_ALG_ED25519, 256, PRIVATE, data)
    assert material.private is not None and same_key(material.private, key)
    # the bare 32 bytes are a PRIVATE_KEY only
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_ED25519, 256, PAIR, raw))
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_ED25519, 256, PAIR, data))


def test_ecdh_key_material_carries_ecdh_alg() -> None:
    key = make_key(A.HUKS_ALG_ECC, 256)
    data = formats.key_material(key, alg=A.HUKS_ALG_ECDH)
    assert HDR5.unpack_from(data)[0] == 100
    material = formats.parse_import(A.HUKS_ALG_ECDH, 256, PAIR, data)
    assert material.private is not None and same_key(material.private, key)
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_ECC, 256, PAIR, data))
    expect_401(lambda: formats.key_material(key, alg=A.HUKS_ALG_RSA))
    expect_401(lambda: formats.key_material(make_key(A.HUKS_ALG_RSA, 1024), alg=A.HUKS_ALG_ECDH))


# ------------------------------------------------------------------------------------------------
# private keys and pairs: malformed input


def _with_header(data: bytes, index: int, value: int) -> bytes:
    fields = list(HDR5.unpack_from(data))
    fields[index] = value
    return HDR5.pack(*fields) + data[HDR5.size :]


@pytest.mark.parametrize(("alg", "size"), ASYMMETRIC, ids=IDS)
@pytest.mark.parametrize("import_type", [PRIVATE, PAIR])
def test_malformed_structs(alg: int, size: int, import_type: int) -> None:
    key = make_key(alg, size)
    data = formats.key_material(key)
    other_alg = A.HUKS_ALG_ECC if alg != A.HUKS_ALG_ECC else A.HUKS_ALG_RSA
    expect_401(lambda: formats.parse_import(alg, size, import_type, _with_header(data, 0, other_alg)))
    expect_401(lambda: formats.parse_import(alg, size, import_type, _with_header(data, 1, size + 8)))
    expect_401(lambda: formats.parse_import(alg, size + 8, import_type, data))
    expect_401(lambda: formats.parse_import(alg, size, import_type, data[:-1]))
    expect_401(lambda: formats.parse_import(alg, size, import_type, data + b"\x00"))
    expect_401(lambda: formats.parse_import(alg, size, import_type, data[:19]))
    expect_401(lambda: formats.parse_import(alg, size, import_type, b""))
    # a first size field one larger (the rest shifts): the sizes no longer add up
    longer = _with_header(data, 2, HDR5.unpack_from(data)[2] + 1)
    expect_401(lambda: formats.parse_import(alg, size, import_type, longer))


@pytest.mark.parametrize(("alg", "size"), ASYMMETRIC, ids=IDS)
def test_mismatched_public_and_private_halves(alg: int, size: int) -> None:
    """A pair whose public half belongs to another key of the same kind -> 401."""
    mine = formats.key_material(make_key(alg, size))
    if alg == A.HUKS_ALG_RSA:
        other: Private = rsa.generate_private_key(65537, size)
    elif alg == A.HUKS_ALG_DSA:
        base = make_key(alg, size)
        assert isinstance(base, dsa.DSAPrivateKey)
        other = base.parameters().generate_private_key()  # same p, q, g: only x and y differ
    elif alg == A.HUKS_ALG_DH:
        base_dh = make_key(alg, size)
        assert isinstance(base_dh, DHPrivateKey)
        other = base_dh.parameters().generate_private_key()
    elif alg == A.HUKS_ALG_X25519:
        other = x25519.X25519PrivateKey.generate()
    elif alg == A.HUKS_ALG_ED25519:
        other = ed25519.Ed25519PrivateKey.generate()
    else:
        other = ec.generate_private_key(formats.EC_CURVES[size])
    theirs = formats.key_material(other)
    assert len(theirs) == len(mine) or alg in (A.HUKS_ALG_DH, A.HUKS_ALG_DSA, A.HUKS_ALG_RSA)
    # splice: header and public half of "theirs", private half of "mine"
    if alg == A.HUKS_ALG_RSA:
        n_size = HDR5.unpack_from(mine)[2]
        n_theirs = theirs[20 : 20 + n_size]
        spliced = mine[:20] + n_theirs + mine[20 + n_size :]
    elif alg == A.HUKS_ALG_DSA:
        _, _, x_size, y_size, *_ = HDR7.unpack_from(mine)
        _, _, x2, y2, *_ = HDR7.unpack_from(theirs)
        y_theirs = theirs[28 + x2 : 28 + x2 + y2]
        assert len(y_theirs) == y_size
        spliced = mine[: 28 + x_size] + y_theirs + mine[28 + x_size + y_size :]
    else:
        pub_len = HDR5.unpack_from(mine)[2]
        pub_len_theirs = HDR5.unpack_from(theirs)[2]
        assert pub_len == pub_len_theirs
        if alg in (A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH):
            pub_len += HDR5.unpack_from(mine)[3]  # x and y
        spliced = mine[:20] + theirs[20 : 20 + pub_len] + mine[20 + pub_len :]
    assert spliced != mine and len(spliced) == len(mine)
    expect_401(lambda: formats.parse_import(alg, size, PAIR, spliced))
    expect_401(lambda: formats.parse_import(alg, size, PRIVATE, spliced))


def test_ecc_empty_private_or_public_parts() -> None:
    data = formats.key_material(make_key(A.HUKS_ALG_ECC, 256))
    x, y, z = data[20:52], data[52:84], data[84:]
    expect_401(lambda: formats.parse_import(2, 256, PAIR, HDR5.pack(2, 256, 32, 32, 0) + x + y))
    expect_401(lambda: formats.parse_import(2, 256, PAIR, HDR5.pack(2, 256, 0, 0, 32) + z))
    expect_401(lambda: formats.parse_import(2, 256, PRIVATE, HDR5.pack(2, 256, 32, 0, 32) + x + z))
    expect_401(lambda: formats.parse_import(2, 256, PRIVATE, HDR5.pack(2, 256, 0, 0, 32) + bytes(32)))
    order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
    too_big = HDR5.pack(2, 256, 0, 0, 32) + order.to_bytes(32)
    expect_401(lambda: formats.parse_import(2, 256, PRIVATE, too_big))
    expect_401(lambda: formats.parse_import(2, 255, PAIR, _with_header(data, 1, 255)))


def test_rsa_bad_numbers() -> None:
    key = make_key(A.HUKS_ALG_RSA, 1024)
    assert isinstance(key, rsa.RSAPrivateKey)
    nums = key.private_numbers()
    n, e, d = nums.public_numbers.n, nums.public_numbers.e, nums.d

    def rsa_struct(n: int, e: int, d: int, size: int = 1024) -> bytes:
        nb, eb, db = n.to_bytes(128, "big"), e.to_bytes(3, "big"), d.to_bytes(128, "big")
        return HDR5.pack(1, size, len(nb), len(eb), len(db)) + nb + eb + db

    expect_401(lambda: formats.parse_import(1, 1024, PAIR, rsa_struct(n, e, d + 2)))
    expect_401(lambda: formats.parse_import(1, 1024, PAIR, rsa_struct(n, 3, d)))
    expect_401(lambda: formats.parse_import(1, 1024, PAIR, rsa_struct(n + 2, e, d)))
    expect_401(lambda: formats.parse_import(1, 1024, PAIR, rsa_struct(n, e, 0)))
    expect_401(lambda: formats.parse_import(1, 1024, PAIR, rsa_struct(n, 1, d)))
    # a modulus shorter than KEY_SIZE (the header agrees with KEY_SIZE)
    expect_401(lambda: formats.parse_import(1, 1024, PAIR, rsa_struct(n >> 1, e, d)))


def test_rsa_prime_modulus_is_rejected() -> None:
    """A prime "modulus" with e*d = 1 mod (n-1) passes the first check but has no factors."""
    p = formats.DH_GROUPS[2048][0]
    e = 65537
    d = pow(e, -1, p - 1)
    nb, eb, db = p.to_bytes(256, "big"), e.to_bytes(3, "big"), d.to_bytes(256, "big")
    data = HDR5.pack(1, 2048, 256, 3, 256) + nb + eb + db
    err = expect_401(lambda: formats.parse_import(1, 2048, PAIR, data))
    assert "do not match" in err.message


def test_oversized_numbers_are_rejected_before_arithmetic() -> None:
    big = (1 << 16383) | 1
    nb = big.to_bytes(2048, "big")
    rsa_data = HDR5.pack(1, 16384, 2048, 3, 2048) + nb + (65537).to_bytes(3, "big") + nb
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_RSA, 16384, PAIR, rsa_data))
    one = b"\x01"
    dsa_data = HDR7.pack(3, 16384, 1, 0, 2048, 1, 1) + one + nb + one + one
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_DSA, 16384, PRIVATE, dsa_data))


def test_dh_and_dsa_out_of_range() -> None:
    p = formats.DH_GROUPS[2048][0]
    for x in (0, 1, p - 1, p):
        data = HDR5.pack(103, 2048, 0, 256, 0) + x.to_bytes(256)
        with pytest.raises(HuksError) as info:
            formats.parse_import(A.HUKS_ALG_DH, 2048, PRIVATE, data)
        assert info.value.code == 401
    small = HDR5.pack(103, 1024, 0, 1, 0) + b"\x05"
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_DH, 1024, PRIVATE, small))
    dsa_key = make_key(A.HUKS_ALG_DSA, 1024)
    data = formats.private_key_material(dsa_key)
    fields = list(HDR7.unpack_from(data))
    zero_x = HDR7.pack(*fields) + bytes(fields[2]) + data[28 + fields[2] :]
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_DSA, 1024, PRIVATE, zero_x))


# ------------------------------------------------------------------------------------------------
# public keys


@pytest.mark.parametrize(("alg", "size"), ASYMMETRIC, ids=IDS)
def test_public_key_round_trip(alg: int, size: int) -> None:
    key = make_key(alg, size)
    exported = formats.export_public(key)
    assert exported == formats.export_public(key.public_key())
    if alg in (A.HUKS_ALG_X25519, A.HUKS_ALG_ED25519):
        assert len(exported) == 32
    else:
        assert exported == key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    for import_type in (None, PUBLIC, 7):  # anything but PRIVATE_KEY/KEY_PAIR is a public key upstream
        material = formats.parse_import(alg, size, import_type, exported)
        assert material.public is not None and material.private is None and material.secret is None
        assert formats.export_public(material.public) == exported
    assert formats.export_public(formats.load_public(alg, exported)) == exported
    expect_401(lambda: formats.parse_import(alg, size, PUBLIC, exported[:-1]))
    expect_401(lambda: formats.parse_import(alg, size, PUBLIC, exported + b"\x00"))
    expect_401(lambda: formats.parse_import(alg, size + 8, PUBLIC, exported))


def test_p256_spki_is_91_bytes_and_ecdh_accepts_it() -> None:
    exported = formats.export_public(make_key(A.HUKS_ALG_ECC, 256))
    assert len(exported) == 91
    assert formats.load_public(A.HUKS_ALG_ECDH, exported, 256) is not None
    expect_401(lambda: formats.load_public(A.HUKS_ALG_ECDH, exported, 384))


def test_public_key_of_the_wrong_type() -> None:
    ec_spki = formats.export_public(make_key(A.HUKS_ALG_ECC, 256))
    rsa_spki = formats.export_public(make_key(A.HUKS_ALG_RSA, 1024))
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_RSA, 256, PUBLIC, ec_spki))
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_ECC, 1024, PUBLIC, rsa_spki))
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_DSA, 1024, PUBLIC, rsa_spki))
    expect_401(lambda: formats.parse_import(A.HUKS_ALG_DH, 2048, PUBLIC, rsa_spki))
    expect_401(lambda: formats.load_public(A.HUKS_ALG_X25519, ec_spki))
    expect_401(lambda: formats.load_public(A.HUKS_ALG_X25519, bytes(31)))
    expect_401(lambda: formats.load_public(A.HUKS_ALG_X25519, bytes(32), 255))
    expect_401(lambda: formats.load_public(A.HUKS_ALG_ECDH, b"\x30\x03\x02\x01\x00"))
    expect_401(lambda: formats.load_public(A.HUKS_ALG_ECDH, b""))


def test_public_key_outside_the_supported_curves_and_groups() -> None:
    k1 = ec.generate_private_key(ec.SECP256K1())
    spki = formats.export_public(k1)
    expect_401(lambda: formats.load_public(A.HUKS_ALG_ECDH, spki))
    expect_401(lambda: formats.load_public(A.HUKS_ALG_ECC, spki, 256))
    with pytest.raises(HuksError) as info:
        formats.key_material(k1)
    assert info.value.code == 12000001
    # a DH key in a group that is not ffdhe: the DSA-2048 group (p, q, g) is a valid X9.42 DH group
    dsa_key = make_key(A.HUKS_ALG_DSA, 2048)
    assert isinstance(dsa_key, dsa.DSAPrivateKey)
    dsa_params = dsa_key.parameters().parameter_numbers()
    params = DHParameterNumbers(dsa_params.p, dsa_params.g, dsa_params.q)
    foreign = DHPublicNumbers(pow(dsa_params.g, 12345, dsa_params.p), params).public_key()
    expect_401(lambda: formats.load_public(A.HUKS_ALG_DH, formats.export_public(foreign)))
    expect_401(lambda: formats.key_material(params.parameters().generate_private_key()))


def test_dh_public_key_out_of_range() -> None:
    p, g = formats.DH_GROUPS[2048]
    bad = DHPublicNumbers(1, DHParameterNumbers(p, g)).public_key()
    expect_401(lambda: formats.load_public(A.HUKS_ALG_DH, formats.export_public(bad), 2048))


def test_unsupported_algorithms_and_key_types() -> None:
    for alg in (A.HUKS_ALG_HKDF,):
        for import_type in (None, PRIVATE, PAIR):
            with pytest.raises(HuksError) as info:
                formats.parse_import(alg, 256, import_type, bytes(64))
            assert info.value.code == 12000001
    ed = ed448.Ed448PrivateKey.generate()
    for fn in (formats.key_material, formats.private_key_material, formats.export_public):
        with pytest.raises(HuksError) as info:
            fn(ed)
        assert info.value.code == 12000001


# ------------------------------------------------------------------------------------------------
# the wrapped-key LV format


WRAPPED_PARTS = [bytes(91), bytes(16), bytes(12), bytes(16), bytes(32), bytes(16), bytes(12), bytes(16),
                 (32).to_bytes(4, "little"), bytes(48)]


def test_lv_round_trip_and_layout() -> None:
    parts = [bytes([i]) * len(p) for i, p in enumerate(WRAPPED_PARTS, start=1)]
    data = formats.build_lv(parts)
    assert data[:4] == (91).to_bytes(4, "little") and data[4:95] == b"\x01" * 91
    assert len(data) == sum(len(p) for p in parts) + 4 * 10
    assert formats.parse_lv(data) == parts
    assert formats.parse_lv(formats.build_lv([b"a", b"bc"]), 2) == [b"a", b"bc"]


def test_lv_malformed() -> None:
    data = formats.build_lv(WRAPPED_PARTS)
    expect_401(lambda: formats.parse_lv(data + b"\x00"))  # trailing bytes
    expect_401(lambda: formats.parse_lv(data[:-1]))  # last blob short
    expect_401(lambda: formats.parse_lv(formats.build_lv(WRAPPED_PARTS[:9])))  # 9 blobs
    expect_401(lambda: formats.parse_lv(formats.build_lv(WRAPPED_PARTS[:9]) + b"\x01\x00"))  # half a length
    expect_401(lambda: formats.parse_lv(data, 11))
    expect_401(lambda: formats.parse_lv(data, 9))
    expect_401(lambda: formats.parse_lv(b""))
    expect_401(lambda: formats.parse_lv(data, 0))
    zero = b"\x00\x00\x00\x00" + data  # a zero-length first blob
    expect_401(lambda: formats.parse_lv(zero[: len(zero) - 4 - 48], 10))
    over = (2**32 - 1).to_bytes(4, "little") + bytes(8)
    expect_401(lambda: formats.parse_lv(over, 1))
    expect_401(lambda: formats.parse_lv(formats.build_lv([bytes(formats.WRAPPED_FORMAT_MAX_SIZE)]), 1))
    expect_401(lambda: formats.build_lv([b"a", b""]))


# ------------------------------------------------------------------------------------------------
# fuzz: nothing but KeyMaterial or HuksError 401


SUPPORTED_ALGS = sorted(formats.SYMMETRIC_ALGS | {a for a, _ in ASYMMETRIC} | {A.HUKS_ALG_ECDH})
SIZES = [8, 64, 128, 192, 224, 256, 384, 512, 521, 1024, 2048, 3072, 4096]
IMPORT_TYPES = st.sampled_from([None, PUBLIC, PRIVATE, PAIR])
FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_401(fn: Callable[[], object]) -> None:
    try:
        result = fn()
    except HuksError as err:
        assert err.code == 401, err.message
    else:
        assert isinstance(result, (KeyMaterial, list))


@FUZZ
@given(alg=st.sampled_from(SUPPORTED_ALGS), size=st.sampled_from(SIZES), import_type=IMPORT_TYPES,
       data=st.binary(max_size=300))
def test_fuzz_parse_import_random_bytes(alg: int, size: int, import_type: int | None, data: bytes) -> None:
    _only_401(lambda: formats.parse_import(alg, size, import_type, data))


@FUZZ
@given(
    alg_size=st.sampled_from([*ASYMMETRIC, (A.HUKS_ALG_ECDH, 256)]),
    import_type=st.sampled_from([PRIVATE, PAIR]),
    parts=st.lists(st.binary(max_size=80), min_size=5, max_size=5),
    header_sizes=st.booleans(),
)
def test_fuzz_parse_import_valid_headers(
    alg_size: tuple[int, int], import_type: int, parts: list[bytes], header_sizes: bool
) -> None:
    """A correct keyAlg/keySize header whose sizes (usually) add up, followed by random numbers."""
    alg, size = alg_size
    if alg == A.HUKS_ALG_DSA:
        sizes = [len(p) for p in parts]
        data = HDR7.pack(alg, size, *sizes) + b"".join(parts)
    else:
        count = 3 if alg in (A.HUKS_ALG_RSA, A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH) else 2
        sizes = [len(p) for p in parts[:count]] + [0] * (3 - count)
        data = HDR5.pack(alg, size, *sizes) + b"".join(parts[:count])
    if not header_sizes:
        data = data[:-1] if len(data) > 20 else data + b"\x01"
    _only_401(lambda: formats.parse_import(alg, size, import_type, data))


@FUZZ
@given(data=st.binary(max_size=200), count=st.integers(min_value=-1, max_value=12))
def test_fuzz_parse_lv_random_bytes(data: bytes, count: int) -> None:
    _only_401(lambda: formats.parse_lv(data, count))


@FUZZ
@given(parts=st.lists(st.binary(min_size=1, max_size=20), min_size=1, max_size=12), cut=st.integers(0, 300))
def test_fuzz_parse_lv_structured(parts: list[bytes], cut: int) -> None:
    data = formats.build_lv(parts)
    assert formats.parse_lv(data, len(parts)) == parts
    _only_401(lambda: formats.parse_lv(data[: min(cut, len(data))], len(parts)))
    if cut < len(data):
        expect_401(lambda: formats.parse_lv(data[:cut], len(parts)))
