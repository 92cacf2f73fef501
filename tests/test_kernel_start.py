"""The sandboxed kernel: a kernel that fails to start is tried again, and a notebook runs in
the sandbox with no view of the course (the autograde Execute step, without nbgrader's CLI)."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grading import nbgrader_hooks, sandbox


class FlakyKernelManager(sandbox.SandboxedKernelManager):
    """Fails its first start, as kernels started side by side sometimes do."""

    starts = 0

    async def start_kernel(self, **kwargs):
        FlakyKernelManager.starts += 1
        if FlakyKernelManager.starts == 1:
            raise RuntimeError("Invalid Signature (simulated)")
        return await super().start_kernel(**kwargs)


def _run(nb, tmp_path, **kwargs):
    executor = nbgrader_hooks.SandboxedExecute(timeout=30, **kwargs)
    return executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})[0]


def test_a_kernel_that_fails_to_start_is_tried_again(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where sandboxes are made
    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    done = _run(nb, tmp_path, kernel_manager_class=FlakyKernelManager)
    assert FlakyKernelManager.starts == 2
    assert done.cells[0].outputs[0]["text"] == "42\n"
    # The failed attempt's sandbox folder is removed too (it was left in /tmp).
    assert list(scratch.iterdir()) == []


def test_the_kernel_sees_no_course_and_no_home(tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("BACKPROP_COURSE_ROOT", str(root))
    python = Path(sys.base_prefix).resolve()
    # What the home folder holds, but for the Python installation bound back read-only.
    private = [str(p) for p in Path.home().iterdir() if p not in python.parents and p != python]
    code = ("import os\n"
            f"print(os.path.exists({str(root / 'solutions')!r}), "
            f"[p for p in {private!r} if os.path.exists(p)])")
    nb = new_notebook(cells=[new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    done = _run(nb, tmp_path)
    assert private, "the test needs something in the home folder to look for"
    assert done.cells[0].outputs[0]["text"] == "False []\n"
    assert nbformat.validate(done) is None
