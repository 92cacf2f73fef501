"""Plain data across the trust boundary: JSON lines, NumPy arrays as dtype, shape and bytes.

Used on both sides: the sandboxed runner (:mod:`grading.runner`) encodes what the student's
code produced, and the trusted grader decodes it. Decoding never unpickles and never calls
anything: it yields only ``None``, ``bool``, ``int``, ``float``, ``str``, lists, tuples,
NumPy arrays of numeric or boolean dtype (rebuilt with ``np.frombuffer`` from their raw bytes,
after checking that the dtype is a plain number type and the size matches), NumPy scalars,
and :class:`Opaque` placeholders naming the type of anything else. A message that
is too large, too deep or malformed raises :class:`WireError`.

This module imports only the standard library and NumPy, because it is also bound, read-only,
into the sandbox.
"""

import base64
import json
import math

import numpy as np

MAX_LINE = 256 * 2**20       # bytes in one message
MAX_DEPTH = 32               # nesting of lists and tuples
MAX_TEXT = 2000              # characters kept of a string (error messages and the like)
NUMERIC_KINDS = "biufc"


class WireError(ValueError):
    """A message from the other side is not well-formed plain data."""


class Opaque:
    """Stands for a value of a type that does not cross the boundary (its type name only)."""

    def __init__(self, type_name):
        self.type_name = str(type_name)[:200]

    def __repr__(self):
        return f"<{self.type_name}>"

    def __eq__(self, other):
        return isinstance(other, Opaque) and other.type_name == self.type_name


def _raw(array):
    """``[dtype, shape, base64 bytes]``: the array's data in C order, nothing executable."""
    array = np.asarray(array, order="C")  # keeps 0-d arrays 0-d, unlike ascontiguousarray
    return [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode("ascii")]


def _from_raw(item):
    try:
        dtype_text, shape, text = item
        dtype = np.dtype(dtype_text)
        if (dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype
                or not isinstance(shape, list) or len(shape) > 32
                or not all(type(n) is int and 0 <= n for n in shape)):
            raise WireError(f"array of dtype {dtype_text!r} and shape {shape!r} is not plain data")
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        count = math.prod(shape)
        if count * dtype.itemsize != len(raw):
            raise WireError("array data does not match its shape")
        return np.frombuffer(raw, dtype=dtype, count=count).reshape(shape).copy()
    except WireError:
        raise
    except Exception as error:  # noqa: BLE001 - anything malformed is a WireError
        raise WireError(f"not an array: {error}") from None


def encode(value, callables=None, depth=0):
    """A JSON-ready tree for ``value``; functions become ``{"fn": k}`` when ``callables``
    (a list) is given, and are appended to it; anything else unknown becomes ``{"obj": type}``."""
    if depth > MAX_DEPTH:
        return {"obj": "structure nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else value[:MAX_TEXT]
    if type(value) is int:
        return value if abs(value) < 2**53 else float(value)
    if type(value) is float:
        return value if math.isfinite(value) else {"f": repr(value)}
    if isinstance(value, np.ndarray):
        # np.asarray drops any subclass: what is sent is the data the array really holds.
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            return {"obj": f"ndarray of dtype {array.dtype}"}
        return {"nd": _raw(array)}
    if isinstance(value, np.generic):
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            return {"obj": type(value).__name__}
        return {"np": _raw(array)}
    if isinstance(value, (int, float)):  # subclasses of int and float: their plain value
        return encode(float(value) if isinstance(value, float) else int(value), callables, depth)
    if isinstance(value, tuple):
        return {"t": [encode(v, callables, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, callables, depth + 1) for v in value]
    if callables is not None and callable(value):
        callables.append(value)
        return {"fn": len(callables) - 1}
    return {"obj": type(value).__name__}


def cost(data):
    """Bytes that the values of JSON text (``bytes``) take once decoded, or more: its text,
    and 72 bytes for each JSON value in it (a number, a string, an empty list: 24 to 64 bytes
    as a Python object, with its slot in a list), of which there is at most one per comma or
    opening bracket, plus one. Array data (base64 text) has neither: it costs its bytes.
    (Measured: the decoded values take 0.1 to 0.8 times the cost; parsing and decoding, at
    most 3 times.) The sandbox bounds the evaluator's messages by it, and grading/repair.py
    a submitted file."""
    return len(data) + 72 * (data.count(b",") + data.count(b"[") + data.count(b"{") + 1)


def decode(tree, depth=0, proxy=None):
    """The value a tree from :func:`encode` stands for; ``proxy(k)`` makes ``{"fn": k}``."""
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if type(tree) is int and abs(tree) >= 2**53:
        # encode() sends such integers as floats: only a tampered channel sends one, and no
        # float can hold 10**400 (an OverflowError on the trusted side).
        raise WireError("an integer too large for a float")
    if tree is None or isinstance(tree, (bool, int, float)):
        return tree
    if isinstance(tree, str):
        return tree[:MAX_TEXT]
    if isinstance(tree, list):
        return [decode(v, depth + 1, proxy) for v in tree]
    if isinstance(tree, dict) and len(tree) == 1:
        (key, item), = tree.items()
        if key == "f" and item in ("nan", "inf", "-inf"):
            return float(item)
        if key == "nd" and isinstance(item, list):
            return _from_raw(item)
        if key == "np" and isinstance(item, list):
            array = _from_raw(item)
            if array.ndim != 0:
                raise WireError("a NumPy scalar must have 0 dimensions")
            return array[()]
        if key == "t" and isinstance(item, list):
            return tuple(decode(v, depth + 1, proxy) for v in item)
        if key == "obj" and isinstance(item, str):
            return Opaque(item)
        if key == "fn" and type(item) is int and proxy is not None:
            return proxy(item)
    raise WireError(f"not plain data: {str(tree)[:80]}")


def error_tree(error):
    """An exception as plain data: the names of its classes (most derived first) and message."""
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - a student's exception whose __str__ fails
        message = "(message could not be read)"
    names = [cls.__name__ for cls in type(error).__mro__ if cls is not object]
    return {"types": names[:20], "message": message[:MAX_TEXT]}


def decode_error(tree):
    """``(type names, message)`` from :func:`error_tree` output; WireError if malformed."""
    if (isinstance(tree, dict) and isinstance(tree.get("types"), list) and tree["types"]
            and all(isinstance(t, str) for t in tree["types"])
            and isinstance(tree.get("message"), str)):
        return tuple(t[:100] for t in tree["types"][:20]), tree["message"][:MAX_TEXT]
    raise WireError("malformed error")


def dumps(message):
    """One message as a line of bytes."""
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8") + b"\n"


def loads(line):
    """A message (a dict) from one line of bytes; WireError if it is not one."""
    if len(line) > MAX_LINE:
        raise WireError("message too large")
    try:
        message = json.loads(line)
    except (ValueError, RecursionError, MemoryError) as error:  # deep nesting: RecursionError
        raise WireError(f"not JSON: {str(error)[:200]}") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise WireError("a message must be an object with an 'op'")
    return message
