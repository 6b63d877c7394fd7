"""XTS ``SecurityHuksDerivePBKDF2PromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksDerivePBKDF2PromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 13 ``it()`` cases; the base key and the init also
carry ITERATION=1000 and the 16-byte SALT.

Each case generates an AES DERIVE base key (the size and digest in ``DERIVE_CASES``), derives 32 bytes
from it with PBKDF2 over 63 KB of update data (``publicDeriveFunc``, tests/xts/helpers.py) and deletes it.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeySize, HuksTag
from hukspy.testing import param
from xts._derive import run_derive_case
from xts.helpers import AES, DERIVE_CASES, PBKDF2_SALT, PURPOSE_DERIVE

T = HuksTag
KDF = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_PBKDF2)
#: upstream line of each it(), in DERIVE_CASES order
LINES = [40,64,88,110,132,157,179,201,226,248,270,295,317]
CASES = [(name.format(kdf="PBKDF2"), line, kind, size, digest)
         for (name, kind, size, digest), line in zip(DERIVE_CASES, LINES, strict=True)]


@pytest.mark.parametrize(("name", "line", "kind", "size", "digest"), CASES, ids=[c[0] for c in CASES])
def test_derive(keystore: Keystore, name: str, line: int, kind: str, size: int, digest: int) -> None:
    """SecurityHuksDerivePBKDF2PromiseJsunit.test.js, at the line in ``LINES`` (test id: the it() name):
    generate the base key, init/update/finish (or abort) the PBKDF2 derivation, delete; every call
    succeeds."""
    gen = [AES.ALG, PURPOSE_DERIVE, param(T.HUKS_TAG_DIGEST, digest),
           param(T.HUKS_TAG_KEY_SIZE, HuksKeySize(size)),
           param(T.HUKS_TAG_ITERATION, 1000), param(T.HUKS_TAG_SALT, PBKDF2_SALT)]
    run_derive_case(keystore, "PBKDF2", name, kind, gen, KDF)
