"""XTS ``SecurityHuksKeyGenerateListAliases.test.ets`` (api12 ets suite), translated case by case (issue 19).

Upstream: ``SecurityHuksKeyGenerateListAliases.test.ets`` in ``API12_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 10 ``it()`` cases. ``beforeEach`` builds ``DEOption``, ``CEOption`` and
``ECEOption`` (AES-128 ENCRYPT at AUTH_STORAGE_LEVEL DE, CE, ECE) and deletes every alias
``listAliases`` returns at each level (the ``clean_levels`` fixture). Every case expects each call to
succeed and the listed aliases to be exactly the ones left at the level asked for.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hukspy import Keystore
from hukspy.enums import HuksAuthStorageLevel, HuksKeyAlg, HuksKeyPurpose, HuksTag
from hukspy.testing import options, param, raises_code
from xts.helpers_api12_d import Props, data_by_size, delete_param

T = HuksTag
L = HuksAuthStorageLevel


def _option(level: int) -> Props:
    return [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), param(T.HUKS_TAG_KEY_SIZE, 128),
            param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT),
            param(T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)]


DE = _option(L.HUKS_AUTH_STORAGE_LEVEL_DE)
CE = _option(L.HUKS_AUTH_STORAGE_LEVEL_CE)
ECE = _option(L.HUKS_AUTH_STORAGE_LEVEL_ECE)
LEVELS = {"DE": DE, "CE": CE, "ECE": ECE}


def _clean(ks: Keystore) -> None:
    for props in LEVELS.values():
        for alias in ks.list_aliases(options(*props)).key_aliases:
            ks.delete_key_item(alias, options(*props))


@pytest.fixture
def clean_levels(keystore: Keystore) -> Iterator[Keystore]:
    """``beforeEach``: delete every alias at DE, CE and ECE; afterwards the same, as upstream's next
    ``beforeEach`` would (the keystore of a backend lives for the test session)."""
    _clean(keystore)
    yield keystore
    _clean(keystore)


def _names(prefix: str, sep: str) -> list[str]:
    return [f"{prefix}_Alias{sep}{i:03d}" for i in range(1, 6)]


def _generate_all(ks: Keystore, de: list[str], ce: list[str], ece: list[str]) -> None:
    for d, c, e in zip(de, ce, ece, strict=True):
        ks.generate_key_item(d, options(*DE))
        ks.generate_key_item(c, options(*CE))
        ks.generate_key_item(e, options(*ECE))


#: ``"CE_Alias#:<>?\\\\\\|001"`` upstream: ``\\\\`` is a backslash, ``\\|`` a "|".
SPECIAL = "#:<>?\\|"

#: (it() name, line, DE, CE, ECE aliases, the level listed)
LIST_ONE_LEVEL = [
    ("SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0100", 90,
     _names("DE", "-"), _names("CE", "-"), _names("ECE", "-"), "DE"),
    ("SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0200", 123,
     _names("DE", "-"), _names("CE", SPECIAL), _names("ECE", "-"), "CE"),
    ("SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0300", 156,
     _names("DE", "-"), _names("CE", "-"), _names("ECE", SPECIAL), "ECE"),
]


@pytest.mark.parametrize(("name", "line", "de", "ce", "ece", "level"), LIST_ONE_LEVEL,
                         ids=[c[0] for c in LIST_ONE_LEVEL])
def test_list_one_level(clean_levels: Keystore, name: str, line: int, de: list[str], ce: list[str],
                        ece: list[str], level: str) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets, at the line in ``LIST_ONE_LEVEL`` (test id: the it()
    name): generate 5 keys at each of DE, CE, ECE (CE or ECE aliases with ``#:<>?\\|``); listAliases at
    one level returns its 5 aliases; delete them all."""
    ks = clean_levels
    _generate_all(ks, de, ce, ece)
    listed = ks.list_aliases(options(*LEVELS[level])).key_aliases
    expected = {"DE": de, "CE": ce, "ECE": ece}[level]
    assert len(listed) == len(expected)
    assert set(expected) <= set(listed)
    for d, c, e in zip(de, ce, ece, strict=True):
        ks.delete_key_item(d, options(*DE))
        ks.delete_key_item(c, options(*CE))
        ks.delete_key_item(e, options(*ECE))


