"""The service's wire format (docs/service.md, "The protocol"): frames, the handshake, the values.

A frame is a 4-byte big-endian unsigned length ``n`` (``1 <= n <= MAX_FRAME``) followed by ``n`` bytes of
one MessagePack value. Values are MessagePack's own types (nil, bool, int, bin, str, array, map) plus
the extension types of ``EXT`` for the HUKS and ASSET data types; nothing is ever unpickled or
evaluated. A frame that breaks any of these rules is a ``ProtocolError``: the peer closes the
connection (the service keeps serving everyone else).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import struct
from collections.abc import Callable
from typing import Any, Final

import msgpack

from hukspy.asset.errors import BatchErrInfo, BatchResult
from hukspy.backend.capabilities import Capabilities, KeyCap, OpCap
from hukspy.params import (
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
)
from hukspy.spec import OpKind
from hukspy.userauth.token import AuthToken

__all__ = [
    "DEFAULT_SOCKET",
    "EOF",
    "EXT",
    "MAGIC",
    "MAX_FRAME",
    "VERSION",
    "Opaque",
    "ProtocolError",
    "decode",
    "encode",
    "read_frame",
    "socket_path",
    "write_frame",
]

#: The first element of both handshake frames.
MAGIC: Final = "hukspy"
#: The protocol version; a peer that speaks another one is refused in the handshake.
VERSION: Final = 1
#: The largest frame payload, in bytes (a 4 MiB param set and a 4 MiB ``in_data`` fit).
MAX_FRAME: Final = 9 * 1024 * 1024
_LEN: Final = struct.Struct(">I")
#: Nesting depth of one decoded value (MessagePack bombs of nested arrays).
_MAX_DEPTH: Final = 32


#: Where ``service:`` and ``hukspy serve`` meet when neither names a socket nor sets ``$HUKSPY_SOCKET``.
DEFAULT_SOCKET: Final = "/run/hukspy/hukspy.sock"


def socket_path(path: str | None = None) -> str:
    """``path``, else ``$HUKSPY_SOCKET``, else ``DEFAULT_SOCKET``."""
    return path or os.environ.get("HUKSPY_SOCKET") or DEFAULT_SOCKET


class ProtocolError(Exception):
    """A frame or value that breaks the protocol (docs/service.md): the connection is closed."""


class Opaque:
    """A value the client could not put on the wire as itself (an object of a type the API does not
    take): it reaches the facade as this object, which every type check refuses (401), as in-process."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"Opaque({self.type_name!r})"


#: Extension type codes (MessagePack ext) of the structured values, each an array of its fields.
EXT: Final = {
    "options": 1,        # HuksOptions: [properties | nil, in_data | nil]
    "param": 2,          # HuksParam: [tag, value]
    "handle": 3,         # HuksSessionHandle: [handle, challenge | nil]
    "result": 4,         # HuksReturnResult: [out_data, properties?, cert_chains?, shared_secret?]
    "aliases": 5,        # HuksListAliasesReturnResult: [key_aliases]
    "opaque": 6,         # Opaque: [type name]
    "caps": 7,           # Capabilities: [backend, keys, ops, attest, wrap, sealed, level, se, purposes, hint]
    "batch": 8,          # BatchResult: [failed_count, [[index, err_code, message], ...]]
    "tuple": 9,          # a tuple: [items]
    "authtoken": 10,     # hukspy.userauth.AuthToken: its fields in declaration order (_TOKEN_FIELDS)
}
_KIND: Final = {int(code): name for name, code in EXT.items()}
#: The fields of an ``AuthToken`` on the wire, in this order (docs/service.md, "Values").
_TOKEN_FIELDS: Final = tuple(f.name for f in dataclasses.fields(AuthToken))


