"""An nbgrader preprocessor that keeps hidden test code out of student feedback.

nbgrader's ``ClearHiddenTests`` removes the hidden lines from a test cell's source, but
an error's traceback still prints the source lines around the failing one, and those
may be hidden test lines or the grader's own code. This preprocessor replaces the
traceback of every error in a graded test cell by its last line, ``Name: message``, which
is written for the student.
"""

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade


class ShortenTracebacks(NbGraderPreprocessor):
    """Keep only ``ename: evalue`` of errors in graded cells."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return cell, resources
