"""nbgrader preprocessors: the trusted verdicts, and robust autograding and feedback
(TRUSTED SIDE: these run in nbgrader's process, which never runs student code; see
nbgrader_config.py). Repairing a damaged submission (deleted, copied, moved or renamed
cells) is :mod:`grading.repair`'s job, before these run.

- :class:`SandboxedExecute` (autograde): nbgrader's ``Execute``, with the kernel in the
  sandbox of :mod:`grading.sandbox`. Its outputs are only for the student to read. A kernel
  that dies or stops answering ends the execution with a note in the cell that did it; the
  verdicts do not need the kernel. What a cell sends is kept up to ``max_cell_output`` bytes
  (outputs, display updates, the error of its reply); widget state is not kept.
- :class:`HiddenChecks` (autograde, after ``Execute``): for each test cell ``test_<name>``,
  has the notebook's code run in a fresh sandboxed evaluator, judges the values that
  ``<name>`` produced there (:func:`grading.core.judge`) and writes the verdict into the test
  cell: an error output if and only if the function failed, so that ``SaveAutoGrades``
  scores the trusted verdict alone. What the kernel printed in that cell stays for the
  student to read, made inert: errors become text, displayed values lose their partial credit.
- :class:`CapOutputSize` (autograde): nbgrader limits printed output by lines; a single
  line of megabytes still fills the graded notebook and the feedback page. This caps
  the characters each output keeps.
- :class:`ShortenTracebacks` (feedback): nbgrader's ``ClearHiddenTests`` removes the hidden
  lines from a test cell's source, but an error's traceback still prints the source lines
  around the failing one, and those may be hidden test lines or the grader's own code.
  This keeps only the last line, ``Name: message``, which is written for the student.
"""

import threading
import time

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Bool, Float, Integer

from grading import core, load_specs, sandbox


def _share_gradebook_engines():
    """One SQLAlchemy engine per gradebook URL for the life of the process.

    nbgrader opens its gradebook about ten times per notebook it grades (one
    ``Gradebook(db_url)`` per step) and each makes a new engine, so every SQL statement is
    compiled again each time (SQLAlchemy caches compiled statements per engine). Sharing the
    engine keeps that cache; ``Gradebook.close`` still disposes of its connections, and the
    next one opens a fresh connection.
    """
    import functools

    from nbgrader import api

    if getattr(api.create_engine, "shared_per_url", False):
        return
    create = functools.lru_cache(maxsize=None)(api.create_engine)

    def create_engine(url, **kwargs):
        return create(url, **kwargs)

    create_engine.shared_per_url = True
    api.create_engine = create_engine


