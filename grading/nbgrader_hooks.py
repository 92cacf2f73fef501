"""nbgrader preprocessors that make autograding and feedback robust (see nbgrader_config.py).

- :class:`DeduplicateIds` (autograde): a cell the student copied carries the same grade_id.
  nbgrader's own DeduplicateIds keeps the last copy and leaves an empty ``nbgrader`` dict
  on the others, which makes ``add_missing_cells`` crash (KeyError 'grade_id'). This one
  keeps the first copy (the one in its place) and turns the others into plain cells.
- :class:`RestoreCellOrder` (autograde): puts the graded cells back in the order of the
  release, so a test cell the student moved above its answer, or answer cells swapped
  around, are still graded as intended.
- :class:`CapOutputSize` (autograde): nbgrader limits printed output by lines; a single
  line of megabytes still fills the graded notebook and the feedback page. This caps
  the characters each output keeps.
- :class:`ShortenTracebacks` (feedback): nbgrader's ``ClearHiddenTests`` removes the hidden
  lines from a test cell's source, but an error's traceback still prints the source lines
  around the failing one, and those may be hidden test lines or the grader's own code.
  This keeps only the last line, ``Name: message``, which is written for the student.
"""

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Integer


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class DeduplicateIds(NbGraderPreprocessor):
    """Keep nbgrader metadata on the first cell of each grade_id only."""

    def preprocess(self, nb, resources):
        seen = set()
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if grade_id is None:
                continue
            if grade_id in seen:
                self.log.warning("Cell %r appears more than once: grading the first", grade_id)
                del cell.metadata["nbgrader"]
            seen.add(grade_id)
        return nb, resources


class RestoreCellOrder(NbGraderPreprocessor):
    """Reorder the cells nbgrader tracks to match the release; a student's own cells
    stay right after the tracked cell they followed."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            order = {cell.name: i for i, cell in enumerate(notebook.source_cells)}
        groups, current = [], (-1, [])
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if grade_id in order:
                groups.append(current)
                current = (order[grade_id], [cell])
            else:
                current[1].append(cell)
        groups.append(current)
        # sorted() is stable: groups with equal keys keep the student's order.
        nb.cells = [cell for _, cells in sorted(groups, key=lambda g: g[0]) for cell in cells]
        return nb, resources


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
