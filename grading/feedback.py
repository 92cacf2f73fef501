"""The feedback page a student reads: offline, inert, and saying what went wrong.

nbgrader's feedback template loads MathJax 2 from a CDN (offline, a student sees raw
``$$ C = \\frac...``), copies a student's HTML, SVG and JavaScript outputs into the page as
they are, keeps image outputs of any size, lets a long hint line run off the right edge,
and shows a timeout as two empty lines (``KeyboardInterrupt:``, ``CellTimeoutError:``).

- :class:`SafeOutputs` (a ``GenerateFeedback`` preprocessor, after ``ShortenTracebacks``):
  explains a timeout ("this cell ran longer than the 30 s limit") once, instead of empty
  ``KeyboardInterrupt:`` and ``CellTimeoutError:`` lines, drops JavaScript and
  widget outputs, shows a student's HTML as escaped text and drops SVG that could run
  code, each with a note, and drops non-text outputs over ``max_bytes`` (1 MB) with a note.
- :class:`FeedbackExporter` (``c.GenerateFeedback.exporter_class``): nbgrader's HTML
  exporter with HTML sanitizing on (markdown and any HTML left are cleaned by nbconvert:
  no ``<script>``, no ``on*=`` attributes), MathJax 3 copied next to each page from the
  ``sphinx-mathjax-offline`` package the site uses (no CDN), and CSS that wraps output
  lines, so ``Likely cause: ...`` stays inside its box.
"""

import importlib.util
import re
from pathlib import Path

import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer, List

MATHJAX_SCRIPT = "tex-chtml-full.js"  # every TeX extension built in: nothing is fetched later
MATHJAX_FONTS = "output/chtml/fonts/woff-v2"
_ACTIVE = re.compile(r"<\s*script|\bon\w+\s*=|javascript:|<\s*foreignObject|<\s*iframe", re.I)

CSS = """
/* grading/feedback.py: long lines (hints, messages) wrap instead of leaving their box. */
div.output_area pre, div.output_subarea pre, div.output_text pre, div.output_error pre {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  word-break: break-word;
}
div.output_subarea { overflow-x: auto; }
div.text_cell_render { overflow-x: auto; }
"""

MATHJAX_CONFIG = """<script>
window.MathJax = {
  tex: {
    inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
    displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
    processEscapes: true,
    processEnvironments: true
  },
  chtml: {fontURL: 'mathjax/%s'}
};
</script>
<script defer src="mathjax/%s"></script>""" % (MATHJAX_FONTS, MATHJAX_SCRIPT)


_EMPTY_INTERRUPT = re.compile(r"\b(KeyboardInterrupt|CellTimeoutError):\s*$")


def _is_timeout(output):
    """Whether this output says that the cell was stopped by the time limit."""
    if output.get("output_type") == "error":
        return output.get("ename") == "CellTimeoutError"
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "CellTimeoutError" in text or bool(re.search(r"longer than the \d+ s limit", text))
    return False


def _size(value):
    """Bytes of an output's data (base64 text counts as the bytes it encodes)."""
    if isinstance(value, list):
        value = "".join(value)
    if not isinstance(value, str):
        return len(str(value))
    return len(value) * 3 // 4 if re.fullmatch(r"[A-Za-z0-9+/=\s]*", value[:4096]) else len(value)


def _human(size):
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


