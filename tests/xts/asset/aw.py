"""The shared helpers of OpenHarmony's ASSET XTS suites (``test/aw/``), translated once (issue 19).

Upstream: ``openharmony/xts_acts`` at commit ``c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3`` (Apache-2.0),
``security/asset/asset_js/entry/src/ohosTest/ets/test/aw/`` (``AssetAw.ets``: the promise API;
``AssetAwSync.ets``: the same helpers on the ``*Sync`` API; ``AssetAwUserid.ets``: the same on the
``*AsUser(100, ...)`` system API) and ``security/asset/asset_js_noright/.../test/aw/`` (the same files,
plus ``basicCRUDCE``). hukspy's ASSET API is synchronous, so a promise helper and its ``Sync`` twin are
one function here. Like upstream's, the helpers return 0 on success and the error code on failure, and
they write into the map they are given (the suites rely on that: a later step reuses the map).

The ``*AsUser`` functions are not in hukspy's API (docs/asset.md, "Not implemented"): upstream's NAPI
appends the user id to the map as the hidden tag ``USER_ID`` and the service decides on it
(asset-reference §3.3), so ``as_user`` helpers pass ``USER_ID=100`` in the map, which hukspy checks as
upstream's service does for an ordinary application: 202 (docs/asset.md, "Who the caller is").
"""

from __future__ import annotations

import contextlib
from typing import Final

from hukspy.asset import (
    Accessibility,
    AssetAttributes,
    AssetError,
    AssetMap,
    AssetStore,
    ErrorCode,
    ReturnType,
    Tag,
)

UPSTREAM_COMMIT: Final = "c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3"
ASSET_JS: Final = "security/asset/asset_js/entry/src/ohosTest/ets/test"
ASSET_JS_NORIGHT: Final = "security/asset/asset_js_noright/entry/src/ohosTest/ets/test"

_SIXTEEN: Final = "0123456789123456"
#: The data of ``AssetAw.ets``.
fake_challenge: Final = _SIXTEEN * 2
sec_long: Final = _SIXTEEN * 64  # 1024 bytes: the longest SECRET
sec_too_long: Final = _SIXTEEN * 64 + "1"
sec_short: Final = "1"
value_empty: Final = ""
alias_long: Final = _SIXTEEN * 16  # 256 bytes: the longest ALIAS
alias_too_long: Final = _SIXTEEN * 16 + "1"
label_long: Final = _SIXTEEN * 32  # 512 bytes
string2k: Final = _SIXTEEN * 128  # 2048 bytes: the longest label
label_too_long: Final = _SIXTEEN * 128 + "1"
alias_name_list: Final = ["user01", "user02", "user03", "user04", "user05"]
secret_list: Final = ["11111111", "12345678", "abcdefg", "aaaaaa", "#"]
label_list: Final = ["tag1", "tag1", "tag1", "tag0", "a"]
update_secret: Final = "ihadbeenupdated"

#: Why the IS_PERSISTENT cases of the app without permissions (``asset_js_noright``) are device-only.
NO_PERMISSION: Final = (
    "needs OpenHarmony's permission system: the app lacks ohos.permission.STORE_PERSISTENT_DATA and expects "
    "201 for IS_PERSISTENT; every hukspy caller holds it (docs/asset.md, 'Who the caller is': IS_PERSISTENT "
    "is accepted)")

#: ``AssetAwUserid.ets``: every call is made ``AsUser(100, ...)``.
AS_USER: Final = 100

LABELS: Final = (Tag.DATA_LABEL_NORMAL_1, Tag.DATA_LABEL_NORMAL_2, Tag.DATA_LABEL_NORMAL_3,
                 Tag.DATA_LABEL_NORMAL_4)
CRITICALS: Final = (Tag.DATA_LABEL_CRITICAL_1, Tag.DATA_LABEL_CRITICAL_2, Tag.DATA_LABEL_CRITICAL_3,
                    Tag.DATA_LABEL_CRITICAL_4)
LOCALS: Final = (Tag.DATA_LABEL_NORMAL_LOCAL_1, Tag.DATA_LABEL_NORMAL_LOCAL_2,
                 Tag.DATA_LABEL_NORMAL_LOCAL_3, Tag.DATA_LABEL_NORMAL_LOCAL_4)

Attr = dict[Tag, "bool | int | bytes"]


def s2a(text: str) -> bytes:
    """``StringToArray``: the UTF-8 bytes of ``text`` (``util.TextEncoder``)."""
    return text.encode()


def a2s(data: object) -> str:
    """``ArrayToString``: ``data`` decoded as UTF-8 (``util.TextDecoder``)."""
    assert isinstance(data, bytes)
    return data.decode()


def _as_user(attr: Attr, as_user: bool) -> AssetAttributes:
    return {**attr, Tag.USER_ID: AS_USER} if as_user else attr


