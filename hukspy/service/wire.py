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
import threading
from collections.abc import Callable
from typing import Any, Final

import msgpack

from hukspy.asset.errors import BatchErrInfo, BatchResult, SyncResult
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
    "FrameReader",
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
#: How much one read asks for: a frame this size or smaller usually arrives in one system call.
_CHUNK: Final = 64 * 1024
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
    "sync": 11,          # SyncResult: [result_code, total_count, failed_count]
}
#: The fields of an ``AuthToken`` on the wire, in this order (docs/service.md, "Values").
_TOKEN_FIELDS: Final = tuple(f.name for f in dataclasses.fields(AuthToken))


def _options(obj: HuksOptions) -> tuple[int, list[Any]]:
    props = obj.properties
    return EXT["options"], [list(props) if isinstance(props, list | tuple) else props, obj.in_data]


def _caps(obj: Capabilities) -> tuple[int, list[Any]]:
    keys = [[k.alg, k.size, k.generate, sorted(k.imports)] for k in sorted(obj.keys)]
    ops = [[o.kind.value, o.key_alg, o.alg, o.mode, o.padding, o.digest, sorted(o.sizes)] for o in obj.ops]
    return EXT["caps"], [obj.backend, keys, ops, obj.attest, obj.wrap, sorted(obj.sealed),
                         obj.security_level, obj.secure_element, obj.sealed_purposes, obj.hint]


#: type → (ext code, field list) of each structured value the wire carries (exact types; a subclass is
#: found by ``_fields``'s isinstance walk).
_FIELDS: Final[dict[type, Callable[[Any], tuple[int, list[Any]]]]] = {
    HuksParam: lambda o: (EXT["param"], [o.tag, o.value]),
    HuksOptions: _options,
    HuksSessionHandle: lambda o: (EXT["handle"], [o.handle, o.challenge]),
    HuksReturnResult: lambda o: (EXT["result"], [o.out_data, o.properties, o.cert_chains, o.shared_secret]),
    HuksListAliasesReturnResult: lambda o: (EXT["aliases"], [o.key_aliases]),
    Capabilities: _caps,
    BatchResult: lambda o: (EXT["batch"], [o.failed_count,
                                           [[i.index, i.err_code, i.message] for i in o.failed_error_infos]]),
    SyncResult: lambda o: (EXT["sync"], [o.result_code, o.total_count, o.failed_count]),
    Opaque: lambda o: (EXT["opaque"], [o.type_name]),
    AuthToken: lambda o: (EXT["authtoken"], [getattr(o, name) for name in _TOKEN_FIELDS]),
}


def _fields(obj: object) -> tuple[int, list[Any]]:
    """The ext code and field list of a structured value; an ``Opaque`` of its type name for a type the
    wire does not carry."""
    for kind, fields in _FIELDS.items():
        if isinstance(obj, kind):
            return fields(obj)
    return EXT["opaque"], [type(obj).__name__]


#: Types MessagePack packs as themselves (exact types: the fast path of ``_lower``).
_NATIVE: Final = frozenset({str, int, bytes, bool, type(None), float, bytearray, memoryview})
#: Their base classes, for subclasses (an ``IntEnum`` tag, a ``str`` enum): packed as the base type.
_NATIVE_BASES: Final = (str, int, bytes, float, bytearray, memoryview)
_new_ext: Final = tuple.__new__  # ExtType's own __new__ re-checks what _lower already knows


def _lower(obj: object, packer: msgpack.Packer) -> object:
    """``obj`` with every structured value replaced by its ``msgpack.ExtType`` (built bottom-up, so the
    packer needs no ``default`` hook and one packer serves every level). Lists, tuples and dicts are
    copied only as deep as needed; tuples become arrays, as MessagePack packs them."""
    kind = type(obj)
    if kind in _NATIVE:
        return obj
    if kind is list or kind is tuple:
        return _lower_items(obj, packer)  # type: ignore[arg-type]
    if kind is dict:
        return {k if type(k) in _NATIVE else _lower(k, packer): v if type(v) in _NATIVE else _lower(v, packer)
                for k, v in obj.items()}  # type: ignore[attr-defined]
    if kind is HuksParam:
        return _param(obj, packer)  # type: ignore[arg-type]
    if isinstance(obj, _NATIVE_BASES):  # an IntEnum, a str enum: MessagePack packs its base value
        return obj
    fields = _FIELDS.get(kind)
    if fields is not None:
        code, values = fields(obj)
    elif isinstance(obj, list | tuple | dict):
        return _lower(list(obj) if isinstance(obj, list | tuple) else dict(obj), packer)
    else:
        code, values = _fields(obj)
    data: bytes = packer.pack(_lower_items(values, packer))
    return _new_ext(msgpack.ExtType, (code, data))


