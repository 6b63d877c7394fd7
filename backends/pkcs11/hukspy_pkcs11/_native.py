"""What python-pkcs11 does not offer, through ctypes on the same loaded module.

1. **Thread safety** (backends.md §0.1): python-pkcs11 calls ``C_Initialize(NULL)``, which makes SoftHSM2
   disable its mutexes, and releases the GIL around every call: two threads with their own sessions
   crash. ``load`` therefore finalizes the module once, right after python-pkcs11 loaded it, and
   initializes it again with ``CKF_OS_LOCKING_OK``, through **the function list python-pkcs11 itself
   calls** (read from its ``lib`` object). A module may hand out a new instance at every
   ``C_GetFunctionList`` call (p11-kit-client does: one RPC connection per instance), so a list of our
   own could be another, uninitialised instance whose sessions are not python-pkcs11's
   (docs/fleet.md). A module that refuses OS locking (``CKR_CANT_LOCK``) is initialised again as
   python-pkcs11 had it. Done once per module per process.
2. **Streaming multi-part operations**: python-pkcs11 runs multi-part operations only as generators
   that hold the session's lock and consume their whole input before a signature's final call. The
   backend streams large inputs through ``C_{Encrypt,Decrypt,Sign}{Init,Update,Final}`` here instead,
   on a session it owns for the duration of the operation.

Raw return codes become ``CkrError`` (the CKR code in ``.ckr``); ``hukspy_pkcs11.errors`` maps them.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import pkcs11
from pkcs11.exceptions import PKCS11Error

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as pkcs11_lib

__all__ = [
    "CKF_OS_LOCKING_OK", "CkrError", "Module", "Param", "bytes_param", "ctr_param", "gcm_param", "load",
    "oaep_param", "pss_param",
]

CK_RV = ctypes.c_ulong
CK_ULONG = ctypes.c_ulong
CKF_OS_LOCKING_OK: Final = 0x00000002
CKR_OK: Final = 0
CKR_CRYPTOKI_NOT_INITIALIZED: Final = 0x190
CKR_BUFFER_TOO_SMALL: Final = 0x150
CKR_CANT_LOCK: Final = 0x0A


@dataclass(frozen=True)
class Param:
    """A mechanism parameter: the ctypes ``struct`` and the buffers it points into (kept alive)."""

    struct: ctypes.Structure | ctypes.Array[ctypes.c_char]
    keep: tuple[object, ...] = ()


class _GcmParams(ctypes.Structure):
    _fields_ = (
        ("pIv", ctypes.c_void_p), ("ulIvLen", ctypes.c_ulong), ("ulIvBits", ctypes.c_ulong),
        ("pAAD", ctypes.c_void_p), ("ulAADLen", ctypes.c_ulong), ("ulTagBits", ctypes.c_ulong),
    )


class _CtrParams(ctypes.Structure):
    _fields_ = (("ulCounterBits", ctypes.c_ulong), ("cb", ctypes.c_ubyte * 16))


class _PssParams(ctypes.Structure):
    _fields_ = (("hashAlg", ctypes.c_ulong), ("mgf", ctypes.c_ulong), ("sLen", ctypes.c_ulong))


class _OaepParams(ctypes.Structure):
    _fields_ = (
        ("hashAlg", ctypes.c_ulong), ("mgf", ctypes.c_ulong), ("source", ctypes.c_ulong),
        ("pSourceData", ctypes.c_void_p), ("ulSourceDataLen", ctypes.c_ulong),
    )


def _buf(data: bytes) -> tuple[ctypes.Array[ctypes.c_char], int | None]:
    buf = ctypes.create_string_buffer(data, max(len(data), 1))
    return buf, ctypes.addressof(buf) if data else None


def bytes_param(data: bytes) -> Param:
    """A parameter that is a plain byte string (an IV)."""
    return Param(ctypes.create_string_buffer(data, len(data)))


def gcm_param(iv: bytes, aad: bytes, tag_bits: int) -> Param:
    """``CK_GCM_PARAMS`` (PKCS#11 v2.40 layout, as SoftHSM2 2.6 reads it)."""
    ivb, ivp = _buf(iv)
    aadb, aadp = _buf(aad)
    return Param(_GcmParams(ivp, len(iv), len(iv) * 8, aadp, len(aad), tag_bits), (ivb, aadb))


def ctr_param(counter_block: bytes, counter_bits: int = 128) -> Param:
    """``CK_AES_CTR_PARAMS``: the whole 16-byte block is the counter, as in HUKS/OpenSSL."""
    return Param(_CtrParams(counter_bits, (ctypes.c_ubyte * 16)(*counter_block)))


def pss_param(hash_mech: int, mgf: int, salt_len: int) -> Param:
    """``CK_RSA_PKCS_PSS_PARAMS``."""
    return Param(_PssParams(hash_mech, mgf, salt_len))


def oaep_param(hash_mech: int, mgf: int) -> Param:
    """``CK_RSA_PKCS_OAEP_PARAMS`` with an empty label."""
    return Param(_OaepParams(hash_mech, mgf, 1, None, 0))


class CkrError(PKCS11Error):
    """A raw CKR code returned by a call made through ctypes (``.ckr``)."""

    def __init__(self, ckr: int, call: str) -> None:
        super().__init__(f"{call} returned CKR 0x{ckr:x}")
        self.ckr = ckr


class _InitArgs(ctypes.Structure):
    _fields_ = (
        ("CreateMutex", ctypes.c_void_p),
        ("DestroyMutex", ctypes.c_void_p),
        ("LockMutex", ctypes.c_void_p),
        ("UnlockMutex", ctypes.c_void_p),
        ("flags", CK_ULONG),
        ("pReserved", ctypes.c_void_p),
    )


class _Attribute(ctypes.Structure):
    _fields_ = (("type", CK_ULONG), ("pValue", ctypes.c_void_p), ("ulValueLen", CK_ULONG))


class _Mechanism(ctypes.Structure):
    _fields_ = (("mechanism", CK_ULONG), ("pParameter", ctypes.c_void_p), ("ulParameterLen", CK_ULONG))


_F = ctypes.CFUNCTYPE
_P = ctypes.c_void_p
# CK_FUNCTION_LIST up to C_VerifyFinal, in the order of the PKCS#11 v2.40 header (pkcs11f.h).
_FUNCTIONS: Final[tuple[tuple[str, Any], ...]] = (
    ("C_Initialize", _F(CK_RV, _P)),
    ("C_Finalize", _F(CK_RV, _P)),
    *((name, _P) for name in (
        "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo", "C_GetTokenInfo",
        "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN", "C_OpenSession",
        "C_CloseSession", "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState",
        "C_SetOperationState", "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
        "C_GetObjectSize",
    )),
    ("C_GetAttributeValue", _F(CK_RV, CK_ULONG, CK_ULONG, _P, CK_ULONG)),
    *((name, _P) for name in (
        "C_SetAttributeValue", "C_FindObjectsInit",
        "C_FindObjects", "C_FindObjectsFinal",
    )),
    ("C_EncryptInit", _F(CK_RV, CK_ULONG, ctypes.POINTER(_Mechanism), CK_ULONG)),
    ("C_Encrypt", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_EncryptUpdate", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_EncryptFinal", _F(CK_RV, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_DecryptInit", _F(CK_RV, CK_ULONG, ctypes.POINTER(_Mechanism), CK_ULONG)),
    ("C_Decrypt", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_DecryptUpdate", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_DecryptFinal", _F(CK_RV, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    *((name, _P) for name in ("C_DigestInit", "C_Digest", "C_DigestUpdate", "C_DigestKey", "C_DigestFinal")),
    ("C_SignInit", _F(CK_RV, CK_ULONG, ctypes.POINTER(_Mechanism), CK_ULONG)),
    ("C_Sign", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_SignUpdate", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG)),
    ("C_SignFinal", _F(CK_RV, CK_ULONG, _P, ctypes.POINTER(CK_ULONG))),
    ("C_SignRecoverInit", _P),
    ("C_SignRecover", _P),
    ("C_VerifyInit", _F(CK_RV, CK_ULONG, ctypes.POINTER(_Mechanism), CK_ULONG)),
    ("C_Verify", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG, ctypes.c_char_p, CK_ULONG)),
    ("C_VerifyUpdate", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG)),
    ("C_VerifyFinal", _F(CK_RV, CK_ULONG, ctypes.c_char_p, CK_ULONG)),
)


class _Version(ctypes.Structure):
    _fields_ = (("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte))


class _FunctionList(ctypes.Structure):
    _fields_ = (("version", _Version), *_FUNCTIONS)


def _check(rv: int, call: str) -> None:
    if rv != CKR_OK:
        raise CkrError(rv, call)


def _output(fn: Any, call: str, args: tuple[Any, ...], out_max: int) -> bytes:
    """``fn(*args, out, &len)`` with an output buffer of ``out_max`` bytes, again with the size the module
    asks for on ``CKR_BUFFER_TOO_SMALL``. Never a size query (a NULL or empty buffer): p11-kit's RPC
    sends a zero length as a size query, so a final call with an empty buffer would leave the
    operation active on the remote module (docs/fleet.md). Raises ``CkrError``."""
    size = max(out_max, 1)
    out, out_len = ctypes.create_string_buffer(size), CK_ULONG(size)
    rv = fn(*args, out, ctypes.byref(out_len))
    if rv == CKR_BUFFER_TOO_SMALL:
        size = max(out_len.value, 1)
        out, out_len = ctypes.create_string_buffer(size), CK_ULONG(size)
        rv = fn(*args, out, ctypes.byref(out_len))
    _check(rv, call)
    return out.raw[: out_len.value]


@dataclass(frozen=True)
class Module:
    """A loaded, thread-safe PKCS#11 module: python-pkcs11's ``lib`` and the raw function list."""

    path: str
    lib: pkcs11_lib
    _fl: _FunctionList
    _keepalive: ctypes.CDLL

    def rescan(self) -> None:
        """``C_Finalize`` then ``C_Initialize`` (OS locking) again, so the module reads its token list
        anew. It closes every session of the module in this process: call it only while none is open.
        Raises ``CkrError``."""
        with _modules_lock:
            _reinitialize(self._fl)

    # ---- multi-part operations on a session handle (the caller owns the session) ----

    def op_init(self, kind: str, session: int, mechanism: int, param: Param | None, key: int) -> None:
        """``C_{kind}Init`` (Encrypt/Decrypt/Sign/Verify) with ``mechanism`` and its parameter."""
        if param is None:
            mech = _Mechanism(mechanism, None, 0)
        else:
            mech = _Mechanism(mechanism, ctypes.cast(ctypes.pointer(param.struct), ctypes.c_void_p),
                              ctypes.sizeof(param.struct))
        _check(getattr(self._fl, f"C_{kind}Init")(session, ctypes.byref(mech), key), f"C_{kind}Init")

    def one_shot(self, kind: str, session: int, data: bytes, out_max: int) -> bytes:
        """Single-part ``C_Encrypt``/``C_Decrypt``/``C_Sign`` with an output buffer of ``out_max``."""
        return _output(getattr(self._fl, f"C_{kind}"), f"C_{kind}", (session, data, len(data)), out_max)

    def object_value(self, session: int, handle: int, max_len: int) -> bytes | None:
        """CKA_VALUE of object ``handle`` if it is at most ``max_len`` bytes; None when the handle is no
        longer valid (the object was destroyed) or the value is longer."""
        buf = ctypes.create_string_buffer(max(max_len, 1))
        attr = _Attribute(0x11, ctypes.cast(buf, ctypes.c_void_p), max_len)  # CKA_VALUE
        rv = self._fl.C_GetAttributeValue(session, handle, ctypes.byref(attr), 1)
        if rv in (0x82, 0x60, CKR_BUFFER_TOO_SMALL) or attr.ulValueLen > max_len:  # handle gone / longer
            return None
        _check(rv, "C_GetAttributeValue")
        return buf.raw[: attr.ulValueLen]

    def verify(self, session: int, data: bytes, signature: bytes) -> None:
        """Single-part ``C_Verify``; a bad signature raises ``CkrError``."""
        _check(self._fl.C_Verify(session, data, len(data), signature, len(signature)), "C_Verify")

    def crypt_update(self, kind: str, session: int, data: bytes) -> bytes:
        """``C_{Encrypt,Decrypt}Update``: the output for ``data`` (maybe empty)."""
        fn = getattr(self._fl, f"C_{kind}Update")
        out_len = CK_ULONG(len(data) + 64)
        out = ctypes.create_string_buffer(out_len.value)
        _check(fn(session, data, len(data), out, ctypes.byref(out_len)), f"C_{kind}Update")
        return out.raw[: out_len.value]

    def crypt_final(self, kind: str, session: int) -> bytes:
        """``C_{Encrypt,Decrypt}Final``: the last output (maybe empty)."""
        return _output(getattr(self._fl, f"C_{kind}Final"), f"C_{kind}Final", (session,), 64)

    def sign_update(self, kind: str, session: int, data: bytes) -> None:
        """``C_{Sign,Verify}Update``."""
        _check(getattr(self._fl, f"C_{kind}Update")(session, data, len(data)), f"C_{kind}Update")

    def sign_final(self, session: int) -> bytes:
        """``C_SignFinal``: the signature or MAC."""
        return _output(self._fl.C_SignFinal, "C_SignFinal", (session,), 512)

    def verify_final(self, session: int, signature: bytes) -> None:
        """``C_VerifyFinal``; a bad signature raises ``CkrError`` (CKR_SIGNATURE_INVALID)."""
        _check(self._fl.C_VerifyFinal(session, signature, len(signature)), "C_VerifyFinal")

    def cancel(self, kind: str, session: int) -> None:
        """End an active multi-part operation the PKCS#11 2.x way (a final call whose result is ignored)."""
        try:
            if kind in ("Encrypt", "Decrypt"):
                self.crypt_final(kind, session)
            elif kind == "Sign":
                self.sign_final(session)
            else:
                self.verify_final(session, b"\0")
        except CkrError:
            pass


_modules: dict[str, Module] = {}
_modules_lock = threading.Lock()


def _function_list(lib: pkcs11_lib, path: str) -> _FunctionList:
    """The ``CK_FUNCTION_LIST`` python-pkcs11's ``lib`` calls, so that raw calls reach the same module
    instance and sessions.

    python-pkcs11 0.10 keeps it as the first field of its ``HasFuncList`` base (after the object
    header), a layout checked here from the types' sizes; with another layout, the module's
    ``C_GetFunctionList`` is asked, and a list that is not the initialised one python-pkcs11 holds (a
    module handing out one instance per call) is refused. Raises ``CkrError``.
    """
    from pkcs11 import _pkcs11

    base = getattr(_pkcs11, "HasFuncList", None)
    ptr_size = ctypes.sizeof(ctypes.c_void_p)
    if (base is not None and isinstance(lib, base)
            and base.__basicsize__ == object.__basicsize__ + 3 * ptr_size):
        address = ctypes.c_void_p.from_address(id(lib) + object.__basicsize__).value
        if address:
            return ctypes.cast(address, ctypes.POINTER(_FunctionList)).contents
    handle = ctypes.CDLL(path)  # the same handle python-pkcs11 holds (dlopen reference counting)
    get_list = handle.C_GetFunctionList
    get_list.restype = CK_RV
    get_list.argtypes = (ctypes.POINTER(ctypes.POINTER(_FunctionList)),)
    fl_ptr = ctypes.POINTER(_FunctionList)()
    _check(get_list(ctypes.byref(fl_ptr)), "C_GetFunctionList")
    fl = fl_ptr.contents
    get_slots = ctypes.CFUNCTYPE(CK_RV, ctypes.c_ubyte, ctypes.c_void_p, ctypes.POINTER(CK_ULONG))(
        fl.C_GetSlotList)
    count = CK_ULONG(0)
    _check(get_slots(0, None, ctypes.byref(count)), "C_GetSlotList")  # 0x190: not python-pkcs11's
    return fl


def _reinitialize(fl: _FunctionList) -> None:
    """``C_Finalize``, then ``C_Initialize`` with OS locking, or without arguments when the module
    cannot lock (``CKR_CANT_LOCK``), as python-pkcs11 had it. Raises ``CkrError``."""
    _check(fl.C_Finalize(None), "C_Finalize")
    args = _InitArgs(None, None, None, None, CKF_OS_LOCKING_OK, None)
    rv = fl.C_Initialize(ctypes.byref(args))
    if rv == CKR_CANT_LOCK:
        rv = fl.C_Initialize(None)
    _check(rv, "C_Initialize")


def load(path: str) -> Module:
    """Load the PKCS#11 module at ``path`` once per process, initialized with OS locking where the
    module accepts it (see the module docstring; docs/fleet.md for remote modules).

    Raises python-pkcs11's errors or ``CkrError`` when the module cannot be loaded or initialized
    (the backend turns them into 12000012), ``OSError`` when ``path`` is not a loadable library.
    """
    with _modules_lock:
        module = _modules.get(path)
        if module is not None:
            return module
        lib = pkcs11.lib(path)
        fl = _function_list(lib, path)
        _reinitialize(fl)
        module = Module(path, lib, fl, ctypes.CDLL(path))
        _modules[path] = module
        return module