def clean_data(st: AssetStore) -> None:
    """``cleanData``: remove every asset of the app; "no data to remove" is not an error."""
    with contextlib.suppress(AssetError):
        st.remove({})


def add_attr(st: AssetStore, attr: Attr, *, as_user: bool = False) -> int:
    """``assetAddAttr``: ``add`` (``addAsUser(100, ...)`` when ``as_user``); 0 or the error code."""
    try:
        st.add(_as_user(attr, as_user))
    except AssetError as exc:
        return exc.code
    return 0


def add_easy(st: AssetStore, alias: str, secret: str, *, as_user: bool = False) -> int:
    """``assetAddEasy``: ALIAS and SECRET, and (``AssetAw`` only, not ``AssetAwUserid``)
    ACCESSIBILITY=DEVICE_POWERED_ON."""
    attr: Attr = {Tag.ALIAS: s2a(alias), Tag.SECRET: s2a(secret)}
    if not as_user:
        attr[Tag.ACCESSIBILITY] = Accessibility.DEVICE_POWERED_ON
    return add_attr(st, attr, as_user=as_user)


def add_some(st: AssetStore) -> None:
    """``addSome``: one asset ``qwert``/``000000`` (upstream does not wait for it; hukspy is synchronous)."""
    add_easy(st, "qwert", "000000")


def add_full(st: AssetStore, attr: Attr) -> int:
    """``assetAddFull`` (``AssetAw``): SECRET of 1024 bytes, all eight labels of 512 bytes,
    DEVICE_POWERED_ON, added to ``attr``."""
    attr[Tag.SECRET] = s2a(sec_long)
    for tag in (*LABELS, *CRITICALS):
        attr[tag] = s2a(label_long)
    attr[Tag.ACCESSIBILITY] = Accessibility.DEVICE_POWERED_ON
    return add_attr(st, attr)


def add_all(st: AssetStore, attr: Attr) -> None:
    """``assetAddAll``: the five assets ``alias_name_list[i]``/``secret_list[i]`` with NORMAL_1
    ``label_list[i]``, each on top of ``attr`` (results ignored, as upstream)."""
    for alias, secret, label in zip(alias_name_list, secret_list, label_list, strict=True):
        attr[Tag.ALIAS] = s2a(alias)
        attr[Tag.SECRET] = s2a(secret)
        attr[Tag.DATA_LABEL_NORMAL_1] = s2a(label)
        add_attr(st, attr)


def remove_attr(st: AssetStore, attr: Attr, *, as_user: bool = False) -> int:
    """``assetRemoveAttr``: ``remove``; 0 or the error code."""
    try:
        st.remove(_as_user(attr, as_user))
    except AssetError as exc:
        return exc.code
    return 0


def remove(st: AssetStore, alias: str) -> int:
    """``assetRemove``: remove by ALIAS."""
    return remove_attr(st, {Tag.ALIAS: s2a(alias)})


def query_attr(st: AssetStore, attr: Attr, *, as_user: bool = False) -> list[AssetMap] | int:
    """``assetQueryAttr``: the maps ``query`` returns, or the error code."""
    try:
        return st.query(_as_user(attr, as_user))
    except AssetError as exc:
        return exc.code


def query_easy(st: AssetStore, attr: Attr) -> dict[str, str] | int:
    """``assetQueryEasy``: the error code, or the first map's alias, secret and eight labels as text
    (``retAll``)."""
    found = query_attr(st, attr)
    if isinstance(found, int):
        return found
    first = found[0]
    names = ("label1", "label2", "label3", "label4", "critical1", "critical2", "critical3", "critical4")
    return {"alias": a2s(first[Tag.ALIAS]), "secret": a2s(first[Tag.SECRET]),
            **{name: a2s(first[tag]) for name, tag in zip(names, (*LABELS, *CRITICALS), strict=True)}}


def query_all(st: AssetStore, alias: str, target_secret: str) -> int:
    """``assetQueryAll``: query ``alias`` with RETURN_TYPE=ALL; 0 when its secret is ``target_secret``,
    -1 when it is another, else the error code."""
    found = query_attr(st, {Tag.ALIAS: s2a(alias), Tag.RETURN_TYPE: ReturnType.ALL})
    if isinstance(found, int):
        return found
    return 0 if a2s(found[0][Tag.SECRET]) == target_secret else -1


def query_num(st: AssetStore, attr: Attr) -> int:
    """``assetQueryNum``: how many maps ``query`` returns, or the error code."""
    found = query_attr(st, attr)
    return found if isinstance(found, int) else len(found)


def update_attrs(st: AssetStore, attr: Attr, attr2: Attr, *, as_user: bool = False) -> int:
    """``assetUpdateAttrs``: ``update(attr, attr2)``; 0 or the error code."""
    try:
        st.update(_as_user(attr, as_user), attr2)
    except AssetError as exc:
        return exc.code
    return 0


