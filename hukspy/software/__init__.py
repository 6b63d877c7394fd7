"""The built-in software backend: a pyca/cryptography engine and a SQLite record store.

``factory`` is the object the ``hukspy.backends`` entry point ``software`` names
(``hukspy.software:factory``). Importing this package loads no record store.
"""

from __future__ import annotations

from typing import Final

from hukspy.software.backend import SoftwareBackend, SoftwareFactory

__all__ = ["SoftwareBackend", "SoftwareFactory", "factory"]

factory: Final = SoftwareFactory()