def _fields(obj: object) -> tuple[int, list[Any]] | None:
    """The ext code and field list of a structured value, or None for a type the wire does not know."""
    if isinstance(obj, HuksOptions):
        props = obj.properties
        return EXT["options"], [list(props) if isinstance(props, list | tuple) else props, obj.in_data]
    if isinstance(obj, HuksParam):
        return EXT["param"], [obj.tag, obj.value]
    if isinstance(obj, HuksSessionHandle):
        return EXT["handle"], [obj.handle, obj.challenge]
    if isinstance(obj, HuksReturnResult):
        return EXT["result"], [obj.out_data, obj.properties, obj.cert_chains, obj.shared_secret]
    if isinstance(obj, HuksListAliasesReturnResult):
        return EXT["aliases"], [obj.key_aliases]
    if isinstance(obj, Capabilities):
        keys = [[k.alg, k.size, k.generate, sorted(k.imports)] for k in sorted(obj.keys)]
        ops = [[o.kind.value, o.key_alg, o.alg, o.mode, o.padding, o.digest, sorted(o.sizes)]
               for o in obj.ops]
        return EXT["caps"], [obj.backend, keys, ops, obj.attest, obj.wrap, sorted(obj.sealed),
                             obj.security_level, obj.secure_element, obj.sealed_purposes, obj.hint]
    if isinstance(obj, BatchResult):
        infos = [[i.index, i.err_code, i.message] for i in obj.failed_error_infos]
        return EXT["batch"], [obj.failed_count, infos]
    if isinstance(obj, Opaque):
        return EXT["opaque"], [obj.type_name]
    if isinstance(obj, AuthToken):
        return EXT["authtoken"], [getattr(obj, name) for name in _TOKEN_FIELDS]
    if isinstance(obj, tuple):
        return EXT["tuple"], list(obj)
    return None


def _default(obj: object) -> msgpack.ExtType:
    found = _fields(obj)
    if found is None:
        found = EXT["opaque"], [type(obj).__name__]
    code, fields = found
    return msgpack.ExtType(code, _pack(fields))


def _pack(value: object) -> bytes:
    # a Packer of its own per call (the ext hook re-enters here), with a small first buffer: packb's
    # default 256 KiB allocation per call was most of an encode's cost
    packer = msgpack.Packer(default=_default, use_bin_type=True, strict_types=False, buf_size=512)
    packed: bytes = packer.pack(value)
    return packed


_UNPACKABLE: Final = (OverflowError, ValueError, TypeError)


def encode(value: object) -> bytes:
    """``value`` as one MessagePack payload. An object of a type the wire does not carry becomes an
    ``Opaque`` (the receiving facade refuses it as the in-process call would: 401); inside a list or a
    map only that item does, so a request keeps its shape and the call's other arguments."""
    try:
        return _pack(value)
    except _UNPACKABLE:
        # an int beyond 64 bits, a str with a lone surrogate, a float where ints go: refused the same way
        return _pack(_carried(value))


def _carried(value: object) -> object:
    """``value`` with each list item and map value that cannot be packed replaced by its ``Opaque``."""
    if isinstance(value, list):
        return [_carried(item) for item in value]
    if isinstance(value, dict):
        return {key: _carried(item) for key, item in value.items()}
    try:
        _pack(value)
    except _UNPACKABLE:
        return Opaque(type(value).__name__)
    return value


def _build(code: int, fields: list[Any]) -> object:
    """The structured value of ext ``code`` from its decoded ``fields``; ``ProtocolError`` when they do
    not fit (a well-formed frame of the wrong shape is as malformed as a truncated one)."""
    kind = _KIND.get(code)
    try:
        if kind == "options":
            props, data = fields
            return HuksOptions(properties=props, in_data=data)
        if kind == "param":
            tag, value = fields
            return HuksParam(tag, value)
        if kind == "handle":
            handle, challenge = fields
            return HuksSessionHandle(handle, challenge)
        if kind == "result":
            out, props, chains, secret = fields
            return HuksReturnResult(out_data=out, properties=props, cert_chains=chains, shared_secret=secret)
        if kind == "aliases":
            (aliases,) = fields
            return HuksListAliasesReturnResult(list(aliases))
        if kind == "caps":
            backend, keys, ops, attest, wrap, sealed, level, se, purposes, hint = fields
            return Capabilities(
                backend=backend,
                keys=frozenset(KeyCap(a, s, g, frozenset(i)) for a, s, g, i in keys),
                ops=frozenset(
                    OpCap(OpKind(k), ka, a, m, p, d, frozenset(sz)) for k, ka, a, m, p, d, sz in ops
                ),
                attest=attest, wrap=wrap, sealed=frozenset(tuple(x) for x in sealed),
                security_level=level, secure_element=se, sealed_purposes=purposes, hint=hint,
            )
        if kind == "batch":
            count, infos = fields
            return BatchResult(count, [BatchErrInfo(i, c, m) for i, c, m in infos])
        if kind == "opaque":
            (name,) = fields
            return Opaque(str(name))
        if kind == "tuple":
            return tuple(fields)
        if kind == "authtoken":
            return AuthToken(**dict(zip(_TOKEN_FIELDS, fields, strict=True)))
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"a malformed value of extension type {code}") from exc
    raise ProtocolError(f"an unknown extension type {code}")