def update_easy(st: AssetStore, alias: str, new_secret: str, *, as_user: bool = False) -> int:
    """``assetUpdateEasy``: set the SECRET of ``alias`` to ``new_secret``."""
    return update_attrs(st, {Tag.ALIAS: s2a(alias)}, {Tag.SECRET: s2a(new_secret)}, as_user=as_user)


def update(st: AssetStore, alias: str) -> int:
    """``assetUpdate``: set the SECRET of ``alias`` to ``update_secret``."""
    return update_easy(st, alias, update_secret)


def pre_query(st: AssetStore, attr: Attr, *, as_user: bool = False) -> bytes | int:
    """``assetPreQuery``: the challenge, or the error code."""
    try:
        return st.pre_query(_as_user(attr, as_user))
    except AssetError as exc:
        return exc.code


def pre_query_expect(st: AssetStore, attr: Attr) -> int:
    """``assetPreQueryExpect``: 0 when ``pre_query`` succeeds (the challenge is dropped), else the code."""
    found = pre_query(st, attr)
    return found if isinstance(found, int) else 0


def post_query_attr(st: AssetStore, attr: Attr, *, as_user: bool = False) -> int:
    """``assetPostQueryAttr``: ``post_query(attr)``; 0 or the error code."""
    try:
        st.post_query(_as_user(attr, as_user))
    except AssetError as exc:
        return exc.code
    return 0


def post_query(st: AssetStore, challenge: bytes, *, as_user: bool = False) -> int:
    """``assetPostQuery``: release ``challenge``."""
    return post_query_attr(st, {Tag.AUTH_CHALLENGE: challenge}, as_user=as_user)


def basic_crud(st: AssetStore, attr: Attr, *, attr_encrypted: bool = False) -> int:
    """``basicCRUD`` (``basicCRUDCE`` with ``attr_encrypted``: the query maps also carry
    REQUIRE_ATTR_ENCRYPTED=true): add ``user01`` on top of ``attr``, remove it, add it again, update
    its secret, query it with RETURN_TYPE=ALL; 0 or the first error code."""
    attr[Tag.ALIAS] = s2a(alias_name_list[0])
    attr[Tag.SECRET] = s2a(secret_list[0])
    attr2: Attr = {Tag.ALIAS: s2a(alias_name_list[0])}
    if attr_encrypted:
        attr2[Tag.REQUIRE_ATTR_ENCRYPTED] = True
    attr4: Attr = {Tag.SECRET: s2a(update_secret)}
    try:
        st.add(attr)
        st.remove(attr2)
        st.add(attr)
        st.update(attr2, attr4)
        attr2[Tag.RETURN_TYPE] = ReturnType.ALL
        st.query(attr2)
    except AssetError as exc:
        return exc.code
    return 0


def as_user_calls(st: AssetStore) -> list[int]:
    """The ``*AsUser`` steps of ``AsUserId_Func_0800`` (AssetOthers) and ``_1000`` (AssetNoright): an
    ordinary add of ``user01``, then add (``user02``), query, update, remove, preQuery (``user01``) and
    postQuery (``fake_challenge``) ``AsUser(100, ...)``: their six results."""
    add_easy(st, alias_name_list[0], secret_list[0])
    codes = [add_easy(st, alias_name_list[1], secret_list[0], as_user=True)]
    attr: Attr = {Tag.ALIAS: s2a(alias_name_list[0])}
    found = query_attr(st, attr, as_user=True)
    codes.append(found if isinstance(found, int) else 0)
    codes.append(update_easy(st, alias_name_list[0], secret_list[0], as_user=True))
    codes.append(remove_attr(st, attr, as_user=True))
    challenge = pre_query(st, attr, as_user=True)
    codes.append(challenge if isinstance(challenge, int) else 0)
    codes.append(post_query(st, s2a(fake_challenge), as_user=True))
    return codes


def remove_steps(st: AssetStore) -> None:
    """The removals of ``Sync_Func_0400`` (AssetSync, ``removeSync``) and ``Remove_Func_0200``
    (AssetNoright, ``remove``): of the five assets, remove ``user01`` (4 left), NORMAL_1 ``tag1`` (2 left),
    then all (a query is then 24000002)."""
    add_all(st, {})
    assert remove(st, alias_name_list[0]) == 0
    attr2: Attr = {}
    assert query_num(st, attr2) == 4
    attr2[Tag.DATA_LABEL_NORMAL_1] = s2a(label_list[0])
    assert remove_attr(st, attr2) == 0
    del attr2[Tag.DATA_LABEL_NORMAL_1]
    assert query_num(st, attr2) == 2
    assert remove_attr(st, attr2) == 0
    assert query_num(st, attr2) == ErrorCode.NOT_FOUND
