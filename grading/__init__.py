"""The hidden checks of the graded exercises (instructors only; never released).

Hidden test cells call :func:`check`; it compares the student's function with the
reference answer read from ``solutions/`` on many inputs and explains what went wrong.
"""

import importlib

from grading import core

__all__ = ["check", "load_specs"]


def load_specs(assignment):
    """``{function name: Spec}`` for one assignment."""
    return importlib.import_module(f"grading.specs.{assignment}").SPECS


def check(assignment, name, func):
    """Run the hidden checks of one graded function; raise AssertionError with a hint on failure."""
    core.check(assignment, name, func, load_specs(assignment)[name])
