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
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    # The kernel prints a banner about its connection file at every start: noise here.
    "--IPKernelApp.log_level=ERROR",
]
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
# Before nbgrader's own checks, a submission is repaired into the shape of the release
# (grading/repair.py): deleted cells (setup, answers, tests) restored, cells whose metadata
# a tool stripped found by their content, copies and cells of other exercises dropped,
# changed grade/points/types reset, cells put back in order; each repair is listed at the
# top of the graded notebook. Submissions are read with BOM, Latin-1 and nbformat 3
# tolerated; a file that is not a notebook fails with the reason.
c.Autograde.exporter_class = "grading.repair.SubmissionExporter"
c.OverwriteCells.add_missing_cells = True  # a safety net: RepairNotebook restores them first
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "grading.repair.RepairNotebook",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows which checks failed and why, never the hidden test code. The page
# (grading/feedback.py) reads offline (MathJax 3 copied next to it, no CDN), wraps long
# hint lines, explains timeouts, and shows no student HTML/JS nor outputs over 1 MB.
c.GenerateFeedback.exporter_class = "grading.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "grading.nbgrader_hooks.ShortenTracebacks",
    "grading.feedback.SafeOutputs",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
