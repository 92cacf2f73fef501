"""Repair a submitted notebook before refusing it: the sanitize stage of autograding.

Students hand in notebooks that nbgrader cannot grade as they are: cells deleted, copied,
moved or renamed, metadata stripped by the editor that saved them, cells pasted from
another exercise, odd encodings, an old notebook format. nbgrader then crashes or gives
the whole notebook 0. This module puts such a notebook back into the shape of the release,
cell by cell, and says in one line per repair what it did, so a function that was answered
is graded even when the notebook around it is damaged.

- :func:`read_submission` reads the file itself: a UTF-8 byte-order mark is ignored,
  bytes that are not UTF-8 are read as Latin-1, nbformat 3 is converted, broken cell
  structure is tidied. A file that is not a notebook at all raises :class:`NotANotebook`
  with a reason an instructor can act on ("not a notebook: invalid JSON at line 3, ...").
- :class:`SubmissionExporter` makes nbgrader read submissions with it
  (``c.Autograde.exporter_class``).
- :class:`RepairNotebook` (first of ``c.Autograde.sanitize_preprocessors``, before
  nbgrader's ``OverwriteCells``) matches every cell of the release in the submission: by
  ``grade_id`` where the nbgrader metadata is intact, by source (locked cells) or by the
  function the cell defines (answer cells) where it is not. Cells that cannot be found are
  restored from the release, so a deleted setup cell costs nothing and a deleted answer
  cell costs that function only. Copies and cells of other exercises are dropped or made
  ordinary cells, changed ``grade``/``points``/``solution``/cell types are reset, and the
  cells are put back in the order of the release (a student's own cells stay after the
  cell they followed). The repairs are listed in a markdown cell inserted at the top of the
  graded notebook (metadata ``grading.repairs``), which the feedback page shows.
"""

import ast
import codecs
import copy
import datetime
import json
import os
import re
import uuid
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import from_dict

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

from grading import wire

# Metadata key of the markdown cell that lists the repairs (never a grade cell).
NOTE_KEY = "grading"
NOTE_ID = "grading-repairs"
_CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class NotANotebook(ValueError):
    """The file cannot be read as a notebook; the message says why, for an instructor."""


# --------------------------------------------------------------------------- reading

def read_submission(path):
    """(notebook, notes) from a submitted file; raise :class:`NotANotebook` if it is none.

    ``notes`` are one-line descriptions of what had to be done to read the file.
    """
    return parse_submission(Path(path).read_bytes())


def parse_submission(data):
    """:func:`read_submission` on the bytes of a file. Whatever the bytes, the outcome is a
    notebook or :class:`NotANotebook`: a JSON nested a hundred thousand levels deep makes the
    parser itself fail (RecursionError), and that too is a file that is not a notebook."""
    try:
        return _parse_submission(data)
    except NotANotebook:
        raise
    except RecursionError:
        raise NotANotebook("not a notebook: its JSON is nested too deeply to be read") from None
    except Exception as error:  # noqa: BLE001 - any failure means the same to the reader
        raise NotANotebook(f"not a notebook: it cannot be read ({type(error).__name__}: "
                           f"{str(error)[:200]})") from None


# Reading a file costs far more memory than its size when it holds many small JSON values
# (10 MB of [[],[],...] took 600 MB to read), and grading costs time per cell, kernel or not.
# Cost as grading.wire.cost counts it. A 200 MB notebook of images costs about its size.
MAX_READ_COST = 256 * 2**20
MAX_CELLS = 2_000  # the exercises have 20 to 60 cells


