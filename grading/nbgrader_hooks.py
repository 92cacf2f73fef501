"""nbgrader preprocessors that make autograding and feedback robust (see nbgrader_config.py).

Repairing a damaged submission (deleted, copied, moved or renamed cells) is
:mod:`grading.repair`'s job.

- :class:`CapOutputSize` (autograde): nbgrader limits printed output by lines; a single
  line of megabytes still fills the graded notebook and the feedback page. This caps
  the characters each output keeps.
- :class:`ShortenTracebacks` (feedback): nbgrader's ``ClearHiddenTests`` removes the hidden
  lines from a test cell's source, but an error's traceback still prints the source lines
  around the failing one, and those may be hidden test lines or the grader's own code.
  This keeps only the last line, ``Name: message``, which is written for the student.
"""

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Integer


class ShortenTracebacks(NbGraderPreprocessor):
    """Keep only ``ename: evalue`` of errors in graded cells."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return cell, resources


class CapOutputSize(NbGraderPreprocessor):
    """Truncate every text output of a code cell to ``max_chars`` characters."""

    max_chars = Integer(20_000, help="characters kept of each output").tag(config=True)

    def _cap(self, text):
        if len(text) <= self.max_chars:
            return text
        return text[: self.max_chars] + f"\n... output truncated to {self.max_chars} characters ...\n"

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "text" in output:
                    output["text"] = self._cap(output["text"])
                for mime, value in output.get("data", {}).items():
                    if mime.startswith("text/") and isinstance(value, str):
                        output["data"][mime] = self._cap(value)
                if output.get("output_type") == "error":
                    output["evalue"] = self._cap(output.get("evalue", ""))
                    output["traceback"] = [self._cap(line) for line in output.get("traceback", [])]
        return cell, resources