class SafeOutputs(NbGraderPreprocessor):
    """Make every output of the graded notebook safe and readable on the feedback page."""

    max_bytes = Integer(1_000_000, help="largest non-text output kept").tag(config=True)
    # Declared configurable so that nbgrader's setting of it is not warned about.
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value
                                 ).tag(config=True)
    html_chars = Integer(2_000, help="characters of a student's HTML shown as text").tag(config=True)

    def _limit(self):
        try:
            return int(self.config.Execute.get("timeout", 30))
        except (TypeError, ValueError):
            return 30

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        outputs = cell.get("outputs", [])
        timed_out = any(_is_timeout(o) for o in outputs)
        explained = False
        kept = []
        for output in outputs:
            kind = output.get("output_type")
            if timed_out and kind == "error" and output.get("ename") == "KeyboardInterrupt" \
                    and not str(output.get("evalue", "")).strip():
                continue  # the interrupt the timeout sent: said once, below
            if kind == "error" and output.get("ename") == "CellTimeoutError":
                if explained:
                    continue
                message = (f"this cell ran longer than the {self._limit()} s limit and was "
                           "stopped (an endless loop, or far too much work?)")
                output = NotebookNode(output_type="error", ename="CellTimeoutError",
                                      evalue=message, traceback=[f"CellTimeoutError: {message}"])
                explained = True
            elif kind == "stream" and timed_out:
                # An interrupt shown as text: its name with no message says nothing.
                lines = [line for line in output.get("text", "").splitlines(keepends=True)
                         if not _EMPTY_INTERRUPT.search(line)]
                if not "".join(lines).strip():
                    continue
                output = NotebookNode(dict(output, text="".join(lines)))
                explained = explained or "longer than" in output.text
            elif kind in ("display_data", "execute_result"):
                kept.extend(self._safe_data(output))
                continue
            kept.append(output)
        if timed_out and not explained:
            message = f"this cell ran longer than the {self._limit()} s limit and was stopped"
            kept.append(NotebookNode(output_type="stream", name="stdout", text=message + "\n"))
        cell.outputs = kept
        return cell, resources

    def _safe_data(self, output):
        """The output with only safe data kept, then a stream output with notes if needed."""
        data = output.get("data", {})
        safe, notes = {}, []
        for mime, value in data.items():
            text = "".join(value) if isinstance(value, list) else value
            if mime in ("text/plain", "text/markdown", "text/latex"):
                safe[mime] = value
            elif mime == "text/html":
                if "text/plain" in data:
                    notes.append("[an HTML output, shown above as plain text: feedback pages "
                                 "show no student HTML]")
                elif isinstance(text, str):
                    shown = text if len(text) <= self.html_chars else \
                        text[: self.html_chars] + " ..."
                    notes.append("[an HTML output, shown as text: feedback pages show no "
                                 "student HTML]\n" + shown)
            elif mime == "image/svg+xml":
                if not isinstance(text, str) or _ACTIVE.search(text):
                    notes.append("[an SVG image with scripts or event handlers, not shown]")
                elif _size(text) > self.max_bytes:
                    notes.append(f"[an SVG image of {_human(_size(text))}, not shown: over the "
                                 f"{_human(self.max_bytes)} limit]")
                else:
                    safe[mime] = value
            elif mime.startswith("image/"):
                if _size(text) > self.max_bytes:
                    notes.append(f"[an output of type {mime}, {_human(_size(text))}: not shown, "
                                 f"over the {_human(self.max_bytes)} limit]")
                else:
                    safe[mime] = value
            else:
                notes.append(f"[an output of type {mime}: not shown in feedback pages]")
        result = []
        if safe:
            output = NotebookNode(dict(output))
            output["data"] = NotebookNode(safe)
            result.append(output)
        if notes:
            result.append(NotebookNode(output_type="stream", name="stdout",
                                       text="\n".join(notes) + "\n"))
        return result


