"""PDF of a report page: charts as static images (kaleido), the page through weasyprint.

Managers circulate PDFs to members, so the PDF must read well printed (issue #11): A4, page
numbers in the footer ("Page 2 of 5"), a table row never split across pages and the column
labels repeated on each page, headings kept with what follows, fonts that Debian has
(Liberation Sans, Arial's metric twin; DejaVu Sans).

- :func:`figure_image` draws a plotly figure as PNG or SVG with kaleido, which drives
  Debian's chromium (``/usr/bin/chromium``, or ``$BROWSER_PATH``; GUIDE.md §1). The first
  call starts one browser (:func:`start_images`, about 3 s); later images take ~0.2 s. A
  browser is never downloaded.
- :func:`print_html` turns a report page holding interactive plotly figures (from
  ``fig.to_html`` or nbconvert with the ``notebook`` renderer) into print HTML: each figure
  becomes its image, every script goes.
- :func:`write_pdf` writes the PDF with weasyprint (pango, already on Debian machines).
"""

from __future__ import annotations

import atexit
import base64
import html
import json
import os
import re
import shutil
import threading
import warnings
from pathlib import Path

from eyanalysis.errors import PresentationError

#: Usable width of an A4 page inside the margins below, in CSS pixels (178 mm at 96 dpi).
PAGE_WIDTH_PX = 672
DEFAULT_HEIGHT_PX = 420
FONTS = 'Arial, "Liberation Sans", Helvetica, "DejaVu Sans", sans-serif'

PRINT_CSS = f"""
@page {{
  size: A4;
  margin: 16mm 16mm 20mm 16mm;
  @bottom-center {{
    content: "Page " counter(page) " of " counter(pages);
    font-family: {FONTS}; font-size: 9pt; color: #505a5f;
  }}
}}
html {{ font-family: {FONTS}; font-size: 10.5pt; color: #0b0c0c; line-height: 1.35; }}
body {{ margin: 0; }}
h1, h2, h3, h4 {{ break-after: avoid; page-break-after: avoid; }}
h1 {{ font-size: 20pt; }} h2 {{ font-size: 15pt; margin-top: 1.2em; }}
p, li {{ orphans: 3; widows: 3; }}
figure.ey-chart {{ margin: 0 0 1em 0; break-inside: avoid; page-break-inside: avoid; }}
figure.ey-chart img {{ width: 100%; height: auto; }}
img, svg {{ max-width: 100%; }}
table {{ border-collapse: collapse; max-width: 100%; }}
tr, td, th {{ break-inside: avoid; page-break-inside: avoid; }}
thead {{ display: table-header-group; }}
tfoot {{ display: table-row-group; }}
a {{ color: #1d70b8; }}
.no-print, button, input, .dt-buttons, .dt-search {{ display: none !important; }}
/* nbconvert lays each output out as a CSS table, which ends the chain weasyprint follows
   for break-after: avoid; as blocks, a report section's heading and sentences stay on the
   page of the chart or table that follows them */
.jp-OutputArea-child, .jp-OutputArea-output {{ display: block !important;
  break-inside: auto !important; page-break-inside: auto !important; }}
"""

_server_lock = threading.Lock()
_server_started = False


#: Chromium or Chrome binaries looked for on PATH (Debian's first), when $BROWSER_PATH is unset.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser_path() -> str:
    """The browser kaleido will drive: ``$BROWSER_PATH``, else Debian's chromium or a Chrome
    on PATH. Refuses (never downloads) when there is none: kaleido's own server would
    otherwise wait for a browser that never starts."""
    chosen = os.environ.get("BROWSER_PATH")
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise PresentationError(
                f"BROWSER_PATH={chosen!r} is not an executable browser: point it at "
                "chromium or Chrome, or unset it to use Debian's /usr/bin/chromium.")
        return chosen
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PresentationError(
        "no browser to draw chart images with: install Debian's chromium "
        "(apt-get install -y chromium) or set BROWSER_PATH to a Chrome or Chromium binary. "
        "A browser is never downloaded.")


def start_images() -> None:
    """Start kaleido's browser once for this process (stopped at exit)."""
    global _server_started
    with _server_lock:
        if _server_started:
            return
        import kaleido

        kaleido.start_sync_server(path=browser_path(), silence_warnings=True)
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _server_started = True


