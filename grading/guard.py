"""A snapshot of the modules the grader relies on, taken before student code runs.

Autograding starts every kernel with ``import grading.guard`` (see ``nbgrader_config.py``),
so the snapshot predates the first cell of a submission. A notebook that replaces
``np.allclose`` or ``np.exp`` therefore cannot change what the grader computes:
:func:`restore` puts the original functions back before any hidden check runs, and
:func:`tampered` names what had been replaced so the feedback can say so.
"""

import builtins
import math
import types

import numpy
import numpy.linalg
import numpy.random

_MODULES = {"numpy": numpy, "numpy.random": numpy.random, "numpy.linalg": numpy.linalg,
            "math": math, "builtins": builtins}
_SNAPSHOT = {name: dict(vars(module)) for name, module in _MODULES.items()}


def tampered():
    """Names (like ``numpy.allclose``) that differ from the snapshot, sorted."""
    changed = []
    for name, module in _MODULES.items():
        current = vars(module)
        for attr, value in _SNAPSHOT[name].items():
            if attr.startswith("__"):
                continue
            if current.get(attr, _MISSING) is not value:
                changed.append(f"{name}.{attr}")
    return sorted(changed)


def restore():
    """Put every snapshotted attribute back; return the names that had been changed."""
    changed = tampered()
    for dotted in changed:
        module_name, attr = dotted.rsplit(".", 1)
        setattr(_MODULES[module_name], attr, _SNAPSHOT[module_name][attr])
    return changed


def clean_numpy():
    """A module object with numpy's original attributes, immune to later monkeypatching."""
    clean = types.ModuleType("numpy")
    clean.__dict__.update(_SNAPSHOT["numpy"])
    return clean


_MISSING = object()