def _parse_submission(data):
    notes = []
    cost = wire.cost(data)
    if cost > MAX_READ_COST:
        raise NotANotebook(f"not a notebook we can grade: it holds millions of small JSON values "
                           f"(about {cost // 2**20} MB to read, over the {MAX_READ_COST // 2**20} "
                           "MB limit)")
    if not data.strip():
        raise NotANotebook(f"not a notebook: the file is empty ({len(data)} bytes)")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        notes.append("Ignored the byte-order mark (BOM) at the start of the file.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
        notes.append("Decoded the file as UTF-16 (it was saved as 'Unicode' text).")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            text = data.decode("latin-1")
            notes.append(f"The file is not UTF-8 (byte {error.start} is 0x{data[error.start]:02x}):"
                         " decoded it as Latin-1, so accented letters may look different.")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotANotebook(f"not a notebook: invalid JSON at line {error.lineno}, "
                           f"column {error.colno} ({error.msg})") from None
    if not isinstance(raw, dict):
        raise NotANotebook(f"not a notebook: the JSON is a {type(raw).__name__}, not an object")
    version = raw.get("nbformat")
    if version == 3 or (version is None and "worksheets" in raw):
        try:
            nb = nbformat.reads(json.dumps(raw), as_version=4, capture_validation_error={})
        except Exception as error:  # noqa: BLE001 - any failure means the same to the reader
            raise NotANotebook(f"not a notebook: an nbformat 3 file that cannot be converted "
                               f"({type(error).__name__}: {error})") from None
        notes.append("Converted the notebook from nbformat 3 to nbformat 4.")
        raw = json.loads(nbformat.writes(nb))
    elif version is None and isinstance(raw.get("cells"), list):
        notes.append("The file did not say which nbformat it uses: read it as nbformat 4.")
    elif version != 4:
        raise NotANotebook(f"not a notebook: nbformat {version!r} is not supported (3 or 4)"
                           if version is not None else
                           "not a notebook: a JSON object without cells")
    if not isinstance(raw.get("cells", []), list):
        raise NotANotebook("not a notebook: its 'cells' is not a list")
    if len(raw.get("cells", [])) > MAX_CELLS:
        raise NotANotebook(f"not a notebook we can grade: {len(raw['cells'])} cells, over the "
                           f"limit of {MAX_CELLS}")
    text = json.dumps(raw, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # JSON may spell a lone surrogate ("\udc80"), which no UTF-8 file can hold: nbgrader
        # could not save the graded notebook.
        count = sum(1 for c in text if "\ud800" <= c <= "\udfff")
        raw = json.loads(text.encode("utf-8", "replace").decode("utf-8"))
        notes.append(f"Replaced {count} character{'s' if count > 1 else ''} that no UTF-8 file "
                     "can hold (lone surrogates) with '?'.")
    return _tidy(raw, notes), notes


def _text(source):
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def _tidy(raw, notes):
    """A valid nbformat 4.5 notebook from a parsed one, whatever its cells looked like."""
    cells, seen, bad_meta = [], set(), []
    for number, cell in enumerate(raw.get("cells", []), 1):
        if not isinstance(cell, dict):
            notes.append(f"Removed cell {number}: it was not a cell at all.")
            continue
        kind = cell.get("cell_type")
        if kind not in ("code", "markdown", "raw"):
            notes.append(f"Cell {number} had the unknown type {kind!r}: read it as markdown.")
            kind = "markdown"
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict):
            notes.append(f"Cell {number} had metadata that is not a dictionary: ignored it.")
            metadata = {}
        if "nbgrader" in metadata and not isinstance(metadata["nbgrader"], dict):
            bad_meta.append(type(metadata["nbgrader"]).__name__)
            metadata = {k: v for k, v in metadata.items() if k != "nbgrader"}
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not _CELL_ID.match(cell_id) or cell_id in seen:
            cell_id = uuid.uuid4().hex[:12]
        seen.add(cell_id)
        tidy = {"cell_type": kind, "id": cell_id, "metadata": metadata,
                "source": _text(cell.get("source", ""))}
        if kind == "code":
            # Outputs are cleared before grading anyway; keeping them could only fail.
            tidy.update(outputs=[], execution_count=None)
        elif isinstance(cell.get("attachments"), dict) and kind != "code":
            tidy["attachments"] = cell["attachments"]
        cells.append(tidy)
    if bad_meta:
        kinds = " or ".join(sorted(set(bad_meta)))
        notes.append(f"{len(bad_meta)} cell{'s' if len(bad_meta) > 1 else ''} had nbgrader "
                     f"metadata that is not a dictionary (a {kinds}): ignored it.")
    metadata = raw.get("metadata", {})
    if not isinstance(metadata, dict):
        metadata = {}
    nb = from_dict({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        # Metadata the format forbids (tags that are not a list, a language name that is a
        # number, ...) would fail nbconvert's validation inside nbgrader, with a reason that
        # helps nobody. Only the grading metadata matters here: keep it, drop the rest.
        for cell in nb.cells:
            cell.metadata = from_dict({k: v for k, v in cell.metadata.items() if k == "nbgrader"})
            cell.pop("attachments", None)
        nb.metadata = from_dict({})
        notes.append("Removed metadata that the notebook format does not allow "
                     f"({str(error.message)[:100]}).")
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError as still:
            raise NotANotebook(f"not a notebook: {str(still.message)[:200]}") from None
    return nb


class SubmissionExporter(NotebookExporter):
    """nbgrader's notebook exporter, reading files with :func:`read_submission`.

    The notes about reading go to ``resources['repairs']`` for :class:`RepairNotebook`.
    """

    def from_filename(self, filename, resources=None, **kw):
        nb, notes = read_submission(filename)
        resources = ResourcesDict() if resources is None else resources
        if not resources.get("metadata"):
            resources["metadata"] = ResourcesDict()
        path, basename = os.path.split(filename)
        resources["metadata"]["name"] = os.path.splitext(basename)[0]
        resources["metadata"]["path"] = path
        modified = datetime.datetime.fromtimestamp(os.path.getmtime(filename),
                                                   tz=datetime.timezone.utc)
        resources["metadata"]["modified_date"] = modified.strftime("%B %d, %Y")
        resources["repairs"] = list(notes)
        return self.from_notebook_node(nb, resources=resources, **kw)


# --------------------------------------------------------------------------- repairing

def _normal(source):
    """Source compared with whitespace differences ignored (editors reflow the ends)."""
    return "\n".join(line.rstrip() for line in _text(source).strip().splitlines())


def defined_names(source):
    """Top-level functions and classes a cell defines, in order."""
    try:
        tree = ast.parse(_text(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return re.findall(r"^(?:async\s+)?(?:def|class)\s+(\w+)", _text(source), re.M)
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def _meta(cell):
    """The cell's nbgrader metadata if it names a grade_id, else None."""
    meta = cell.get("metadata", {}).get("nbgrader")
    if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
        return meta
    return None


def _kind(meta):
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "locked"


def _describe(kind, grade_id, cell_type):
    if kind == "answer":
        return f"the answer cell `{grade_id}`"
    if kind == "test":
        return f"the test cell `{grade_id}`"
    if cell_type == "code":
        return f"the setup cell `{grade_id}`"
    return f"the instructions cell `{grade_id}`"


class _Release:
    """What a submission is repaired towards: the release's cells, in order, and the
    instructors' source of every locked cell (the release's test cells lack their hidden
    lines; nbgrader puts the gradebook's source back, and so do we, quietly)."""

    def __init__(self, release_nb, master):
        self.cells = []
        for cell in release_nb.cells:
            meta = _meta(cell)
            if meta is None:
                continue  # an untracked cell of the release: nothing to grade or restore
            self.cells.append(cell)
        self.index = {_meta(c)["grade_id"]: i for i, c in enumerate(self.cells)}
        self.master = master  # {grade_id: (source, checksum)}

    def meta(self, i):
        return _meta(self.cells[i])

    def kind(self, i):
        return _kind(self.meta(i))

    def grade_id(self, i):
        return self.meta(i)["grade_id"]

    def sources(self, i):
        """Normalized sources a faithful copy of this locked cell may have."""
        grade_id = self.grade_id(i)
        found = {_normal(self.cells[i].source)}
        if grade_id in self.master:
            found.add(_normal(self.master[grade_id][0]))
        return found

    def locked_source(self, i):
        grade_id = self.grade_id(i)
        return self.master[grade_id][0] if grade_id in self.master else self.cells[i].source


def load_release(path, db_url, notebook, assignment):
    """The release notebook at ``path`` with the gradebook's source of its locked cells."""
    master = {}
    with Gradebook(db_url) as gb:
        for cell in gb.find_notebook(notebook, assignment).source_cells:
            master[cell.name] = (cell.source, cell.checksum)
    return _Release(nbformat.read(path, as_version=4), master)


def repair_cells(cells, release, notes):
    """Cells of a submission matched against ``release`` and repaired; appends to ``notes``.

    Returns the new list of cells (NotebookNodes; the input cells may be changed).
    """
    n = len(release.cells)
    match = {}        # submission position -> release index
    taken = {}        # release index -> submission position
    dropped = set()   # submission positions removed
    how = {}          # release index -> "id" | "source" | "name"
    cells = [c for c in cells if NOTE_KEY not in c.get("metadata", {})
             or "repairs" not in c.metadata.get(NOTE_KEY, {})]

    # 1. By grade_id, where the nbgrader metadata is intact; later copies are copies.
    for pos, cell in enumerate(cells):
        meta = _meta(cell)
        if meta is None or meta["grade_id"] not in release.index:
            continue
        i = release.index[meta["grade_id"]]
        if i not in taken:
            match[pos], taken[i], how[i] = i, pos, "id"
        elif release.kind(i) == "answer":
            del cell.metadata["nbgrader"]
            notes.append(f"A second copy of {_describe('answer', release.grade_id(i), 'code')} "
                         "was kept as an ordinary cell; the first copy is graded.")
        else:
            dropped.add(pos)
            notes.append(f"Removed a second copy of "
                         f"{_describe(release.kind(i), release.grade_id(i), cell.cell_type)}.")

    def free(pos):
        cell = cells[pos]
        return pos not in match and pos not in dropped and (
            _meta(cell) is None or _meta(cell)["grade_id"] not in release.index)

    # 2. Locked cells (instructions, setup, tests) by their source, where a tool stripped
    #    or renamed their metadata.
    for i in range(n):
        if i in taken or release.kind(i) == "answer":
            continue
        wanted = release.sources(i)
        for pos in range(len(cells)):
            if free(pos) and _normal(cells[pos].source) in wanted:
                match[pos], taken[i], how[i] = i, pos, "source"
                break

    # 3. Answer cells by the function or class they define (``def relu``).
    for i in range(n):
        if i in taken or release.kind(i) != "answer":
            continue
        names = set(defined_names(release.cells[i].source))
        if not names:
            continue
        for pos in range(len(cells)):
            if free(pos) and cells[pos].cell_type != "raw" and \
                    names & set(defined_names(cells[pos].source)):
                match[pos], taken[i], how[i] = i, pos, "name"
                break

    # 4. What is left of the submission: copies of test cells go, cells of other exercises
    #    go (tests) or become ordinary cells (answers, instructions), the student's own stay.
    test_sources = set()
    for i in range(n):
        if release.kind(i) == "test":
            test_sources |= release.sources(i)
    for pos, cell in enumerate(cells):
        if pos in match or pos in dropped:
            continue
        meta = _meta(cell)
        if meta is not None:
            grade_id = meta["grade_id"]
            if meta.get("grade") and not meta.get("solution"):
                dropped.add(pos)
                notes.append(f"Removed the grade cell `{grade_id}`: it is not part of this "
                             "exercise (copied from another one?).")
                continue
            del cell.metadata["nbgrader"]
            if meta.get("solution"):
                notes.append(f"Kept the cell `{grade_id}`, which is not part of this exercise, "
                             "as an ordinary cell.")
        elif cell.get("metadata", {}).get("nbgrader") is not None:
            del cell.metadata["nbgrader"]  # an empty or id-less dict confuses nbgrader
        if cell.cell_type == "code" and _normal(cell.source) in test_sources:
            dropped.add(pos)
            notes.append("Removed a copy of a test cell.")

    # 5. Put every matched or restored cell at its place in the release; a student's own
    #    cells stay right after the cell they followed.
    stripped = sum(1 for pos, i in match.items()
                   if how[i] in ("source", "name") and _meta(cells[pos]) is None)
    restored = []
    groups, current = [], (-1, [])
    for pos, cell in enumerate(cells):
        if pos in dropped:
            continue
        if pos in match:
            groups.append(current)
            current = (match[pos], [_fix(cell, match[pos], release, how[match[pos]], notes)])
        else:
            current[1].append(cell)
    groups.append(current)
    for i in range(n):
        if i not in taken:
            groups.append((i, [_restore(i, release)]))
            restored.append(i)
    order_before = [match[pos] for pos in sorted(match) if pos not in dropped]
    if order_before != sorted(order_before):
        notes.append("Put the exercise's cells back in their original order.")
    if stripped:
        notes.append(f"Recognised {stripped} cells by their content and place: their grading "
                     "metadata had been removed or renamed (by the editor that saved the "
                     "notebook?).")
    _note_restored(restored, release, notes, total=n)
    groups.sort(key=lambda group: group[0])  # stable: equal keys keep the student's order
    result = [cell for _, group in groups for cell in group]
    _unique_ids(result)
    return result


def _note_restored(restored, release, notes, total):
    if restored and len(restored) == total:
        notes.append("The notebook had none of the exercise's cells: restored them all as "
                     "released, with no answers.")
        return
    instructions = 0
    for i in restored:
        kind, grade_id = release.kind(i), release.grade_id(i)
        cell_type = release.cells[i].cell_type
        if kind == "answer":
            notes.append(f"Restored the answer cell `{grade_id}`, which had been deleted: "
                         f"it has no answer, so `{grade_id}` scores 0.")
        elif kind == "test":
            notes.append(f"Restored the test cell `{grade_id}`, which had been deleted.")
        elif cell_type == "code":
            notes.append(f"Restored the setup cell `{grade_id}` (imports and given code), "
                         "which had been deleted.")
        else:
            instructions += 1
    if instructions:
        notes.append(f"Restored {instructions} instruction cell"
                     f"{'s' if instructions > 1 else ''} that had been deleted.")


def _set_type(cell, cell_type):
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
        cell.pop("attachments", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _fix(cell, i, release, how, notes):
    """Reset one matched cell to the release's type, metadata and (if locked) source."""
    want = release.cells[i]
    want_meta = release.meta(i)
    grade_id, kind = want_meta["grade_id"], release.kind(i)
    name = _describe(kind, grade_id, want.cell_type)
    meta = _meta(cell) or {}
    if meta and meta["grade_id"] != grade_id:
        notes.append(f"{name[0].upper()}{name[1:]} had been renamed `{meta['grade_id']}`: "
                     "named it back.")
    elif how == "id":
        if bool(meta.get("grade")) != bool(want_meta.get("grade")):
            notes.append(f"Reset {name}: it had been marked as "
                         f"{'graded' if meta.get('grade') else 'not graded'}.")
        elif want_meta.get("grade") and str(meta.get("points")) != str(want_meta.get("points")):
            try:
                same = float(meta.get("points")) == float(want_meta.get("points"))
            except (TypeError, ValueError):
                same = False
            if not same:
                notes.append(f"Reset the points of {name} to {want_meta.get('points')} "
                             f"(the notebook said {meta.get('points')!r}).")
        if bool(meta.get("solution")) != bool(want_meta.get("solution")):
            notes.append(f"Reset {name}: it had been "
                         f"{'marked' if meta.get('solution') else 'unmarked'} as an answer cell.")
    if cell.cell_type != want.cell_type:
        notes.append(f"Turned {name} back into a {want.cell_type} cell "
                     f"(it had become a {cell.cell_type} cell).")
        _set_type(cell, want.cell_type)
    cell.metadata["nbgrader"] = copy.deepcopy(dict(want_meta))
    for flag in ("editable", "deletable"):
        if flag in want.metadata:
            cell.metadata[flag] = want.metadata[flag]
        else:
            cell.metadata.pop(flag, None)
    if kind != "answer":
        if _normal(cell.source) not in release.sources(i):
            notes.append(f"Put back {name} as released: it had been edited.")
        cell.source = release.locked_source(i)
        if grade_id in release.master:
            cell.metadata["nbgrader"]["checksum"] = release.master[grade_id][1]
    return cell


def _restore(i, release):
    cell = copy.deepcopy(release.cells[i])
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    if release.kind(i) != "answer":
        cell.source = release.locked_source(i)
        grade_id = release.grade_id(i)
        if grade_id in release.master:
            cell.metadata.nbgrader["checksum"] = release.master[grade_id][1]
    return cell


def _unique_ids(cells):
    seen = set()
    for cell in cells:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not _CELL_ID.match(cell_id) or cell_id in seen:
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])


NOTE_CHARS = 300  # characters of one repair note kept (it may quote a student's cell type or id)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown_note(note):
    """A repair note as the CSV, the console and the feedback page get it: no control
    characters (a grade_id can hold an escape sequence) and at most NOTE_CHARS characters
    (it can be a million)."""
    note = _CONTROL.sub("?", str(note))
    return note if len(note) <= NOTE_CHARS else note[:NOTE_CHARS] + " ... (cut)"


def note_cell(notes):
    """The markdown cell listing the repairs, for the top of the graded notebook."""
    lines = ["**Your notebook was repaired before grading**, so that every function in it "
             "could be graded. What was done:", ""]
    lines += [f"- {note}" for note in notes]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    cell.metadata[NOTE_KEY] = {"repairs": list(notes)}
    cell["id"] = NOTE_ID
    return cell


def repairs_of(nb):
    """The repair lines recorded in a graded notebook (empty if none)."""
    for cell in nb.cells[:1]:
        found = cell.get("metadata", {}).get(NOTE_KEY, {})
        if isinstance(found, dict) and "repairs" in found:
            return list(found["repairs"])
    return []


class RepairNotebook(NbGraderPreprocessor):
    """Sanitize-stage preprocessor: put a submission back into the shape of its release.

    Needs ``resources['nbgrader']`` (as nbgrader's sanitize stage provides it), the
    gradebook and the release notebook ``<release_directory>/<assignment>/<notebook>.ipynb``.
    """

    # Declared configurable so that nbgrader's setting of it is not warned about.
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value
                                 ).tag(config=True)

    def _coursedir(self):
        converter = getattr(self.parent, "parent", None)
        coursedir = getattr(converter, "coursedir", None)
        if coursedir is None:
            from nbgrader.coursedir import CourseDirectory

            coursedir = CourseDirectory(config=self.config)
        return coursedir

    def release(self, resources):
        info = resources["nbgrader"]
        coursedir = self._coursedir()
        folder = coursedir.format_path(coursedir.release_directory, ".", info["assignment"])
        path = Path(folder) / f"{info['notebook']}.ipynb"
        if not path.exists():
            raise FileNotFoundError(f"cannot repair submissions without the release {path}: "
                                    f"run `nbgrader generate_assignment {info['assignment']}`")
        return load_release(path, info["db_url"], info["notebook"], info["assignment"])

    def preprocess(self, nb, resources):
        notes = list(resources.get("repairs", []))
        nb.cells = repair_cells(list(nb.cells), self.release(resources), notes)
        notes = [shown_note(note) for note in notes]
        if notes:
            for note in notes:
                self.log.info("Repaired: %s", note)
            nb.cells.insert(0, note_cell(notes))
        resources["repairs"] = notes
        return nb, resources
