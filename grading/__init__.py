"""The hidden checks of the graded exercises (instructors only; never released).

Trusted side: nothing in this package executes a submission in its own process. Student
code runs only in the sandbox that :mod:`grading.sandbox` starts, where the one module of
ours is :mod:`grading.runner`; :mod:`grading.core` judges the values it sends back.
"""

import importlib
import sys

# jsonschema, which nbformat and nbgrader import, loads rfc3987_syntax when it is installed
# (jupyter-events asks for it) and builds a parser for it on import: 1.1 s of the 2.3 s that
# a grading worker took to start. It checks only the "iri" string formats, which neither the
# notebook format nor nbgrader's metadata schema uses; jsonschema does without it when it
# cannot be imported (a None in sys.modules makes the import fail). Here, so that it holds
# before any module of the grader imports jsonschema (grade_all's forkserver preloads them).
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

__all__ = ["load_specs"]


def load_specs(assignment):
    """``{function name: Spec}`` for one assignment."""
    return importlib.import_module(f"grading.specs.{assignment}").SPECS