def _unpack(data: bytes, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ProtocolError("values nested too deeply")

    def ext_hook(code: int, payload: bytes) -> object:
        fields = _unpack(payload, depth + 1)
        if not isinstance(fields, list):
            raise ProtocolError(f"extension type {code} does not hold an array")
        return _build(code, fields)

    try:
        return msgpack.unpackb(data, ext_hook=ext_hook, raw=False, strict_map_key=False, use_list=True)
    except ProtocolError:
        raise
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
        raise ProtocolError(f"a malformed payload ({type(exc).__name__})") from exc


def decode(payload: bytes) -> Any:
    """The value of one frame payload. Raises ``ProtocolError`` for anything but exactly one well-formed
    MessagePack value of the types above (extra bytes, unknown extension types, bad UTF-8, depth)."""
    return _unpack(payload, 0)


def write_frame(sock: socket.socket, value: object) -> None:
    """Send ``value`` as one frame. Raises ``ProtocolError`` when it exceeds ``MAX_FRAME``, ``OSError``
    when the peer is gone."""
    payload = encode(value)
    if len(payload) > MAX_FRAME:
        raise ProtocolError(f"a frame of {len(payload)} bytes exceeds {MAX_FRAME}")
    sock.sendall(_LEN.pack(len(payload)) + payload)


def read_exact(recv: Callable[[int], bytes], n: int) -> bytes | None:
    """Exactly ``n`` bytes from ``recv``; None when the peer closed before the first byte, and
    ``ProtocolError`` when it closed in the middle."""
    chunks: list[bytes] = []
    got = 0
    while got < n:
        chunk = recv(min(n - got, 1 << 20))
        if not chunk:
            if got == 0:
                return None
            raise ProtocolError(f"the peer closed after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket, *, idle: float | None, frame: float) -> Any:
    """Read one frame: wait up to ``idle`` seconds for its first byte (None: forever), then up to
    ``frame`` seconds for each further read. Returns the decoded value, or ``EOF`` at a clean end of
    stream (the peer closed between frames). Raises ``ProtocolError`` for a bad length, a truncated
    frame or a malformed payload, ``TimeoutError`` when the peer is too slow, ``OSError``."""
    if sock.gettimeout() != idle:
        sock.settimeout(idle)
    head = sock.recv(_LEN.size)  # never past this frame: the next one stays in the socket
    if not head:
        return _EOF
    if sock.gettimeout() != frame:
        sock.settimeout(frame)
    if len(head) < _LEN.size:
        head += read_exact(sock.recv, _LEN.size - len(head)) or b""
        if len(head) < _LEN.size:
            raise ProtocolError("the peer closed inside a frame header")
    (length,) = _LEN.unpack(head)
    if not 1 <= length <= MAX_FRAME:
        raise ProtocolError(f"a frame length of {length} (1..{MAX_FRAME} allowed)")
    payload = read_exact(sock.recv, length)
    if payload is None:
        raise ProtocolError("the peer closed before the frame's payload")
    return decode(payload)


class _Eof:
    def __repr__(self) -> str:
        return "EOF"


#: What ``read_frame`` returns when the peer closed cleanly between frames.
_EOF: Final = _Eof()
EOF: Final = _EOF