def mathjax_folder():
    """The MathJax 3 that ``sphinx-mathjax-offline`` installs (the site's), or None."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "static" / "mathjax"
        if (folder / MATHJAX_SCRIPT).exists():
            return folder
    return None


_FILES = {}


def mathjax_files():
    """``{relative path: bytes}`` of the MathJax files a feedback page needs."""
    if not _FILES:
        folder = mathjax_folder()
        if folder is not None:
            paths = [folder / MATHJAX_SCRIPT, *sorted((folder / MATHJAX_FONTS).glob("*.woff"))]
            for path in paths:
                _FILES[f"mathjax/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return _FILES


_MATHJAX_2 = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_CDN = re.compile(r"<script[^>]*src=\"https?://[^\"]*mathjax[^\"]*\"[^>]*>\s*</script>", re.I)


TEMPLATES = Path(__file__).resolve().parent / "templates"


# Markdown rendered to HTML keeps its headings, paragraphs, lists, tables and images; every
# script, event handler and style goes. nbconvert's own clean_html allows too few tags (no h1,
# p, ...), so a sanitized exercise text showed its tags as text.
MARKDOWN_TAGS = ["a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3",
                 "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong",
                 "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul", "del", "s"]
MARKDOWN_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href"], "img": ["src", "alt"]}


def clean_markdown_html(html_text):
    """Sanitized HTML of a rendered markdown cell (bleach, a well-kept sanitizer that nbconvert
    already depends on, with an allowlist fit for markdown)."""
    import bleach

    return bleach.clean(str(html_text), tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES,
                        protocols=["http", "https", "mailto"], strip=True)


NO_ALT = "No description has been provided for this image"  # nbconvert's own words
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt\s*=)(?=[\s/>])", re.I)


def add_missing_alt(html_text):
    """``html_text`` with an ``alt`` text on every ``<img>`` tag that has none, as nbconvert's
    HTMLExporter gives it (its output images have none; a screen reader then reads the data
    URI). Attribute values here are escaped (nbconvert, bleach): no ``>`` inside a tag."""
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', html_text)


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process (jinja's own cache interface).

    nbgrader makes a new exporter, hence a new jinja environment, for every notebook, and
    compiling the ten templates of a feedback page cost more than rendering it. A bucket's
    key includes its template's source checksum, so an edited template is compiled again.
    """

    def __init__(self):
        self._store = {}

    def load_bytecode(self, bucket):
        code = self._store.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._store[bucket.key, bucket.checksum] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _MemoryBytecodeCache()


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page, sanitized, with MathJax 3 next to it instead of a CDN.

    The template ``feedback_safe`` (grading/templates/) is nbgrader's ``feedback`` with
    markdown cells passed through :func:`clean_markdown_html` too: nbgrader's own template
    renders a student's markdown, ``<script>`` included, as it is.
    """

    sanitize_html = Bool(True, help="clean student HTML and markdown (nbconvert's "
                                    "clean_html)").tag(config=True)

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_markdown_html", clean_markdown_html)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.template_name in ("feedback", ""):
            # feedback_safe extends 'feedback/index.html.j2': nbgrader's template folder
            # (a base dir here) must be on the search path itself.
            self.extra_template_paths = [*self.extra_template_paths, *self.extra_template_basedirs]
            self.extra_template_basedirs = [*self.extra_template_basedirs, str(TEMPLATES)]
            self.template_name = "feedback_safe"
            # template_paths was computed for the old name during __init__: recompute it.
            self.template_paths = self._template_paths()

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _TEMPLATE_CACHE
        return environment

    def _render(self, nb, resources, **kw):
        """``HTMLExporter.from_notebook_node`` without its BeautifulSoup pass.

        That pass parses and re-serializes the whole page (about 0.1 s of CPU per feedback
        page, two thirds of making it) to give every ``<img>`` lacking one an ``alt`` text and
        to make JupyterLab-template cells focusable. nbgrader's classic feedback template has
        no such cells, so only the ``alt`` text is needed: :func:`add_missing_alt` gives it.
        The setup before rendering is nbconvert 7's own; with an nbconvert that lacks it,
        the full ``HTMLExporter`` path is taken (tests/test_feedback_page.py compares the two).
        """
        if not (hasattr(self, "_init_resources") and hasattr(self, "_nb_metadata")):
            return super().from_notebook_node(nb, resources, **kw)
        from nbconvert.exporters.html import Highlight2HTML, WidgetsDataTypeFilter

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        output, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return add_missing_alt(output), resources

    def from_notebook_node(self, nb, resources=None, **kw):
        output, resources = self._render(nb, resources, **kw)
        files = mathjax_files()
        head = f"<style type=\"text/css\">{CSS}</style>\n"
        if files:
            head += MATHJAX_CONFIG
            resources.setdefault("outputs", {}).update(files)
        else:
            self.log.warning("sphinx-mathjax-offline is not installed: math in feedback "
                             "pages stays as TeX source")
        output = _CDN.sub("", _MATHJAX_2.sub("", output))
        output = output.replace("</head>", head + "\n</head>", 1)
        return output, resources