#: Most params of a call are an int tag with an int value, the same few again and again: their ext values
#: and, on the other side, their decoded ``HuksParam``s are kept (never a bytes value: it may be a secret).
_PARAMS_KEPT: Final = 1024
_param_ext: dict[tuple[int, bool, int], msgpack.ExtType] = {}


def _param(param: HuksParam, packer: msgpack.Packer) -> msgpack.ExtType:
    """The ext value of ``param`` (a kept one for an int or bool value: enums count as their ints)."""
    tag, value = param.tag, param.value
    key = None
    if isinstance(value, int) and isinstance(tag, int) and type(tag) is not bool:
        key = (int(tag), type(value) is bool, int(value))
        found = _param_ext.get(key)
        if found is not None:
            return found
    data = packer.pack(_lower_items([tag, value], packer))
    ext: msgpack.ExtType = _new_ext(msgpack.ExtType, (EXT["param"], data))
    if key is not None:
        if len(_param_ext) >= _PARAMS_KEPT:
            _param_ext.clear()
        _param_ext[key] = ext
    return ext


def _lower_items(items: list[object] | tuple[object, ...], packer: msgpack.Packer) -> list[object]:
    """``_lower`` of each item (the native ones as they are, without a call per item)."""
    return [x if type(x) in _NATIVE else _param(x, packer) if type(x) is HuksParam else _lower(x, packer)
            for x in items]


_local = threading.local()


def _packer() -> msgpack.Packer:
    """This thread's packer (``autoreset``: each ``pack`` returns its bytes and starts empty; it resets
    after an error too)."""
    packer: msgpack.Packer | None = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True, strict_types=False, buf_size=4096)
    return packer


_UNPACKABLE: Final = (OverflowError, ValueError, TypeError, RecursionError)


def encode(value: object) -> bytes:
    """``value`` as one MessagePack payload. An object of a type the wire does not carry becomes an
    ``Opaque`` (the receiving facade refuses it as the in-process call would: 401); inside a list or a
    map only that item does, so a request keeps its shape and the call's other arguments."""
    packer = _packer()
    try:
        packed: bytes = packer.pack(_lower(value, packer))
    except _UNPACKABLE:
        # an int beyond 64 bits, a str with a lone surrogate, a float where ints go: refused the same way
        packed = packer.pack(_lower(_carried(value, packer), packer))
    return packed


def _carried(value: object, packer: msgpack.Packer) -> object:
    """``value`` with each list item and map value that cannot be packed replaced by its ``Opaque``."""
    if isinstance(value, list):
        return [_carried(item, packer) for item in value]
    if isinstance(value, dict):
        return {key: _carried(item, packer) for key, item in value.items()}
    try:
        packer.pack(_lower(value, packer))
    except _UNPACKABLE:
        return Opaque(type(value).__name__)
    return value


def _caps_of(fields: list[Any]) -> Capabilities:
    backend, keys, ops, attest, wrap, sealed, level, se, purposes, hint = fields
    return Capabilities(
        backend=backend,
        keys=frozenset(KeyCap(a, s, g, frozenset(i)) for a, s, g, i in keys),
        ops=frozenset(OpCap(OpKind(k), ka, a, m, p, d, frozenset(sz)) for k, ka, a, m, p, d, sz in ops),
        attest=attest, wrap=wrap, sealed=frozenset(tuple(x) for x in sealed),
        security_level=level, secure_element=se, sealed_purposes=purposes, hint=hint,
    )


def _n(fields: list[Any], n: int) -> list[Any]:
    """``fields`` when there are ``n`` of them; ``ValueError`` otherwise (``_build`` makes it a
    ``ProtocolError``)."""
    if len(fields) != n:
        raise ValueError(f"{len(fields)} fields, not {n}")
    return fields


#: ext code → the structured value from its decoded field list (raising TypeError/ValueError when the
#: fields do not fit).
_BUILD: Final[dict[int, Callable[[list[Any]], object]]] = {
    EXT["options"]: lambda f: HuksOptions(*_n(f, 2)),
    EXT["param"]: lambda f: HuksParam(*_n(f, 2)),
    EXT["handle"]: lambda f: HuksSessionHandle(*_n(f, 2)),
    EXT["result"]: lambda f: HuksReturnResult(*_n(f, 4)),
    EXT["aliases"]: lambda f: HuksListAliasesReturnResult(list(_n(f, 1)[0])),
    EXT["caps"]: _caps_of,
    EXT["batch"]: lambda f: BatchResult(_n(f, 2)[0], [BatchErrInfo(i, c, m) for i, c, m in f[1]]),
    EXT["sync"]: lambda f: SyncResult(*_n(f, 3)),
    EXT["opaque"]: lambda f: Opaque(str(_n(f, 1)[0])),
    EXT["tuple"]: tuple,
    EXT["authtoken"]: lambda f: AuthToken(**dict(zip(_TOKEN_FIELDS, f, strict=True))),
}


