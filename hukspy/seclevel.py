"""``HUKS_TAG_KEY_SECURITY_LEVEL``: where a new key may claim to live (docs/decisions.md, "Key security
level").

- absent or ``HUKS_KEY_SECURITY_LEVEL_TEE``: accepted everywhere (every backend is at least the "TEE" of
  this machine: the process and its files, or better);
- ``HUKS_KEY_SECURITY_LEVEL_SE``: accepted only where the key really is in a separate secure element:
  a backend whose ``Capabilities.secure_element`` is true (a PKCS#11 token, a TPM) and a key it keeps
  itself. The software keystore and sealed keys (``?fallback=sealed``: host material) answer 12000026,
  upstream's code where no secure element is available, instead of storing a claim that is false;
- any other value: 401, as upstream's ``CheckKeySecuritySeFromParamSet``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hukspy.enums import HuksKeySecurityLevel, HuksTag
from hukspy.errors import HuksError

if TYPE_CHECKING:
    from hukspy.backend import Capabilities
    from hukspy.params import ParamSet
    from hukspy.spec import KeySpec

__all__ = ["check_security_level"]

_TEE = int(HuksKeySecurityLevel.HUKS_KEY_SECURITY_LEVEL_TEE)
_SE = int(HuksKeySecurityLevel.HUKS_KEY_SECURITY_LEVEL_SE)


def check_security_level(params: ParamSet, caps: Capabilities, spec: KeySpec) -> None:
    """Check the KEY_SECURITY_LEVEL of a key about to be created with ``spec`` on a backend with
    ``caps`` (module docstring). Raises ``HuksError`` 401 for a value that is neither TEE nor SE, 12000026
    for SE where the key would not be in a secure element."""
    level = params.int_(HuksTag.HUKS_TAG_KEY_SECURITY_LEVEL)
    if level is None or level == _TEE:
        return
    if level != _SE:
        raise HuksError(401, f"KEY_SECURITY_LEVEL {level} is neither TEE ({_TEE}) nor SE ({_SE})")
    if not caps.secure_element:
        raise HuksError(
            12000026, f"the secure element is not available (the {caps.backend} keystore has none)"
        )
    if caps.is_sealed(spec):
        raise HuksError(
            12000026,
            f"the secure element is not available for this key: on the {caps.backend} keystore it would "
            "be a sealed key, host material outside the secure element",
        )
