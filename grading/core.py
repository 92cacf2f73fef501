"""Judge a student's function by the values it produced (TRUSTED SIDE; never runs student code).

A :class:`Spec` lists the inputs a function is checked on (:class:`Case`) and the wrong
answers students really write (:class:`Mistake`). :func:`judge` has the student's function
called on every case in a sandboxed evaluator (:func:`grading.sandbox.evaluate`), which sends
back only values; it calls the reference answer (read from ``solutions/``) on the same inputs
here, compares, and at the first difference looks for the catalogued mistake that reproduces
the student's values. The verdict is a message that names the check, the input shapes and the
likely misconception, never the hidden input values or the reference code.

Nothing here imports or executes a submission: the reference answers, the catalogued mistakes
and the lent helpers are the course's own code.
"""

import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from grading import reference, runner, sandbox, wire

ndarray = np.ndarray

# Float64 round-off of the short computations graded here is below 1e-14 relative; a real
# mistake changes values by far more than 1e-9, so this tolerance accepts every correct
# rewrite (loops, einsum, another stable formula) and rejects every wrong one.
VISIBLE = "an input of the visible tests"  # the label of hidden cases the test cells also try
RTOL = 1e-9
ATOL = 1e-12


@dataclass
class Case:
    """One call of the function under test: ``f(*args, **kwargs)``.

    ``judge(value)`` -> None or a message, if given, replaces the comparison with the
    reference (for results with no single right value, such as a trained network).
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = "random inputs"
    raises: Optional[type] = None      # the function must raise this (e.g. ValueError)
    mentions: tuple = ()               # ... with a message containing each of these
    strict_fp: bool = False            # overflow, invalid value and division must not occur
    rtol: float = RTOL
    atol: float = ATOL
    judge: Optional[Callable] = None
    public_helpers: bool = False       # run with the spec's public_helpers, in the sandbox


@dataclass
class Mistake:
    """A wrong answer students write: its source (as they would write it) and a hint.

    ``visible``, for a mistake the exercise's instructions warn about, is (part of) the
    message with which the notebook's visible tests must catch it; tests/ prove they do.
    """

    name: str
    hint: str
    source: str
    visible: str = ""


@dataclass
class Spec:
    """How one graded function is checked.

    ``helpers`` names other graded functions of the notebook that this one calls: they are
    lent from the reference, so one bug costs points once. ``driver`` is source code defining
    ``drive(*args)``, run after the student's cells and called instead of the function.
    ``after(cases, outcomes)`` -> None or a message checks across cases once all passed.

    ``public_helpers`` is source code defining the ``helpers`` from the book's published code
    (never from ``solutions/``). A case with ``public_helpers=True`` calls those inside the
    sandbox instead of the lent reference: correct too, and without a round trip per call,
    for a case that calls them thousands of times; their calls are not recorded.
    """

    cases: Callable                    # cases(rng) -> iterable of Case
    mistakes: list = field(default_factory=list)
    seed: int = 0
    helpers: tuple = ()
    driver: Optional[str] = None
    after: Optional[Callable] = None
    public_helpers: Optional[str] = None


@dataclass
class Outcome:
    """What one call produced, as plain values."""

    value: object = None
    error: Optional[tuple] = None      # (type names, most derived first; message)
    modified: tuple = ()
    seconds: float = 0.0
    calls: list = field(default_factory=list)  # (helper name, args, result) of each helper call


# ---------------------------------------------------------------------------------------
# Outcomes

def _identical(before, after):
    """True if an input is unchanged by a call (functions and placeholders always are)."""
    if isinstance(before, ndarray) or isinstance(after, ndarray):
        return (isinstance(before, ndarray) and isinstance(after, ndarray)
                and before.shape == after.shape and before.dtype == after.dtype
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        return len(before) == len(after) and all(_identical(x, y) for x, y in zip(before, after))
    if callable(before) or isinstance(after, wire.Opaque):
        return True
    return before == after or (before != before and after != after)  # NaN stays NaN


def _plain(value):
    """The value as it would arrive from the sandbox (so both sides compare alike)."""
    return wire.decode(wire.encode(value))


def _outcome(result, case, names):
    """An Outcome from what the evaluator sent back for one case."""
    originals = _plain(list(case.args))
    modified = tuple(name for name, before, after in zip(names, originals, result.args_after or [])
                     if not _identical(before, after))
    return Outcome(value=result.value, error=result.error, modified=modified,
                   seconds=result.seconds, calls=result.calls)


class Spy:
    """Records the calls of lent helpers, as the sandbox does for a student's function."""

    def __init__(self):
        self.calls = []

    def wrap(self, name, func):
        def spy(*args, **kwargs):
            result = func(*args, **kwargs)
            self.calls.append((name, list(args), result))
            return result
        return spy


