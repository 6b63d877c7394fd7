"""XTS ``SecurityHuksKeyAttestation.test.ets`` (api12 ets suite, API 16 cases), translated case by case
(issue 19).

Upstream: ``SecurityHuksKeyAttestation.test.ets`` in ``API12_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 4 ``it()`` cases: anonAttestKeyItem of an X25519 or Ed25519 key, generated or
imported as a public key, with ``GetAttestKeyOption()`` merged into the key's generate options; a chain
of 3 certificates. hukspy answers with its own anonymous CA chain (docs/attestation.md); a backend that
does not declare ``attest`` is skipped with that reason, as is one that declares no such key.

Decision on the PKCS#11 keystore (docs/pkcs11.md, "Attestation"): its chain is the leaf and the token's
self-signed anonymous CA (2 certificates, "CA keys": path length 0, no intermediate), and a key imported
as a public key alone is refused with 12000001 ("Refused"); the test asserts that there.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyPurpose, HuksTag
from hukspy.testing import options, raises_code
from xts.helpers import require
from xts.helpers_api12_d import (
    Props,
    attest_key_options,
    ed25519_gen,
    import_pub_key_options,
    merge,
    set_param,
    x25519_gen,
)

T = HuksTag
PKCS11 = ("pkcs11 attestation: leaf + the token's self-signed anonymous CA (2 certificates); a public key "
          "alone 12000001 (docs/pkcs11.md 'Attestation')")

#: (it() name, line, key, whether the attested key is the imported public key)
CASES = [
    ("SUB_Security_HUKS_KeyAttestation_AnonAttestKey_API16_Func_0100", 51, "x25519", False),
    ("SUB_Security_HUKS_KeyAttestation_AnonAttestKey_API16_Func_0200", 73, "x25519", True),
    ("SUB_Security_HUKS_KeyAttestation_AnonAttestKey_API16_Func_0300", 99, "ed25519", False),
    ("SUB_Security_HUKS_KeyAttestation_AnonAttestKey_API16_Func_0400", 121, "ed25519", True),
]


@pytest.mark.parametrize(("name", "line", "key", "public"), CASES, ids=[c[0] for c in CASES])
def test_anon_attest(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, key: str,
                     public: bool) -> None:
    """SecurityHuksKeyAttestation.test.ets, at the line in ``CASES`` (test id: the it() name): generate
    (``GetX25519GenerateOption(256)`` / ``GetEd25519GenerateOption(256)``); for _0200/_0400 export the
    public key and import it under ``<name>pub`` with IMPORT_KEY_TYPE PUBLIC_KEY (Ed25519: PURPOSE
    VERIFY); anonAttestKeyItem with the generate options and ``GetAttestKeyOption()``: 3 certificates
    (PKCS#11: the decision of the module docstring)."""
    gen: Props = x25519_gen(256) if key == "x25519" else ed25519_gen(256)
    require(keystore, gen)
    if keystore.backend_name != "software" and not keystore.capabilities().attest:
        pytest.skip(f"{keystore.backend_name} does not declare attestation")
    aliases = [name]
    try:
        keystore.generate_key_item(name, options(*gen))
        attested = name
        if public:
            imp = merge(gen, import_pub_key_options())
            if key == "ed25519":
                imp = set_param(imp, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY)
            attested = name + "pub"
            aliases.append(attested)
            pub = keystore.export_key_item(name, options(*gen)).out_data
            keystore.import_key_item(attested, options(*imp, in_data=pub))
        attest = options(*merge(gen, attest_key_options()))
        pkcs11 = keystore.backend_name == "pkcs11"
        if pkcs11:
            request.applymarker(pytest.mark.xts_decision(PKCS11))
            if public:
                with raises_code(12000001):
                    keystore.anon_attest_key_item(attested, attest)
                return
        chain = keystore.anon_attest_key_item(attested, attest).cert_chains
        assert chain is not None and len(chain) == (2 if pkcs11 else 3)
    finally:
        for alias in aliases:
            if keystore.has_key_item(alias, options()):
                keystore.delete_key_item(alias, options())
