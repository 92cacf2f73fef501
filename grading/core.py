"""Compare a student's function with the reference on many inputs, and explain a failure.

A :class:`Spec` lists the inputs a function is checked on (:class:`Case`) and the wrong
answers students really write (:class:`Mistake`). :func:`check` runs the student's
function and the reference on every case; at the first difference it looks for the
catalogued mistake that reproduces the student's outputs and raises an
:class:`AssertionError` whose message names the check, the input shapes and the likely
misconception, never the hidden input values or the reference code.

Comparisons are done on Python floats from ``ndarray.tolist`` and the numpy snapshot of
:mod:`grading.guard`, so monkeypatching numpy in a notebook cannot fool them.
"""

import copy
import inspect
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

from grading import guard, reference

np = guard.clean_numpy()
ndarray = np.ndarray

# Float64 round-off of the short computations graded here is below 1e-14 relative; a real
# mistake changes values by far more than 1e-9, so this tolerance accepts every correct
# rewrite (loops, einsum, another stable formula) and rejects every wrong one.
RTOL = 1e-9
ATOL = 1e-12


@dataclass
class Case:
    """One call of the function under test: ``f(*args, **kwargs)``."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = "random inputs"
    raises: Optional[type] = None      # the function must raise this (e.g. ValueError)
    mentions: tuple = ()               # ... with a message containing each of these
    strict_fp: bool = False            # overflow, invalid value and division must not occur
    rtol: float = RTOL
    atol: float = ATOL


@dataclass
class Mistake:
    """A wrong answer students write: its source (as they would write it) and a hint."""

    name: str
    hint: str
    source: str


@dataclass
class Spec:
    """How one graded function is checked."""

    cases: Callable                    # cases(rng) -> iterable of Case
    mistakes: list = field(default_factory=list)
    # Graded by behaviour instead of by comparison with the reference (e.g. training):
    # behaviour(func) -> None if it behaves, else a message; deterministic for a given func.
    behaviour: Optional[Callable] = None
    seed: int = 0


@dataclass
class Outcome:
    value: object = None
    error: Optional[BaseException] = None
    modified: tuple = ()


class HiddenCheckFailed(AssertionError):
    """A hidden check failed; the message is written for the student."""


# ---------------------------------------------------------------------------------------
# Running a function on a case

def _copy(value):
    return value.copy() if isinstance(value, ndarray) else copy.deepcopy(value)


def _identical(a, b):
    if isinstance(a, ndarray) or isinstance(b, ndarray):
        return (isinstance(a, ndarray) and isinstance(b, ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and ndarray.tolist(a) == ndarray.tolist(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    return a == b if not callable(a) else a is b


def run(func, case, names):
    """Call ``func`` on copies of the case's inputs; note which inputs it modified."""
    originals = [_copy(a) for a in case.args]
    given = [_copy(a) for a in case.args]
    kwargs = {k: _copy(v) for k, v in case.kwargs.items()}
    outcome = Outcome()
    with warnings.catch_warnings():
        # Strict cases turn floating-point trouble into errors the verdict explains; other
        # cases judge the values only, and must not print warnings into the feedback.
        warnings.simplefilter("error" if case.strict_fp else "ignore")
        settings = dict(over="raise", invalid="raise", divide="raise", under="ignore") \
            if case.strict_fp else dict(all="ignore")
        try:
            with np.errstate(**settings):
                outcome.value = func(*given, **kwargs)
        except Exception as error:  # noqa: BLE001 - any error is reported to the student
            outcome.error = error
    outcome.modified = tuple(name for name, before, after in zip(names, originals, given)
                             if not _identical(before, after))
    return outcome


# ---------------------------------------------------------------------------------------
# Comparing a result with the expected one