def figure_image(fig, fmt: str = "svg", *, width: int = PAGE_WIDTH_PX,
                 height: int | None = None, scale: float = 2) -> bytes:
    """``fig`` as ``svg`` or ``png`` bytes, ``width`` CSS pixels wide (the figure's own
    height, else 420 px); PNGs at ``scale`` times for print sharpness."""
    import plotly.io as pio

    if fmt not in ("svg", "png"):
        raise PresentationError(f"image format {fmt!r}: use svg or png.")
    height = height or fig.layout.height or DEFAULT_HEIGHT_PX
    with warnings.catch_warnings():  # kaleido's own options are unused with one server
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        start_images()
        try:
            return pio.to_image(fig, format=fmt, width=width, height=height,
                                scale=scale if fmt == "png" else 1)
        except Exception as exc:  # kaleido raises several types when chromium fails
            raise PresentationError(
                f"could not draw a chart image with kaleido ({exc}). Install Debian's "
                "chromium (apt-get install chromium) or set BROWSER_PATH to a Chrome or "
                "Chromium binary; never download one.") from exc


def _alt(fig) -> str:
    title = fig.layout.title
    parts = [title.text or ""]
    sub = getattr(title, "subtitle", None)
    if sub is not None and sub.text:
        parts.append(sub.text)
    text = ". ".join(p for p in parts if p) or "Chart"
    return re.sub(r"<[^>]+>", " ", text).strip()


def figure_tag(fig, fmt: str = "svg", *, width: int = PAGE_WIDTH_PX,
               height: int | None = None) -> str:
    """An ``<figure>`` holding ``fig`` as an inline image, its title as the alt text."""
    data = figure_image(fig, fmt, width=width, height=height)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<figure class="ey-chart"><img src="{src}" alt="{html.escape(_alt(fig))}">'
            "</figure>")


_NEWPLOT = re.compile(r"Plotly\.newPlot\(\s*[\"']([^\"']+)[\"']\s*,\s*")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


def _figures(page: str) -> dict[str, dict]:
    """Plotly figures drawn by ``Plotly.newPlot("id", data, layout, ...)`` calls in a
    page, by div id."""
    decoder = json.JSONDecoder()
    found = {}
    for match in _NEWPLOT.finditer(page):
        pos = match.end()
        try:
            data, pos = decoder.raw_decode(page, pos)
            pos = re.compile(r"\s*,\s*").match(page, pos).end()
            layout, _ = decoder.raw_decode(page, pos)
        except (ValueError, AttributeError) as exc:
            raise PresentationError(
                f"the plotly figure {match.group(1)} could not be read from the page ({exc}); "
                "write figures with fig.to_html() or plotly's notebook renderer.") from exc
        found[match.group(1)] = {"data": data, "layout": layout}
    return found


def print_html(page: str, *, fmt: str = "svg", width: int = PAGE_WIDTH_PX) -> str:
    """``page`` with each plotly figure replaced by its static image and every script
    removed, ready for :func:`write_pdf` (or for printing from a browser)."""
    import plotly.graph_objects as go

    figures = _figures(page)
    for div_id, spec in figures.items():
        fig = go.Figure(spec)
        layout_width = fig.layout.width
        tag = figure_tag(fig, fmt, width=min(layout_width or width, width))
        # nbconvert may write the id after the class: any attribute order
        div = re.compile(r"<div\b[^>]*\bid=[\"']" + re.escape(div_id)
                         + r"[\"'][^>]*>\s*</div>")
        page, n = div.subn(lambda _m, tag=tag: tag, page, count=1)
        if not n:
            raise PresentationError(f"the plotly figure {div_id} has no <div> on the page.")
    return _SCRIPT.sub("", page)


def write_pdf(page: str, path: str | Path, *, base_url: str | Path | None = None,
              css: str = "") -> Path:
    """Write ``page`` (print HTML: see :func:`print_html`) to ``path`` as an A4 PDF with
    page numbers; ``css`` adds to :data:`PRINT_CSS`. Returns the path."""
    from weasyprint import CSS, HTML

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = [CSS(string=PRINT_CSS + css)]
    HTML(string=page, base_url=str(base_url) if base_url else None).write_pdf(
        path, stylesheets=sheets)
    return path


def report_pdf(page: str, path: str | Path, *, fmt: str = "svg", **kwargs) -> Path:
    """A report page with interactive figures straight to a PDF."""
    return write_pdf(print_html(page, fmt=fmt), path, **kwargs)
