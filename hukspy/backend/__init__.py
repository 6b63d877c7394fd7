"""Everything a keystore backend (a plug-in) may import, and how the facade finds one.

- ``protocol``: ``Backend``, ``Operation``, ``RecordStore``, ``BackendFactory``, ``KeyRecord`` and the
  optional hooks ``KeyStorage`` and ``WrappedImport``; ``find_backend``, ``installed_backends``.
- ``actions``: ``Action``, the backend call a native error came from (the key of every error table).
- ``capabilities``: ``Capabilities``, ``KeyCap``, ``OpCap``: what a backend can do, as data.
- ``errors``: the native error types a backend raises where its library has none, ``ErrorTable``,
  ``ByCall`` and ``Translation``.
- ``facts``: digests, curves and the symmetric algorithms, one table each.
- ``sealed``: sealed keys (``?fallback=sealed``) for hardware backends, written once. Import it as
  ``hukspy.backend.sealed``: it loads the software engine, which this package does not.
- ``signer``: ``DeviceEcKey``, a key that stays in a token or TPM as a pyca ``EllipticCurvePrivateKey``
  (the attestation CAs sign certificates with it). Import it as ``hukspy.backend.signer``.

docs/architecture.md ("The seam") shows how the facade uses it.
"""

from hukspy.backend.actions import Action
from hukspy.backend.capabilities import Capabilities, KeyCap, OpCap
from hukspy.backend.errors import (
    NATIVE_CODES,
    BackendClosedError,
    ByCall,
    CredentialRejectedError,
    DataRejectedError,
    DeviceUnavailableError,
    ErrorTable,
    InvalidKeyMaterialError,
    InvalidLocationError,
    NativeError,
    OperationEndedError,
    ParameterRejectedError,
    StoredDataDamagedError,
    Translation,
    UnsupportedError,
)
from hukspy.backend.protocol import (
    ENTRY_POINT_GROUP,
    AliasExistsError,
    Backend,
    BackendFactory,
    KeyRecord,
    KeyStorage,
    Operation,
    RecordStore,
    WrappedImport,
    find_backend,
    installed_backends,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "NATIVE_CODES",
    "Action",
    "AliasExistsError",
    "Backend",
    "BackendClosedError",
    "BackendFactory",
    "ByCall",
    "Capabilities",
    "CredentialRejectedError",
    "DataRejectedError",
    "DeviceUnavailableError",
    "ErrorTable",
    "InvalidKeyMaterialError",
    "InvalidLocationError",
    "KeyCap",
    "KeyRecord",
    "KeyStorage",
    "NativeError",
    "OpCap",
    "Operation",
    "OperationEndedError",
    "ParameterRejectedError",
    "RecordStore",
    "StoredDataDamagedError",
    "Translation",
    "UnsupportedError",
    "WrappedImport",
    "find_backend",
    "installed_backends",
]