def _build(code: int, fields: list[Any]) -> object:
    """The structured value of ext ``code`` from its decoded ``fields``; ``ProtocolError`` when they do
    not fit (a well-formed frame of the wrong shape is as malformed as a truncated one)."""
    build = _BUILD.get(code)
    if build is None:
        raise ProtocolError(f"an unknown extension type {code}")
    try:
        return build(fields)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"a malformed value of extension type {code}") from exc


_PARAM_CODE: Final = EXT["param"]
_param_in: dict[bytes, object] = {}


def _unpacker(depth: int) -> Callable[[bytes | memoryview], Any]:
    """The decoder of a payload nested ``depth`` extension levels deep (its ext hook decodes the next)."""
    if depth > _MAX_DEPTH:
        def too_deep(data: bytes | memoryview) -> Any:
            raise ProtocolError("values nested too deeply")
        return too_deep
    inner = _unpacker(depth + 1)

    def ext_hook(code: int, payload: bytes) -> object:
        if code == _PARAM_CODE:
            kept = _param_in.get(payload)
            if kept is not None:
                return kept
        fields = inner(payload)
        if not isinstance(fields, list):
            raise ProtocolError(f"extension type {code} does not hold an array")
        built = _build(code, fields)
        if code == _PARAM_CODE and type(fields[1]) in (int, bool) and len(payload) <= 24:
            if len(_param_in) >= _PARAMS_KEPT:
                _param_in.clear()
            _param_in[payload] = built
        return built

    def unpack(data: bytes | memoryview) -> Any:
        try:
            return msgpack.unpackb(data, ext_hook=ext_hook, raw=False, strict_map_key=False, use_list=True)
        except ProtocolError:
            raise
        except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
            raise ProtocolError(f"a malformed payload ({type(exc).__name__})") from exc

    return unpack


_decode: Final = _unpacker(0)


def decode(payload: bytes | memoryview) -> Any:
    """The value of one frame payload. Raises ``ProtocolError`` for anything but exactly one well-formed
    MessagePack value of the types above (extra bytes, unknown extension types, bad UTF-8, depth)."""
    return _decode(payload)


def write_frame(sock: socket.socket, value: object) -> None:
    """Send ``value`` as one frame: one system call for a frame of up to 64 KiB (header and payload
    joined), the payload sent from where it lies for a larger one. Raises ``ProtocolError`` when it
    exceeds ``MAX_FRAME``, ``OSError`` when the peer is gone."""
    payload = encode(value)
    size = len(payload)
    if size > MAX_FRAME:
        raise ProtocolError(f"a frame of {size} bytes exceeds {MAX_FRAME}")
    if size <= _CHUNK:
        sock.sendall(_LEN.pack(size) + payload)
    else:
        sock.sendall(_LEN.pack(size))
        sock.sendall(payload)


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


class FrameReader:
    """The frames of one connection, read ahead: one ``recv`` usually holds a whole frame (header and
    payload), so a small frame costs one system call; bytes past the frame wait here for the next
    ``read``. Use one reader per socket, from one thread at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""

    def _timeout(self, seconds: float | None) -> None:
        if self.sock.gettimeout() != seconds:
            self.sock.settimeout(seconds)

    def read(self, *, idle: float | None, frame: float) -> Any:
        """As ``read_frame``: the next frame's value, ``EOF`` at a clean end of stream, ``ProtocolError``
        for a bad length, a truncated frame or a malformed payload, ``TimeoutError``, ``OSError``."""
        buf = self._buf
        if not buf:
            self._timeout(idle)
            buf = self.sock.recv(_CHUNK)
            if not buf:
                return _EOF
        while len(buf) < _LEN.size:
            self._timeout(frame)
            more = self.sock.recv(_CHUNK)
            if not more:
                raise ProtocolError("the peer closed inside a frame header")
            buf += more
        (length,) = _LEN.unpack_from(buf)
        if not 1 <= length <= MAX_FRAME:
            raise ProtocolError(f"a frame length of {length} (1..{MAX_FRAME} allowed)")
        end = _LEN.size + length
        if len(buf) < end:
            self._timeout(frame)
            rest = read_exact(self.sock.recv, end - len(buf))  # never past this frame
            if rest is None:
                raise ProtocolError(f"the peer closed after {len(buf)} of {end} bytes")
            buf += rest
        self._buf = buf[end:]
        return decode(memoryview(buf)[_LEN.size:end])


class _Eof:
    def __repr__(self) -> str:
        return "EOF"


#: What ``read_frame`` returns when the peer closed cleanly between frames.
_EOF: Final = _Eof()
EOF: Final = _EOF