def _is_number(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _shape(x):
    return tuple(x.shape) if isinstance(x, ndarray) else None


def _flat(x):
    values = ndarray.tolist(np.asarray(x, dtype=float))
    if not isinstance(values, list):
        return [values]
    out = []
    stack = [values]
    while stack:  # flatten nested lists without recursion, in order
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def _close(e, g, rtol, atol):
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(g - e) <= atol + rtol * abs(e)


def _shape_hint(expected, got):
    if got == (1,) + expected or got == expected + (1,):
        return " It has an extra axis of length 1: did you use keepdims=True, or [:, None]?"
    if len(got) == 2 and len(expected) == 2 and got == expected[::-1]:
        return " It is the transpose of the expected shape: check the order of a matrix product."
    if len(got) == 2 and got[0] == got[1] and len(expected) < 2:
        return (" A square result where a vector was expected usually means an (n,) array was "
                "broadcast against an (n, 1) array.")
    return ""


def compare(expected, got, what="the result", rtol=RTOL, atol=ATOL):
    """None if ``got`` matches ``expected``, else a sentence saying how it differs."""
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = type(got).__name__
            return (f"{what} should be a tuple of {len(expected)} values, "
                    f"but it is a {kind}" + (f" of length {len(got)}" if
                                             isinstance(got, (tuple, list)) else "") + ".")
        for i, (e, g) in enumerate(zip(expected, got)):
            message = compare(e, g, f"{what}[{i}]", rtol, atol)
            if message:
                return message
        return None
    if isinstance(expected, list):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"{what} should be a list of {len(expected)} arrays."
        for i, (e, g) in enumerate(zip(expected, got)):
            message = compare(e, g, f"{what}[{i}]", rtol, atol)
            if message:
                return message
        return None
    if _is_number(expected) or (isinstance(expected, ndarray) and expected.ndim == 0):
        if isinstance(got, ndarray) and got.ndim > 0:
            return (f"{what} should be a single number, but it is an array of shape {got.shape}. "
                    "Reduce it to a number (sum or mean over every axis, or .item()).")
        if not (_is_number(got) or isinstance(got, ndarray)):
            return f"{what} should be a number, but it is a {type(got).__name__}."
        e, g = float(expected), float(got)
        if math.isnan(g) and not math.isnan(e):
            return f"{what} is NaN where a finite number was expected."
        if not _close(e, g, rtol, atol):
            return f"{what} differs from the expected value ({_error(e, g)})."
        return None
    if isinstance(expected, ndarray):
        if isinstance(got, (list, tuple)):
            return (f"{what} is a Python {type(got).__name__}; return a NumPy array "
                    "(np.asarray) of shape " + f"{expected.shape}.")
        if not isinstance(got, ndarray):
            return (f"{what} should be a NumPy array of shape {expected.shape}, "
                    f"but it is a {type(got).__name__}.")
        if got.shape != expected.shape:
            return (f"{what} has shape {got.shape}; expected {expected.shape}."
                    + _shape_hint(expected.shape, got.shape))
        if expected.dtype.kind == "f" and got.dtype.kind == "b":
            return (f"{what} is an array of booleans; expected floats: convert it with "
                    ".astype(float).")
        if expected.dtype.kind == "f" and got.dtype.kind in "iu":
            return (f"{what} has integer dtype {got.dtype}; expected floats. Integer arrays "
                    "silently truncate: start from float arrays (e.g. np.zeros(shape)).")
        if got.dtype.kind not in "biuf":
            return f"{what} has dtype {got.dtype}; expected {expected.dtype}."
        e_flat, g_flat = _flat(expected), _flat(got)
        if any(math.isnan(g) for g in g_flat) and not any(math.isnan(e) for e in e_flat):
            return f"{what} contains NaN where finite values were expected."
        wrong = [i for i, (e, g) in enumerate(zip(e_flat, g_flat)) if not _close(e, g, rtol, atol)]
        if wrong:
            worst = max(wrong, key=lambda i: _rel(e_flat[i], g_flat[i]))
            index = tuple(int(i) for i in np.unravel_index(wrong[0], expected.shape))
            return (f"{what} has the right shape {expected.shape} but wrong values in "
                    f"{len(wrong)} of {len(e_flat)} entries (the first at index {index}; the worst: "
                    f"{_error(e_flat[worst], g_flat[worst])}).")
        return None
    if expected is None:
        return None if got is None else f"{what} should be None."
    return None if expected == got else f"{what} is not what was expected."


def _rel(e, g):
    if math.isnan(g) or math.isnan(e):
        return math.inf
    return abs(g - e) / max(abs(e), 1e-300)


def _error(e, g):
    """How far g is from e, in words, without giving either value away."""
    if math.isnan(g) or math.isinf(g):
        return f"got {g} where a finite number was expected"
    if e == 0:
        return f"off by {abs(g):.2g} where 0 was expected"
    return f"relative error {_rel(e, g):.2g}"


# ---------------------------------------------------------------------------------------
# Checking and diagnosing

def describe(case, names):
    """'X (4, 3), W (3, 2), b (2,)': shapes only, never values."""
    parts = []
    for name, value in zip(names, case.args):
        if isinstance(value, ndarray):
            parts.append(f"{name} of shape {value.shape}")
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], ndarray):
            parts.append(f"{name}: {len(value)} array{'s' if len(value) > 1 else ''} of shape"
                         f"{'s' if len(value) > 1 else ''} " + ", ".join(str(v.shape) for v in value))
        elif callable(value):
            parts.append(f"{name} a function")
        elif _is_number(value):
            parts.append(f"{name} a number")
    return ", ".join(parts)


