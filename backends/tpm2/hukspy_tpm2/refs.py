"""The opaque ref the TPM backend hands the facade (stored, encrypted, in the SQLite record store).

Format (``pack``/``unpack``)::

    b"HT2" ‖ version:u8 (=1) ‖ kind:u8 ‖ count:u8 ‖ count * (len:u32 BE ‖ bytes)

- kind 1 ``TPM_KEY``: [``TPM2B_PUBLIC``, ``TPM2B_PRIVATE``], both marshalled: a key created by
  ``TPM2_Create`` or imported by ``TPM2_Import`` under the SRK (``tpm.SRK_TEMPLATE``). Only this
  TPM (its owner seed) can load it; a foreign or tampered blob fails ``TPM2_Load`` with INTEGRITY
  (→ 12000004).
- kind 2 ``PUBLIC``: [SPKI DER]: an imported public key (no private half exists); used on the host.
- kind 3 ``SEALED``: [``TPM2B_PUBLIC``, ``TPM2B_PRIVATE``, ``nonce(12) ‖ AES-256-GCM ciphertext ‖
  tag``]: the first two are a keyedhash *sealed data object* under the SRK holding a random 32-byte
  key; the third is the software engine's ref for the key, encrypted with that key (AAD
  ``b"hukspy-tpm2-sealed-v1"``). Only this TPM can unseal it (``?fallback=sealed``).
"""

from __future__ import annotations

import functools
import hashlib
import struct
from dataclasses import dataclass
from typing import Final

from hukspy.backend import StoredDataDamagedError

__all__ = ["PUBLIC", "SEALED", "TPM_KEY", "Ref", "pack", "unpack"]

_MAGIC: Final = b"HT2\x01"
TPM_KEY: Final = 1
PUBLIC: Final = 2
SEALED: Final = 3


@dataclass(frozen=True, repr=False)
class Ref:
    kind: int
    parts: tuple[bytes, ...]

    @property
    def pub(self) -> bytes:
        return self.parts[0]

    @property
    def priv(self) -> bytes:
        return self.parts[1]

    @functools.cached_property
    def kid(self) -> bytes:
        """The slot table's key for this blob (``tpm.blob_id``)."""
        return hashlib.blake2b(self.parts[0] + self.parts[1], digest_size=16).digest()

    def __repr__(self) -> str:
        return f"Ref(kind={self.kind}, <redacted>)"


def pack(kind: int, *parts: bytes) -> bytes:
    out = bytearray(_MAGIC)
    out += bytes((kind, len(parts)))
    for p in parts:
        out += struct.pack(">I", len(p)) + p
    return bytes(out)


@functools.lru_cache(maxsize=1024)
def unpack(ref: bytes) -> Ref:
    """Parse a ref (cached: the same refs come back on every operation). Raises
    ``StoredDataDamagedError`` (→ 12000004) when it is not one of ours."""
    try:
        if ref[:4] != _MAGIC:
            raise ValueError("magic")
        kind, count = ref[4], ref[5]
        off = 6
        parts = []
        for _ in range(count):
            (n,) = struct.unpack_from(">I", ref, off)
            off += 4
            if off + n > len(ref):
                raise ValueError("truncated")
            parts.append(ref[off : off + n])
            off += n
        if off != len(ref) or kind not in (TPM_KEY, PUBLIC, SEALED):
            raise ValueError("trailing data or kind")
        expected = {TPM_KEY: 2, PUBLIC: 1, SEALED: 3}[kind]
        if len(parts) != expected:
            raise ValueError("parts")
    except (IndexError, ValueError, struct.error) as exc:
        raise StoredDataDamagedError("read the stored TPM key reference (it is corrupt)") from exc
    return Ref(kind, tuple(parts))
