"""The real nbgrader pipeline, end to end: generate -> submit -> autograde -> feedback.

For every assignment one autograde run grades: the reference answers (full marks), the
untouched release (zero, without crashing) and one submission per catalogued mistake
(that function loses its points and the feedback names the misconception).
"""

import html
import importlib
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

import grading
from course import ASSIGNMENTS, ROOT, Course, errors

# Two autograde runs at once: one per core.
WORKERS = 2


def _mistake_rounds(assignment):
    """Submission k uses the k-th catalogued mistake of every function that has one."""
    specs = grading.load_specs(assignment)
    rounds = max((len(s.mistakes) for s in specs.values()), default=0)
    return [{name: spec.mistakes[k] for name, spec in specs.items() if k < len(spec.mistakes)}
            for k in range(rounds)]


def _alternative_rounds(assignment):
    """Submission k uses the k-th correct-but-different answer of every function that has one."""
    module = importlib.import_module(f"grading.specs.{assignment}")
    alternatives = getattr(module, "ALTERNATIVES", {})
    rounds = max((len(a) for a in alternatives.values()), default=0)
    return [{name: sources[k] for name, sources in alternatives.items() if k < len(sources)}
            for k in range(rounds)]


def _grade(course, assignment):
    """Submit, autograde and give feedback for every kind of submission of one assignment."""
    course.submit(assignment, "reference")
    course.submit(assignment, "untouched",
                  answers=course.answers(assignment, course.release(assignment)))
    rounds = [(f"mistakes-{k}", {name: m.source for name, m in mistakes.items()})
              for k, mistakes in enumerate(_mistake_rounds(assignment))]
    rounds += [(f"alternatives-{k}", alternatives)
               for k, alternatives in enumerate(_alternative_rounds(assignment))]
    for student, sources in rounds:
        answers = course.answers(assignment)
        answers.update({name: source.strip() + "\n" for name, source in sources.items()})
        course.submit(assignment, student, answers=answers)
    course.autograde(assignment)
    course.feedback(assignment)
    return assignment


@pytest.fixture(scope="module")
def courses(request, tmp_path_factory):
    """One graded course per assignment, built in parallel for the selected tests only."""
    selected = {item.callspec.params["assignment"] for item in request.session.items
                if getattr(item, "module", None) is request.module and hasattr(item, "callspec")}

    def build(assignment):
        course = Course(tmp_path_factory.mktemp(assignment), [assignment])
        _grade(course, assignment)
        return assignment, course

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(pool.map(build, sorted(selected)))


@pytest.fixture
def graded(courses, assignment):
    return courses[assignment]


def _text(feedback_html):
    """The visible text of a feedback page."""
    body = re.sub(r"<(style|script)\b.*?</\1>", "", feedback_html, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_answers_get_full_marks(graded, assignment):
    scores = graded.scores(assignment, "reference")
    maximum = graded.max_scores(assignment)
    assert scores["total"] == sum(maximum.values()) > 0
    for grade_id, points in maximum.items():
        nb = graded.autograded(assignment, "reference")
        assert scores[grade_id] == points, (grade_id, errors(nb, grade_id))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_answers_written_differently_get_full_marks(graded, assignment):
    rounds = _alternative_rounds(assignment)
    assert rounds, f"{assignment} lists no alternative correct answers"
    maximum = graded.max_scores(assignment)
    for k in range(len(rounds)):
        scores = graded.scores(assignment, f"alternatives-{k}")
        nb = graded.autograded(assignment, f"alternatives-{k}")
        for grade_id, points in maximum.items():
            assert scores[grade_id] == points, (k, grade_id, errors(nb, grade_id))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero(graded, assignment):
    scores = graded.scores(assignment, "untouched")
    assert scores["total"] == 0
    nb = graded.autograded(assignment, "untouched")
    for grade_id in graded.max_scores(assignment):
        assert any("NotImplementedError" in e for e in errors(nb, grade_id)), grade_id


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_catalogued_mistake_loses_its_points_with_its_hint(graded, assignment):
    for k, mistakes in enumerate(_mistake_rounds(assignment)):
        student = f"mistakes-{k}"
        scores = graded.scores(assignment, student)
        feedback = _text(graded.feedback_html(assignment, student))
        for name, mistake in mistakes.items():
            assert scores[f"test_{name}"] == 0, (student, name, mistake.name)
            # The trusted verdict alone scores, so it names the misconception every time.
            assert f"Likely cause: {mistake.hint}" in feedback, (name, mistake.name)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_tests_catch_what_the_instructions_warn_about(graded, assignment):
    """A mistake the instructions warn about fails the visible tests, with the promised message."""
    for k, mistakes in enumerate(_mistake_rounds(assignment)):
        for name, mistake in mistakes.items():
            if mistake.visible:
                text = _cell_text(graded, assignment, f"mistakes-{k}", name)
                assert "Visible tests passed." not in text, (name, mistake.name)
                assert mistake.visible in text, (name, mistake.name, text[-500:])


def _cell_text(course, assignment, student, name):
    nb = course.autograded(assignment, student)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == f"test_{name}":
            return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    raise AssertionError(f"no test cell for {name}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_wrong_answer_that_passes_the_visible_tests_loses_the_hidden_points(graded, assignment):
    found = []
    for k, mistakes in enumerate(_mistake_rounds(assignment)):
        student = f"mistakes-{k}"
        for name, mistake in mistakes.items():
            if "Visible tests passed." in _cell_text(graded, assignment, student, name):
                assert graded.scores(assignment, student)[f"test_{name}"] == 0
                found.append((name, mistake.name))
    assert found, f"no catalogued mistake of {assignment} gets past its visible tests"


def _secret_lines(solution, begin):
    """Substantial code lines between a BEGIN/END pair of markers in the master notebook."""
    end = begin.replace("BEGIN", "END")
    lines = set()
    for cell in solution.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == begin:
                inside = True
            elif line.strip() == end:
                inside = False
            elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
                lines.add(line.strip())
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_never_shows_hidden_tests_or_reference_code(graded, assignment):
    solution = graded.solution(assignment)
    hidden = _secret_lines(solution, "### BEGIN HIDDEN TESTS")
    answers = _secret_lines(solution, "### BEGIN SOLUTION")
    students = ["reference", "untouched"] + [f"mistakes-{k}" for k in
                                             range(len(_mistake_rounds(assignment)))]
    for student in students:
        feedback = _text(graded.feedback_html(assignment, student))
        for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "grading.check",
                       "import grading", "most recent call last", str(ROOT / "grading")):
            assert marker not in feedback, (student, marker)
        assert not [line for line in hidden if line in feedback], student
    # A student who wrote nothing must not be shown the reference answers (lines that
    # also stand in the release, such as a visible test's, are not secret).
    release = "\n".join(c.source for c in graded.release(assignment).cells)
    untouched = _text(graded.feedback_html(assignment, "untouched"))
    assert not [line for line in answers if line in untouched and line not in release]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_says_which_check_failed(graded, assignment):
    texts = [_text(graded.feedback_html(assignment, f"mistakes-{k}"))
             for k in range(len(_mistake_rounds(assignment)))]
    assert any("failed a hidden check" in t for t in texts)