def verdict(case, outcome, expected, names):
    """None if the outcome is right for the case, else a message."""
    if outcome.modified:
        which = ", ".join(outcome.modified)
        return (f"it modified its input {which} in place. Inputs must stay unchanged: "
                f"work on a copy ({outcome.modified[0]} = {outcome.modified[0]}.copy()) "
                "or use operations that return new arrays (x = x - y, not x -= y).")
    if case.raises is not None:
        if outcome.error is None:
            return f"it should raise {case.raises.__name__}, but it returned without an error."
        if not isinstance(outcome.error, case.raises):
            return (f"it should raise {case.raises.__name__}, but it raised "
                    f"{type(outcome.error).__name__}: {outcome.error}")
        missing = [m for m in case.mentions if m not in str(outcome.error)]
        if missing:
            return (f"it raised {case.raises.__name__} as it should, but the message "
                    f"{str(outcome.error)!r} does not name the shapes involved "
                    f"({', '.join(missing)}).")
        return None
    if outcome.error is not None:
        if isinstance(outcome.error, (FloatingPointError, RuntimeWarning)):
            return (f"it triggered a floating-point problem: {outcome.error}. The result must be "
                    "computed without overflow, invalid values or division by zero.")
        return f"it raised {type(outcome.error).__name__}: {outcome.error}"
    return compare(expected.value, outcome.value, "the result", case.rtol, case.atol)


def _same(a, b, case):
    if (a.error is None) != (b.error is None) or a.modified != b.modified:
        return False
    if a.error is not None:
        named = [[m in str(outcome.error) for m in case.mentions] for outcome in (a, b)]
        return type(a.error) is type(b.error) and named[0] == named[1]
    try:
        return compare(a.value, b.value, rtol=case.rtol, atol=case.atol) is None
    except Exception:  # noqa: BLE001 - an odd value simply does not match
        return False


def mistake_function(assignment, name, mistake):
    """Build a catalogued wrong answer, with the reference's helpers available."""
    ns = dict(reference.namespace(assignment))
    exec(compile(mistake.source, f"<mistake {name}: {mistake.name}>", "exec"), ns)
    return ns[name]


def diagnose(assignment, name, spec, cases, outcomes, names):
    """The hint of the catalogued mistake that reproduces the student's outcomes, if any."""
    for mistake in spec.mistakes:
        wrong = mistake_function(assignment, name, mistake)
        if all(_same(run(wrong, case, names), outcome, case)
               for case, outcome in zip(cases, outcomes)):
            return mistake.hint
    return None


def check(assignment, name, func, spec):
    """Run every hidden check of ``spec`` on ``func``; raise HiddenCheckFailed on the first failure."""
    tampered = guard.restore()
    note = ""
    if tampered:
        note = ("\nNote: your notebook replaced " + ", ".join(tampered[:5])
                + (" and more" if len(tampered) > 5 else "")
                + "; the grader put the originals back and judged your function with them.")
    if not callable(func):
        raise HiddenCheckFailed(f"{name} is not a function (it is a {type(func).__name__}).")
    ref = reference.function(assignment, name)
    names = list(inspect.signature(ref).parameters)
    if spec.behaviour is not None:
        try:
            message = spec.behaviour(func)
        except Exception as error:  # noqa: BLE001 - the student's code raised
            message = f"it raised {type(error).__name__}: {error}"
        if message:
            # The catalogued mistake whose behaviour fails the same way explains it.
            hint = next((m.hint for m in spec.mistakes
                         if spec.behaviour(mistake_function(assignment, name, m)) == message),
                        None)
            text = f"{name} failed a hidden check: {message}"
            if hint:
                text += f"\nLikely cause: {hint}"
            raise HiddenCheckFailed(text + note)
        print(f"{name}: every hidden behaviour check passed.")
        return
    rng = np.random.default_rng(spec.seed)
    cases = list(spec.cases(rng))
    outcomes = [run(func, case, names) for case in cases]
    for case, outcome in zip(cases, outcomes):
        expected = run(ref, case, names)
        message = verdict(case, outcome, expected, names)
        if message:
            hint = diagnose(assignment, name, spec, cases, outcomes, names)
            text = (f"{name} failed a hidden check ({case.label}; {describe(case, names)}): "
                    f"{message}")
            if hint:
                text += f"\nLikely cause: {hint}"
            raise HiddenCheckFailed(text + note)
    print(f"{name}: all {len(cases)} hidden checks passed.")