_share_gradebook_engines()


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class ShortenTracebacks(NbGraderPreprocessor):
    """Keep only ``ename: evalue`` of errors in graded cells."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return cell, resources


class CapOutputSize(NbGraderPreprocessor):
    """Truncate every text output of a code cell to ``max_chars`` characters, and drop any
    other output (an image, ...) over ``max_data`` bytes with a note."""

    max_chars = Integer(20_000, help="characters kept of each output").tag(config=True)

    def _cap(self, text):
        if len(text) <= self.max_chars:
            return text
        return text[: self.max_chars] + f"\n... output truncated to {self.max_chars} characters ...\n"

    max_data = Integer(1_000_000, help="bytes kept of each non-text output (images, ...)"
                       ).tag(config=True)

    def _kept(self, output):
        """The output, or a note (in the feedback page's words) for one whose non-text data is
        over ``max_data`` bytes."""
        from grading.feedback import _human, _size

        for mime, value in output.get("data", {}).items():
            if not mime.startswith("text/") and _size(value) > self.max_data:
                return _note(f"[an output of type {mime}, {_human(_size(value))}: not shown, "
                             f"over the {_human(self.max_data)} limit]")
        return output

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [self._kept(output) for output in cell.get("outputs", [])]
            for output in cell.outputs:
                if "text" in output:
                    output["text"] = self._cap(output["text"])
                for mime, value in output.get("data", {}).items():
                    if mime.startswith("text/") and isinstance(value, str):
                        output["data"][mime] = self._cap(value)
                if output.get("output_type") == "error":
                    output["evalue"] = self._cap(output.get("evalue", ""))
                    output["traceback"] = [self._cap(line) for line in output.get("traceback", [])]
        return cell, resources


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in the sandbox; survives a kernel that dies or hangs."""

    start_attempts = Integer(3, help="tries to start a kernel that fails to start").tag(config=True)
    start_hidden_checks = Bool(
        True, help="start HiddenChecks' sandboxed evaluator in a thread as the kernel starts, "
                   "so that the two run side by side (HiddenChecks takes its verdicts)"
    ).tag(config=True)
    notebook_timeout = Integer(
        300, help="seconds the kernel may spend on a whole notebook: once they are used up, "
                  "the remaining cells are not run (each cell also has Execute.timeout), so a "
                  "notebook of many cells just under the cell limit cannot hold a worker for "
                  "hours").tag(config=True)
    max_notebook_output = Integer(
        64_000_000, help="bytes of output kept for the whole notebook, counted like "
                         "max_cell_output: a notebook of many cells, each under the cell's "
                         "budget, cannot fill the grader's memory either").tag(config=True)
    max_cell_output = Integer(
        16_000_000, help="bytes of output kept per cell while it runs (outputs, display "
                        "updates, an error in the execute_reply); the rest is dropped with a "
                        "note, so a flood cannot fill the grader's memory").tag(config=True)
    # nbclient's default is True: every comm's state, all of it, kept until the notebook is
    # written (a notebook sent gigabytes that way). The grader has no widget front end and the
    # feedback pages drop widget outputs. A trait default rather than a keyword in __init__,
    # which would override the configuration.
    store_widget_state = Bool(
        False, help="keep the state of the Jupyter widgets (comms) a notebook creates and write "
                    "it into the graded notebook's metadata").tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", sandbox.SandboxedKernelManager)
        # Once the last cell has answered, nothing of the kernel is kept (its sandbox and
        # scratch folder are deleted next): kill it instead of asking it to shut down and
        # polling for up to a second until it has.
        kwargs.setdefault("shutdown_kernel", "immediate")
        super().__init__(**kwargs)

    def preprocess(self, nb, resources=None, km=None):
        sandbox.enabled()  # refuse early, with the reason, when there can be no sandbox
        if self.start_hidden_checks and resources is not None and "nbgrader" in resources:
            try:
                resources[EARLY] = HiddenChecks(config=self.config, log=self.log).start(
                    nb, resources)
            except Exception:  # noqa: BLE001 - HiddenChecks reports it in its own turn
                pass
        self._stopped = None
        self._output_bytes = {}  # bytes each cell sent
        self._kept = 0  # bytes kept, all cells together
        self._deadline = time.monotonic() + self.notebook_timeout
        self._receiving = None  # (outputs, index) of the cell whose message is being handled
        for attempt in range(1, self.start_attempts + 1):
            self._executed = False
            try:
                return super().preprocess(nb, resources, km)
            except Exception as error:  # noqa: BLE001 - decided below
                if self._executed or attempt == self.start_attempts:
                    if self._executed:  # the kernel went away during or after a cell
                        return self.nb, self.resources
                    _finish(resources)  # HiddenChecks will not run for this notebook
                    self._discard_kernel_manager()
                    raise
                self.log.warning("The kernel failed to start (%s: %s); trying again",
                                 type(error).__name__, error)
                self._discard_kernel_manager()
                time.sleep(0.5 * attempt)

    def _counted(self, outs, msg, cell_index):
        """Count what ``msg`` would keep against its cell's ``max_cell_output`` bytes: True if
        it is within them; False once they are passed (with one note in the cell)."""
        used = self._output_bytes.get(cell_index, 0)
        if used > self.max_cell_output:
            return False
        size = _output_cost(msg)
        self._output_bytes[cell_index] = used + size
        if used + size > self.max_cell_output:
            outs.append(_note(f"... further output of this cell dropped: it printed more than "
                              f"{self.max_cell_output // 1_000_000} MB."))
            return False
        if self._kept + size > self.max_notebook_output:
            self._output_bytes[cell_index] = self.max_cell_output + 1  # nothing more here
            outs.append(_note(f"... further output of this notebook dropped: it printed more "
                              f"than {self.max_notebook_output // 1_000_000} MB in all."))
            return False
        self._kept += size
        return True

    def _fits(self, msg, cell_index):
        """Whether ``msg`` is within its cell's budget (without counting it)."""
        used, size = self._output_bytes.get(cell_index, 0), _output_cost(msg)
        return used + size <= self.max_cell_output and self._kept + size <= self.max_notebook_output

    def _discard_kernel_manager(self):
        """Remove the sandbox of a kernel that failed to start: nbclient cleans up only a
        kernel that started, and makes a new manager (and sandbox) for the next attempt."""
        km = getattr(self, "km", None)
        if km is not None and getattr(km, "sandbox", None) is not None:
            km.sandbox.close()
        self.km = None

    def output(self, outs, msg, display_id, cell_index):
        """Keep a cell's outputs until they reach ``max_cell_output`` bytes, then drop the
        rest with one note (nbgrader caps outputs only after the notebook has run)."""
        if not self._counted(outs, msg, cell_index):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def process_message(self, msg, cell, cell_index):
        self._receiving = cell.outputs, cell_index  # for _update_display_id
        return super().process_message(msg, cell, cell_index)

    def _update_display_id(self, display_id, msg):
        """Count display updates against the budget of the cell that sends them.

        nbclient never passes an ``update_display_data`` message to :meth:`output`: it writes
        its data straight into every earlier output with the same display id, in any cell. A
        new output with a display id is written there too, before :meth:`output` counts it:
        one over the budget is left to :meth:`output` to drop.
        """
        outs, cell_index = self._receiving
        if msg["header"]["msg_type"] == "update_display_data":
            if not self._counted(outs, msg, cell_index):
                return
        elif not self._fits(msg, cell_index):
            return
        super()._update_display_id(display_id, msg)

    def on_cell_executed(self, **kwargs):
        """nbgrader's Execute adds the error of a cell's execute_reply to its outputs when no
        error output has the same name (a timeout; an error output dropped over the budget;
        a reply the kernel was made to send apart): count it against the cell's budget too.
        Over the budget, only the error's name is kept."""
        reply, cell = kwargs["execute_reply"], kwargs["cell"]
        content = reply.get("content", {})
        added = content.get("status") == "error" and not any(
            output.get("output_type") == "error" and output.get("ename") == content.get("ename")
            for output in cell.outputs)
        if added and not self._counted(cell.outputs, reply, kwargs["cell_index"]):
            name = str(content.get("ename"))[:200]
            kwargs["execute_reply"] = {**reply, "content": {
                "status": "error", "ename": name, "evalue": "", "traceback": [
                    f"{name}: (its message was dropped with the rest of this cell's output)"]}}
        return super().on_cell_executed(**kwargs)

    def on_comm_open_jupyter_widget(self, msg):
        """nbclient's stand-in for an Output widget's front end keeps the widget's state and
        writes what it captures into ``widget_state``, which exists only with
        ``store_widget_state`` (KeyError otherwise). Without it there is no stand-in: what an
        Output widget captures stays in its cell's outputs, within the cell's budget, and no
        comm message is kept."""
        if not self.store_widget_state:
            return None
        return super().on_comm_open_jupyter_widget(msg)

    def preprocess_cell(self, cell, resources, index):
        if self._stopped is not None:
            if cell.cell_type == "code":
                cell.outputs = [_note(f"Not run: {self._stopped}")]
            return cell, resources
        self._executed = True
        start = time.monotonic()
        if cell.cell_type == "code" and start > self._deadline:
            self._stopped = (f"your notebook used up the {self.notebook_timeout} s that the "
                             "grader gives a whole notebook.")
            cell.outputs = [_note(f"Not run: {self._stopped}")]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except Exception as error:  # noqa: BLE001 - a dead or flooded kernel
            self._stopped = f"the kernel stopped while running your code cell {index + 1}."
            cell.outputs.append(_error(
                "KernelStopped", f"the kernel stopped while running this cell "
                f"({type(error).__name__}): it crashed, ran out of memory, or exited (os._exit). "
                "Your functions are still graded, each in a process of its own."))
            return cell, resources
        if cell.cell_type == "code" and time.monotonic() - start >= self.timeout:
            cell.outputs.append(_note(f"This cell ran longer than the {self.timeout} s limit "
                                      "and was interrupted."))
            if not self._responsive():
                self._stopped = (f"the kernel no longer answered after your code cell "
                                 f"{index + 1} ran past the {self.timeout} s limit.")
        return cell, resources

    def _responsive(self):
        try:
            self.wait_for_reply(self.kc.kernel_info(), timeout=5)
            return True
        except Exception:  # noqa: BLE001 - no reply in time
            return False


MESSAGE_COST = 8_000  # bytes an output takes in the grader beyond its content (measured 8.5 kB)


def _output_cost(msg):
    """What keeping a message's output costs: its content's text, plus what any output costs
    in nbclient and nbformat (an empty display_data is 28 characters of content but 8.5 kB
    kept: 100,000 of them, one cell's worth, took a worker to a gigabyte)."""
    return len(str(msg.get("content", ""))) + MESSAGE_COST


def _note(text):
    return new_output("stream", name="stdout", text=text.rstrip("\n") + "\n")



def _error(name, message):
    return new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def _inert(output):
    """A kernel output of a test cell as something that cannot score: for reading only."""
    kind = output.get("output_type")
    if kind == "error":
        return _note(f"In your notebook, this cell stopped at {output.get('ename')}: "
                     f"{output.get('evalue')}")
    if kind == "stream" and output.get("name") != "stdout":
        return _note(output.get("text", ""))
    if kind == "execute_result":
        return new_output("display_data", data=output.get("data", {}),
                          metadata=output.get("metadata", {}))
    return output


class _Early:
    """Verdicts being computed in a thread, and the code cells they are computed from."""

    def __init__(self, cells, work):
        self.cells = cells
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True,
                                        name="hidden-checks")
        self._thread.start()

    def _run(self, work):
        try:
            self._value = work()
        except BaseException as error:  # noqa: BLE001 - raised again in result()
            self._error = error

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def wait(self):
        """Let the thread end, whatever it computed: no two judgings of one worker overlap
        (the catalogued mistakes' outcomes are cached per worker)."""
        self._thread.join()

    def __deepcopy__(self, memo):  # nbconvert may copy the resources it is carried in
        return self


