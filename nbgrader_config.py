"""nbgrader configuration. Every nbgrader command runs from the repository root."""

from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

ROOT = Path(__file__).resolve().parent

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"   # master notebooks with answers and hidden tests
c.CourseDirectory.release_directory = "exercises"  # what students get (committed)
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Autograde. Student code runs only in the sandbox (grading/sandbox.py): the kernel that
# makes the outputs the student reads, and, for each graded function, a fresh evaluator
# whose values HiddenChecks judges outside it. The verdict alone scores a test cell.
# Each cell gets 30 s, so a function that loops forever fails its own test cell and the
# rest of the notebook is still graded.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
# Keep at most 200 lines and 20,000 characters of each printed output in graded notebooks.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100
c.CapOutputSize.max_chars = 20_000
c.Autograde.autograde_preprocessors = [
    "grading.nbgrader_hooks.SandboxedExecute",
    "grading.nbgrader_hooks.HiddenChecks",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "grading.nbgrader_hooks.CapOutputSize",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# A graded test cell the student deleted is put back from the gradebook, and graded cells
# the student moved are put back in their place before the notebook runs.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "grading.nbgrader_hooks.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "grading.nbgrader_hooks.RestoreCellOrder",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows which checks failed and why, never the hidden test code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "grading.nbgrader_hooks.ShortenTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
