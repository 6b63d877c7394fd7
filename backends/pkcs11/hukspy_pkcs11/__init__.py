"""hukspy_pkcs11: the PKCS#11 backend of hukspy (keys inside a token, through python-pkcs11).

``factory`` is the ``hukspy.backends`` entry point ``pkcs11``; ``hukspy_pkcs11.testing.softhsm_token``
provisions a SoftHSM2 token for tests. Importing this package loads no PKCS#11 module.
"""

from hukspy_pkcs11.backend import Pkcs11Backend, Pkcs11Factory, factory

__all__ = ["Pkcs11Backend", "Pkcs11Factory", "factory"]
