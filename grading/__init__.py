"""The hidden checks of the graded exercises (instructors only; never released).

Trusted side: nothing in this package executes a submission in its own process. Student
code runs only in the sandbox that :mod:`grading.sandbox` starts, where the one module of
ours is :mod:`grading.runner`; :mod:`grading.core` judges the values it sends back.
"""

import importlib

__all__ = ["load_specs"]


def load_specs(assignment):
    """``{function name: Spec}`` for one assignment."""
    return importlib.import_module(f"grading.specs.{assignment}").SPECS