EARLY = "backprop_hidden_checks"  # the resources key of a started _Early


def _finish(resources):
    """Wait for, and drop, the early judging started for these resources, if any."""
    early = resources.pop(EARLY, None) if isinstance(resources, dict) else None
    if early is not None:
        early.wait()


class HiddenChecks(NbGraderPreprocessor):
    """Write the trusted verdict of each graded function into its test cell."""

    step_timeout = Float(30.0, help="seconds each cell and each hidden case may take").tag(config=True)

    def _plan(self, nb, resources):
        """(assignment, code cells, test cells, graded function names) of a notebook."""
        assignment = resources["nbgrader"]["assignment"]
        specs = load_specs(assignment)
        cells = [cell.source for cell in nb.cells if cell.cell_type == "code" and not is_grade(cell)]
        tests = [cell for cell in nb.cells if cell.cell_type == "code" and is_grade(cell)]
        names = []
        for cell in tests:
            grade_id = _grade_id(cell)
            name = grade_id[len("test_"):] if grade_id.startswith("test_") else None
            if name not in specs:
                raise KeyError(f"{assignment}: the test cell {grade_id!r} has no hidden checks "
                               f"(grading/specs/{assignment}.py lists {sorted(specs)})")
            names.append(name)
        return assignment, cells, tests, names

    def start(self, nb, resources):
        """Begin judging ``nb`` in a thread (the evaluator needs only the cells' sources, which
        running the notebook does not change); ``preprocess`` takes the verdicts."""
        assignment, cells, _, names = self._plan(nb, resources)
        return _Early(cells, lambda: core.judge_notebook(assignment, cells, names,
                                                         step_timeout=self.step_timeout))

    def preprocess(self, nb, resources):
        assignment, cells, tests, names = self._plan(nb, resources)
        early = resources.pop(EARLY, None)
        if early is not None and early.cells == cells:
            verdicts = early.result()
        else:
            if early is not None:
                early.wait()  # never two judgings at once in one worker
            verdicts = core.judge_notebook(assignment, cells, names, step_timeout=self.step_timeout)
        notes_shown = False
        for cell, name in zip(tests, names):
            passed, message, notes = verdicts[name]
            outputs = [_inert(output) for output in cell.get("outputs", [])]
            if notes and not notes_shown and not passed:
                outputs.append(_note("\n".join(notes)))
                notes_shown = True
            outputs.append(_note(f"Hidden checks: {message}") if passed
                           else _error("HiddenCheckFailed", message))
            cell.outputs = outputs
        return nb, resources
