"""hukspy backend for TPM 2.0 (tpm2-pytss): keys that only this machine's TPM can use.

``Keystore("tpm2:swtpm:host=127.0.0.1,port=2321")``, ``Keystore("tpm2:device:/dev/tpmrm0")``; add
``?fallback=sealed`` to serve what the TPM lacks as sealed host keys. See docs/tpm2.md.
"""

from __future__ import annotations

from .backend import Tpm2Backend, Tpm2Factory, parse_location

__all__ = ["Tpm2Backend", "Tpm2Factory", "factory", "parse_location"]

#: The ``hukspy.backends`` entry point ``tpm2``.
factory = Tpm2Factory()