def test_SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0400(clean_levels: Keystore) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets:189: ``CEOption`` without AUTH_STORAGE_LEVEL; generate
    "C" and "C" + 63 x "A"; listAliases with the same options (the default level, CE) returns both."""
    ks = clean_levels
    props = delete_param(CE, T.HUKS_TAG_AUTH_STORAGE_LEVEL)
    aliases = ["C", "C" + data_by_size(63).decode()]
    for alias in aliases:
        ks.generate_key_item(alias, options(*props))
    listed = ks.list_aliases(options(*props)).key_aliases
    assert len(listed) == len(aliases) and set(aliases) <= set(listed)
    for alias in aliases:
        ks.delete_key_item(alias, options(*props))


#: (it() name, line, the level whose aliases 004 and 005 are deleted)
AFTER_DELETE = [
    ("SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0500", 217, "DE"),
    ("SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0600", 258, "CE"),
]


@pytest.mark.parametrize(("name", "line", "level"), AFTER_DELETE, ids=[c[0] for c in AFTER_DELETE])
def test_list_after_delete(clean_levels: Keystore, name: str, line: int, level: str) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets, at the line in ``AFTER_DELETE``: generate
    ``<L>_Alias#001``..``#005`` at DE, CE, ECE; delete 004 and 005 at one level; listAliases there returns
    001..003; delete the rest."""
    ks = clean_levels
    names = {lv: _names(lv, "#") for lv in LEVELS}
    _generate_all(ks, names["DE"], names["CE"], names["ECE"])
    for alias in names[level][3:]:
        ks.delete_key_item(alias, options(*LEVELS[level]))
    listed = ks.list_aliases(options(*LEVELS[level])).key_aliases
    assert len(listed) == 3 and set(names[level][:3]) <= set(listed)
    for lv, props in LEVELS.items():
        for alias in names[lv] if lv != level else names[lv][:3]:
            ks.delete_key_item(alias, options(*props))


def test_SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0700(clean_levels: Keystore) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets:299: generate ``<L>_Alias#001``..``#005`` at DE, CE and
    ECE, deleting each ECE key right after; listAliases at ECE is empty. (Upstream's final delete loop
    runs from 5 to 5, i.e. not at all; the fixture deletes the DE and CE keys.)"""
    ks = clean_levels
    for d, c, e in zip(_names("DE", "#"), _names("CE", "#"), _names("ECE", "#"), strict=True):
        ks.generate_key_item(d, options(*DE))
        ks.generate_key_item(c, options(*CE))
        ks.generate_key_item(e, options(*ECE))
        ks.delete_key_item(e, options(*ECE))
    assert ks.list_aliases(options(*ECE)).key_aliases == []


def test_SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0800(clean_levels: Keystore) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets:331: ``DEOption`` without AUTH_STORAGE_LEVEL (the
    default, CE) after ``beforeEach`` emptied every level: listAliases returns nothing."""
    props = delete_param(DE, T.HUKS_TAG_AUTH_STORAGE_LEVEL)
    assert clean_levels.list_aliases(options(*props)).key_aliases == []


#: Measured on SoftHSM2 2.6.1 (this machine, 2 shared cores, other jobs running): the 2048 generates
#: passed the 600 s test timeout after 1311 keys (0.46 s per key on average; 50 keys on an empty token
#: took 0.11 s each), the stack then in the record store's C_FindObjects by label
#: (hukspy_pkcs11/records.py ``_objects``), and the fixture's clean-up took 362 s more. Not analysed
#: further: reported as a scaling finding.
PKCS11_SLOW = ("pkcs11: 2048 keys exceed the 600 s test timeout (1311 generated in 600 s on SoftHSM2 "
               "2.6.1, generation slowing as the token fills): a known scaling gap, not run")


@pytest.mark.slow
def test_SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_0900(clean_levels: Keystore) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets:351: generate ``alias0000``..``alias2047`` at DE and 5
    keys at CE and ECE; listAliases at DE returns the 2048 aliases; delete all. Then generate
    ``alias2048`` at DE and listAliases at DE: upstream expects 401 only if it fails (the 2048 keys are
    gone by then, so it lists one alias); hukspy lists it. Not run on PKCS#11 (xfail, ``PKCS11_SLOW``)."""
    ks = clean_levels
    if ks.backend_name == "pkcs11":
        pytest.xfail(PKCS11_SLOW)
    de = [f"alias{i:04d}" for i in range(2048)]
    for alias in de:
        ks.generate_key_item(alias, options(*DE))
    ce, ece = _names("CE", "#"), _names("ECE", "#")
    for c, e in zip(ce, ece, strict=True):
        ks.generate_key_item(c, options(*CE))
        ks.generate_key_item(e, options(*ECE))
    listed = ks.list_aliases(options(*DE)).key_aliases
    assert len(listed) == len(de) and set(de) <= set(listed)
    for alias in de:
        ks.delete_key_item(alias, options(*DE))
    for c, e in zip(ce, ece, strict=True):
        ks.delete_key_item(c, options(*CE))
        ks.delete_key_item(e, options(*ECE))
    ks.generate_key_item("alias2048", options(*DE))
    assert ks.list_aliases(options(*DE)).key_aliases == ["alias2048"]


def test_SUB_Security_HUKS_KeyGenerate_ListAliases_API12_Func_1000(keystore: Keystore) -> None:
    """SecurityHuksKeyGenerateListAliases.test.ets:397: listAliases(null): 401 (docs/decisions.md,
    ``list_aliases(None)``)."""
    with raises_code(401):
        keystore.list_aliases(None)  # type: ignore[arg-type]
