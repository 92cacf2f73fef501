"""Every chapter keeps the book's shape: objectives, math, code, figures, mistakes, exercise.

(nbval, run by the same pytest command, re-executes each chapter and compares its outputs.)
"""

import ast
import re

import nbformat
import pytest

import grading
from course import ROOT

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
SECTIONS = ["## What you will learn", "## Common mistakes", "## Summary", "## Exercise"]
REPO = "https://github.com/backprop-from-scratch/backprop-from-scratch/blob/main"


def _nb(path):
    return nbformat.read(path, as_version=4)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param


def test_chapter_has_the_book_sections_in_order(chapter):
    text = _markdown(_nb(chapter))
    assert len(re.findall(r"^# ", text, re.M)) == 1, "exactly one title"
    assert not re.search(r"^# *(Chapter )?\d", text, re.M), "titles carry no numbers"
    positions = [text.find(section) for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions) if p == -1]
    assert positions == sorted(positions)


def test_chapter_has_math(chapter):
    assert re.search(r"\$\$.+?\$\$|\$[^$\n]+\$", _markdown(_nb(chapter)), re.S)


def test_chapter_links_to_its_exercise(chapter):
    number = chapter.stem[:2]
    releases = list((ROOT / "exercises").glob(f"ex{number}_*/ex{number}_*.ipynb"))
    assert len(releases) == 1, f"no exercise for chapter {number}"
    link = f"{REPO}/{releases[0].relative_to(ROOT).as_posix()}"
    assert link in _markdown(_nb(chapter))


def test_chapter_outputs_are_stored_without_errors_or_warnings(chapter):
    nb = _nb(chapter)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "execute the chapter and store outputs"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", cell.source[:200]
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                cell.source[:200], output.text[:300])


def test_figures_have_captions_and_alt_text(chapter):
    nb = _nb(chapter)
    figures = [c for c in nb.cells if c.cell_type == "code"
               and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert figures, "every chapter has at least one matplotlib figure"
    for cell in figures:
        meta = cell.metadata.get("mystnb", {})
        assert meta.get("figure", {}).get("caption"), cell.source[:120]
        assert meta.get("image", {}).get("alt"), cell.source[:120]


def test_chapter_uses_the_seeded_generator_only(chapter):
    code = "\n".join(c.source for c in _nb(chapter).cells if c.cell_type == "code")
    assert not re.search(r"np\.random\.(seed|rand|randn|random|randint|normal|uniform)\(", code)


def test_chapter_does_not_define_its_exercise_functions(chapter):
    """The reference answers live in solutions/ only, never in the published book."""
    number = chapter.stem[:2]
    graded = {name for p in (ROOT / "solutions").glob(f"ex{number}_*")
              for name in grading.load_specs(p.name)}
    for cell in _nb(chapter).cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            defined = {n.name for n in ast.walk(ast.parse(source))
                       if isinstance(n, ast.FunctionDef)}
            assert not defined & graded, defined & graded
