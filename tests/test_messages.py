"""Issue 11 item 10: error messages read as sentences.

Every message the code builds for a bad call is rendered and checked: the seed templates
("The ${messageInfo} is not supported.", "Invalid ${messageInfo}.", "Failed to obtain the
${messageInfo}. It is not set in ParamSet.") are filled with a noun phrase (docs/decisions.md), so no
doubled article or verb, no clause, no repr, a sentence ending with a period, and the alias named when
the call had one. The calls are every failure case of tests/test_policy.py (each policy rule), run
through the software keystore where the call takes an alias, plus the keystore's own refusals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_policy import FINISH, GENERATE, IMPORT, INIT, _stored, ps

from hukspy import Keystore, policy
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPadding as Pad
from hukspy.enums import HuksKeyPurpose as P
from hukspy.enums import HuksTag as T
from hukspy.errors import MESSAGES, HuksError, format_message
from hukspy.params import HuksOptions, HuksParam

Pairs = tuple[tuple[int, int | bool | bytes], ...]

#: Marks of a message that does not read as a sentence.
BAD: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a doubled word", re.compile(r"\b(\w+) \1\b", re.IGNORECASE)),
    ("a clause in 'Invalid ...'", re.compile(r"^Invalid .*\b(is|are|must|cannot|can|has|have|do|does) ")),
    ("a clause in 'Failed to obtain the ...'", re.compile(r"is missing\. It is not set")),
    ("a clause in 'The ... is not supported'", re.compile(r"\b(is|are) invalid .* is not supported")),
    ("a repr", re.compile(r"\w+Spec\(|<|\w+\(\w+=")),
    ("no closing period", re.compile(r"[^.]$")),
    ("an article after 'Invalid'", re.compile(r"^Invalid (the|a|an) ", re.IGNORECASE)),
)


def props(pairs: Pairs) -> HuksOptions:
    return HuksOptions(properties=[HuksParam(t, v) for t, v in pairs])


def message_of(fn: Callable[[], object]) -> HuksError | None:
    try:
        fn()
    except HuksError as exc:
        return exc
    return None


def takes_info(code: int) -> bool:
    return any("${messageInfo}" in t for t in MESSAGES.get(code, ("${messageInfo}",)))


@pytest.fixture
def ks(tmp_path: Path) -> Iterator[Keystore]:
    with Keystore(f"software:{tmp_path}") as keystore:
        yield keystore


def collect(ks: Keystore) -> list[tuple[str, str | None, HuksError]]:
    """(case, alias or None, error) for every bad call below."""
    out: list[tuple[str, str | None, HuksError]] = []

    def run(case: str, alias: str | None, fn: Callable[[], object]) -> None:
        err = message_of(fn)
        if err is not None:
            out.append((case, alias, err))

    for n, (case, params, _expected) in enumerate(GENERATE):
        alias = f"gen{n}"
        run(f"generate: {case}", alias, lambda a=alias, p=params: ks.generate_key_item(a, props(p)))
    for case, params, import_type, _expected in IMPORT:
        run(f"import: {case}", None, lambda p=params, t=import_type: policy.check_import(ps(*p), t))
    for case, key, finish, _expected in FINISH:
        run(f"finish: {case}", None, lambda k=key, f=finish: policy.check_finish_storage(_stored(k), ps(*f)))
    for n, (case, key, init, _expected) in enumerate(INIT):
        alias = f"init{n}"
        if message_of(lambda a=alias, k=key: ks.generate_key_item(a, props(k))) is not None:
            run(f"init (policy): {case}", None, lambda k=key, i=init: policy.check_init(_stored(k), ps(*i)))
            continue

        def init_then_abort(a: str = alias, i: Pairs = init) -> None:
            handle = ks.init_session(a, props(i))
            ks.abort_session(handle.handle, props(()))

        run(f"init: {case}", alias, init_then_abort)

    aes = ((T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), (T.HUKS_TAG_KEY_SIZE, 256),
           (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT))
    ks.generate_key_item("aes", props(aes))
    run("no such key", "nosuch", lambda: ks.get_key_item_properties("nosuch", props(())))
    run("export a symmetric key", "aes", lambda: ks.export_key_item("aes", props(())))
    run("attest a symmetric key", "aes", lambda: ks.attest_key_item("aes", props(())))
    run("override refused", "aes",
        lambda: ks.generate_key_item("aes", props((*aes, (T.HUKS_TAG_KEY_OVERRIDE, False)))))
    run("ML-DSA-50", "mldsa", lambda: ks.generate_key_item("mldsa", props(
        ((T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ML_DSA), (T.HUKS_TAG_KEY_SIZE, 50),
         (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN)))))
    run("AES-100", "aes100", lambda: ks.generate_key_item("aes100", props(
        ((T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), (T.HUKS_TAG_KEY_SIZE, 100),
         (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT)))))
    run("no KEY_SIZE", "nosize", lambda: ks.generate_key_item("nosize", props(
        ((T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT)))))
    run("init without options", "aes", lambda: ks.init_session("aes", props(())))
    rsa = ((T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA), (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN))
    ks.generate_key_item("rsa", props(((T.HUKS_TAG_KEY_SIZE, 2048), *rsa)))
    run("unsupported operation", "rsa", lambda: ks.init_session("rsa", props(
        (*rsa, (T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_NONE), (T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_MD5)))))
    return out


def test_error_messages_read_as_sentences(ks: Keystore) -> None:
    """Item 10: every message of a representative set of bad calls is a well-formed sentence."""
    seen = collect(ks)
    codes = {err.code for _, _, err in seen}
    # the set is representative: each noun-phrase template was rendered
    assert {12000001, 12000002, 12000003, 12000011, 401} <= codes, codes
    bad = []
    for case, alias, err in seen:
        found = [what for what, pattern in BAD if pattern.search(err.message)]
        if alias is not None and takes_info(err.code) and f'"{alias}"' not in err.message:
            found.append("the alias is not named")
        if found:
            bad.append(f"{case}: {err.message!r}: {', '.join(found)}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("code", "info", "expected"),
    [
        (12000001, "the algorithm HUKS_ALG_ML_DSA", "The algorithm HUKS_ALG_ML_DSA is not supported."),
        (12000003, "the key size 100 for HUKS_ALG_AES", "Invalid key size 100 for HUKS_ALG_AES."),
        (12000003, "an imported key type 9", "Invalid imported key type 9."),
        (12000002, "KEY_SIZE param", "Failed to obtain the KEY_SIZE param. It is not set in ParamSet."),
        (12000002, "the KEY_SIZE param", "Failed to obtain the KEY_SIZE param. It is not set in ParamSet."),
        (12000004, "read the key file", "Failed to read the key file."),
    ],
)
def test_template_takes_a_bare_noun_phrase(code: int, info: str, expected: str) -> None:
    """Item 10: the rule of docs/decisions.md: a leading article of the info is dropped where the
    template supplies its own or needs none; other templates are filled as given."""
    assert format_message(code, info) == expected
    assert HuksError(code, info).message == expected
