"""Short builders of the HuksParams the XTS key-management suites list (issue 19): ``alg("RSA")`` is
``{tag: HUKS_TAG_ALGORITHM, value: HUKS_ALG_RSA}``, and so on for PURPOSE, KEY_SIZE and DIGEST."""

from __future__ import annotations

from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import param


def alg(name: str) -> HuksParam:
    """ALGORITHM ``HUKS_ALG_<name>``."""
    return param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg[f"HUKS_ALG_{name}"])


def purpose(value: int) -> HuksParam:
    """PURPOSE ``value`` (a HuksKeyPurpose bitmask)."""
    return param(HuksTag.HUKS_TAG_PURPOSE, value)


def size(bits: int) -> HuksParam:
    """KEY_SIZE ``bits``."""
    return param(HuksTag.HUKS_TAG_KEY_SIZE, bits)


def digest(name: str) -> HuksParam:
    """DIGEST ``HUKS_DIGEST_<name>``."""
    return param(HuksTag.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{name}"])