def run_local(func, case, names, spy=None):
    """Call one of the course's own functions (reference, mistake) on a case, here."""
    args = [v.copy() if isinstance(v, ndarray) else _copy(v) for v in case.args]
    kwargs = {k: _copy(v) for k, v in case.kwargs.items()}
    if spy is not None:
        spy.calls = []
    result = runner.call(func, args, kwargs, case.strict_fp)
    error = result.get("error")
    return _outcome(sandbox.Result(
        value=None if error is not None else _plain(result["value"]),
        error=None if error is None else wire.decode_error(wire.error_tree(error)),
        args_after=_plain(args), seconds=result["seconds"],
        calls=spy.calls if spy is not None else []), case, names)


def _copy(value):
    if isinstance(value, ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


# ---------------------------------------------------------------------------------------
# Comparing a result with the expected one

def _is_number(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


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
            kind = _kind(got)
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
            return f"{what} should be a number, but it is a {_kind(got)}."
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
                    f"but it is a {_kind(got)}.")
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
    return f"off by {_rel(e, g):.2g} times the size of the expected value"


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
            parts.append(f"{name} is a function")
        elif _is_number(value):
            parts.append(f"{name} is a number")
    return ", ".join(parts)


FLOAT32_HINT = ("every value is within about 1e-7 relative of the expected one, which is the "
                "precision of float32 arithmetic, not of float64: somewhere your computation "
                "goes through float32 (np.float32, dtype=np.float32, or an array made from "
                "float32 data) before the result is cast back. Compute in float64 throughout.")


def _float32_sized(expected, got):
    """True if got differs from expected only by what float32 rounding would leave:
    every relative error below 1e-5, the worst between 1e-8 and 1e-5."""
    try:
        e = np.asarray(expected, dtype=float).ravel()
        g = np.asarray(got, dtype=float).ravel()
    except (TypeError, ValueError):
        return False
    if e.shape != g.shape or e.size == 0 or not (np.all(np.isfinite(e)) and np.all(np.isfinite(g))):
        return False
    scale = np.maximum(np.abs(e), np.max(np.abs(e)) * 1e-3 + 1e-300)
    worst = float(np.max(np.abs(g - e) / scale))
    return 1e-8 <= worst <= 1e-5


def _kind(value):
    return value.type_name if isinstance(value, wire.Opaque) else type(value).__name__


SHOWN = 200  # characters of a student's error message that feedback repeats


def _shown(message):
    """An error message as feedback repeats it: at most SHOWN characters. A message is the
    one channel from the evaluator to the student, and the student's code there can call the
    lent reference functions on the hidden inputs: a long message could carry their answers
    out, to be replayed in a resubmission (README, threat model)."""
    message = str(message)
    if len(message) <= SHOWN:
        return message
    return message[:SHOWN] + f" ... (cut: feedback repeats {SHOWN} characters of a message)"


def _error_text(error):
    types, message = error
    return f"{types[0]}: {_shown(message)}" if message else types[0]


def _shape_pattern(mention):
    """A regular expression for a shape such as '(4, 3)' written in any readable way:
    (4, 3), (4,3), [4, 3], 4x3, 4 x 3, 4×3, 4 by 3; a 1-d '(3,)' as (3,), (3), [3] or
    'length 3'. Any other mention must appear as it is."""
    match = re.fullmatch(r"\((\d+(?:, \d+)*),?\)", mention)
    if not match:
        return re.escape(mention)
    dims = match.group(1).split(", ")
    if len(dims) == 1:
        forms = [rf"[(\[]\s*{dims[0]}\s*,?\s*[)\]]",
                 rf"(?:length|size|len)\s*(?:of\s*)?[=:]?\s*{dims[0]}"]
    else:
        body = r"\s*(?:,|x|×|\*|by)\s*".join(dims)
        forms = [rf"[(\[]\s*{body}\s*,?\s*[)\]]", rf"{body}(?!\s*(?:,|x|×|\*|by)\s*\d)"]
    return rf"(?<![\d.])(?:{'|'.join(forms)})(?![\d.])"


def mentioned(message, mention):
    """True if an error message names ``mention`` (a shape in any readable form)."""
    return re.search(_shape_pattern(mention), message) is not None


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
        types, message = outcome.error
        if case.raises.__name__ not in types:
            return (f"it should raise {case.raises.__name__}, but it raised "
                    f"{_error_text(outcome.error)}")
        missing = [m for m in case.mentions if not mentioned(message, m)]
        if missing:
            return (f"it raised {case.raises.__name__} as it should, but the message "
                    f"{_shown(message)!r} does not name the shapes involved "
                    f"({', '.join(missing)}).")
        return None
    if outcome.error is not None:
        if outcome.error[0][0] in ("FloatingPointError", "RuntimeWarning"):
            return (f"it triggered a floating-point problem: {_shown(outcome.error[1])}. The "
                    "result must be computed without overflow, invalid values or division by "
                    "zero.")
        return f"it raised {_error_text(outcome.error)}"
    if case.judge is not None:
        return case.judge(outcome.value)
    return compare(expected.value, outcome.value, "the result", case.rtol, case.atol)


def _same(a, b, case):
    """True if two outcomes cannot be told apart by the checks of this case."""
    if (a.error is None) != (b.error is None) or a.modified != b.modified:
        return False
    if a.error is not None:
        named = [[mentioned(outcome.error[1], m) for m in case.mentions] for outcome in (a, b)]
        return a.error[0][0] == b.error[0][0] and named[0] == named[1]
    try:
        return compare(a.value, b.value, rtol=case.rtol, atol=case.atol) is None
    except Exception:  # noqa: BLE001 - an odd value simply does not match
        return False


def mistake_function(assignment, name, mistake, spy=None, helpers=()):
    """Build a catalogued wrong answer, with the reference's helpers available (``helpers``
    wrapped by ``spy``, so their calls are recorded as the sandbox records a student's)."""
    ns = dict(reference.namespace(assignment))
    for helper in helpers if spy is not None else ():
        ns[helper] = spy.wrap(helper, ns[helper])
    exec(compile(mistake.source, f"<mistake {name}: {mistake.name}>", "exec"), ns)
    return ns[name]


def _driven(namespace, spec, name):
    """The function the cases call in a namespace: the driver's ``drive``, or ``name``."""
    if spec.driver is None:
        return namespace[name]
    ns = dict(namespace)
    exec(compile(spec.driver, "<driver>", "exec"), ns)
    return ns["drive"]


def first_failure(spec, cases, outcomes, expected, names):
    """(index of the first failing case, message) or None; then the ``after`` check."""
    for i, (case, outcome) in enumerate(zip(cases, outcomes)):
        if outcome is None:
            return i, None
        message = verdict(case, outcome, expected[i], names)
        if message:
            return i, message
    if len(outcomes) < len(cases):
        return len(outcomes), None
    if spec.after is not None:
        message = spec.after(cases, outcomes)
        if message:
            return len(cases), message
    return None


def diagnose(assignment, name, spec, cases, outcomes, expected, names, failure):
    """The hint of the catalogued mistake that reproduces the student's outcomes, if any.

    Where every case is compared with the reference, the mistake must give the same values on
    every case; where a case is judged by its behaviour (``judge``, ``after``), it must fail
    the same first check with the same message. A mistake is run on the cases one at a time,
    only as far as it can still match (a training run it never reaches is never made).
    """
    by_behaviour = spec.after is not None or any(c.judge is not None for c in cases)
    for k, mistake in enumerate(spec.mistakes):
        def theirs(i, k=k):
            return _mistake_outcome(assignment, name, k, spec, cases, names, i)

        if by_behaviour:
            ran = []
            for i, case in enumerate(cases):
                ran.append(theirs(i))
                if verdict(case, ran[-1], expected[i], names):
                    break
            if first_failure(spec, cases, ran, expected, names) == failure:
                return mistake.hint
        elif len(outcomes) == len(cases) and all(
                _same(theirs(i), o, c) for i, (o, c) in enumerate(zip(outcomes, cases))):
            return mistake.hint
    return None


# The cases are seeded, so what the reference and each catalogued mistake give on them is the
# same for every student: computed once per grading process.
_MISTAKE_OUTCOMES = {}
_EXPECTED = {}


def _mistake_outcome(assignment, name, k, spec, cases, names, i):
    """What catalogued mistake ``k`` gives on case ``i``; the cases run in order, once each."""
    key = (assignment, name, k)
    if key not in _MISTAKE_OUTCOMES:
        spy = Spy()
        wrong = _driven({**reference.namespace(assignment),
                         name: mistake_function(assignment, name, spec.mistakes[k], spy,
                                                spec.helpers)}, spec, name)
        _MISTAKE_OUTCOMES[key] = (wrong, spy, [])
    wrong, spy, done = _MISTAKE_OUTCOMES[key]
    while len(done) <= i:
        done.append(run_local(wrong, cases[len(done)], names, spy))
    return done[i]


def _expected(assignment, name, ref, cases, names):
    if (assignment, name) not in _EXPECTED:
        _EXPECTED[assignment, name] = [None if case.judge else run_local(ref, case, names)
                                       for case in cases]
    return _EXPECTED[assignment, name]


def _cell_report(evaluation):
    lines = []
    for i, why in evaluation.skipped_cells:
        lines.append(f"Your code cell {i + 1} {why}; the grader skipped it.")
    for i, types, message in evaluation.cell_errors[:3]:
        lines.append(f"Your code cell {i + 1} raised {_error_text((types, message))}")
    return lines


def judge_notebook(assignment, cells, names=None, step_timeout=30.0):
    """Judge the graded functions ``names`` (default: all) that the notebook's code ``cells``
    define, in one sandboxed evaluator.

    Returns ``{name: (passed, message, notes)}``: the verdict for the student, and lines about
    the notebook (cells that raised, or that the grader had to skip).
    """
    import importlib

    specs = importlib.import_module(f"grading.specs.{assignment}").SPECS
    # In the order of the specs, whatever the order of the notebook's cells: a function is
    # always judged before the functions that borrow it as a lent helper.
    names = [name for name in specs if names is None or name in names]
    ref_ns = reference.namespace(assignment)
    prepared, plans = {}, []
    for name in names:
        spec = specs[name]
        cases = list(spec.cases(np.random.default_rng(spec.seed)))
        prepared[name] = spec, cases
        plans.append(sandbox.Plan(
            name, [(c.args, c.kwargs, c.strict_fp, c.public_helpers) for c in cases],
            helpers={h: ref_ns[h] for h in spec.helpers}, driver=spec.driver,
            public_helpers=spec.public_helpers))
    evaluations = sandbox.evaluate(cells, plans, step_timeout=step_timeout)
    verdicts = {}
    for name in names:
        try:
            verdicts[name] = _verdict(assignment, name, *prepared[name], evaluations[name])
        except Exception as error:  # noqa: BLE001 - this function fails, never the notebook
            # Values arrive validated (grading/wire.py); this is the last guard, so that a
            # value no comparison foresaw costs this function alone.
            verdicts[name] = (False, f"{name} failed a hidden check: the grader could not "
                              f"compare what it returned ({type(error).__name__}: "
                              f"{str(error)[:200]})", [])
    return verdicts


def judge(assignment, name, cells, step_timeout=30.0):
    """Judge one graded function: ``(passed, message, notes)`` (see :func:`judge_notebook`)."""
    return judge_notebook(assignment, cells, [name], step_timeout)[name]


def _verdict(assignment, name, spec, cases, evaluation):
    ref = _driven(reference.namespace(assignment), spec, name)
    names = list(inspect.signature(ref).parameters)
    notes = _cell_report(evaluation)
    if not evaluation.defined:
        if evaluation.failure:
            return False, f"{name} could not be graded: {evaluation.failure}", notes
        return False, (f"your notebook does not define {name}: keep its answer cell, with "
                       f"def {name}(...) in it, and make sure that cell runs without an error."), notes
    outcomes = [_outcome(result, case, names) for result, case in zip(evaluation.results, cases)]
    expected = _expected(assignment, name, ref, cases, names)
    failure = first_failure(spec, cases, outcomes, expected, names)
    if failure is None:
        return True, f"{name}: all {len(cases)} hidden checks passed.", notes
    i, message = failure
    if i < len(cases):
        case = cases[i]
        where = f"{case.label}; {describe(case, names)}" if describe(case, names) else case.label
        text = f"{name} failed a hidden check ({where}): {message or evaluation.failure}"
    else:
        text = f"{name} failed a hidden check: {message}"
    hint = diagnose(assignment, name, spec, cases, outcomes, expected, names, failure) \
        if message else None
    if hint is None and i < len(outcomes) and expected[i] is not None \
            and _float32_sized(expected[i].value, outcomes[i].value):
        hint = FLOAT32_HINT
    if hint:
        text += f"\nLikely cause: {hint}"
    return False, text, notes
