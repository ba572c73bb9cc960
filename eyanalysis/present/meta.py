"""What a published table says about itself, and who to contact about a release.

A :class:`TableSpec` travels with a published (disclosure-controlled) frame to every writer:
the HTML publication table and the interactive table (:mod:`eyanalysis.present.tables`), the
workbook sheet and the CSV file (:mod:`eyanalysis.present.workbook`). It holds the title,
subtitle, a :class:`Column` per shown column (reader's label, kind of number, code list for
codes, unit), spanners, notes and the source, so a label or a unit is written once.
:func:`check` refuses a frame that cannot be shown honestly, naming every problem at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from eyanalysis.errors import PresentationError
from eyanalysis.parameters import Parameters, load_parameters
from eyanalysis.present import format as fmt
from eyanalysis.vocabulary import CodeList

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: Row labels allowed in a coded column besides the codes (shown as they are).
ROW_LABELS = ("Total",)
#: Units a workbook or CSV header carries for each kind (HTML cells carry £ and % already).
DEFAULT_UNITS = {"pence": "£", "rate": "£ per hour", "percent": "%"}


@dataclass(frozen=True)
class Column:
    """One shown column: the reader's ``label``, the ``kind`` of value
    (:data:`eyanalysis.present.format.KINDS`), the ``codes`` it holds (shown by their
    labels), its ``unit`` in workbook and CSV headers (default by kind: ``£``, ``%``),
    its ``width`` in a publication table (a share such as ``"38%"``: long row labels on one
    or two lines in print instead of four; the other columns share the rest)."""

    label: str
    kind: str = "text"
    codes: CodeList | None = None
    unit: str | None = None
    width: str | None = None

    def __post_init__(self):
        if self.kind not in fmt.KINDS:
            raise PresentationError(
                f"column {self.label!r}: unknown kind {self.kind!r}; use one of "
                f"{', '.join(fmt.KINDS)}.")
        if self.width is not None and not re.fullmatch(r"\d{1,2}%", self.width):
            raise PresentationError(
                f"column {self.label!r}: width {self.width!r}; give a share of the table "
                "such as '38%'.")

    @property
    def numeric(self) -> bool:
        return self.kind != "text"

    @property
    def header_unit(self) -> str | None:
        return self.unit if self.unit is not None else DEFAULT_UNITS.get(self.kind)


@dataclass(frozen=True)
class Note:
    """A note under a table; ``column`` ties it to a column's header."""

    text: str
    column: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A published table's metadata.

    ``name``: file and sheet stem (lower-case letters, digits, ``_``). ``columns``: shown
    columns in order, by frame column name (others are left out). ``spanners``: a label over
    adjacent columns. ``notes``: strings or :class:`Note`. ``total_row``: the last row holds
    totals (shown in bold). ``sheet``: the worksheet name (default: ``Table N``).
    """

    name: str
    title: str
    columns: Mapping[str, Column]
    subtitle: str = ""
    spanners: Mapping[str, Sequence[str]] = field(default_factory=dict)
    notes: Sequence[Note | str] = ()
    source: str = ""
    total_row: bool = False
    sheet: str | None = None

    def __post_init__(self):
        problems = []
        if not _NAME.match(self.name):
            problems.append(f"name {self.name!r}: use lower-case letters, digits and _")
        if not self.title.strip():
            problems.append("a title is needed (one that states what the table shows)")
        if not self.columns:
            problems.append("no columns")
        for label, cols in self.spanners.items():
            unknown = [c for c in cols if c not in self.columns]
            if unknown:
                problems.append(f"spanner {label!r} covers unknown columns {unknown}")
        for note in self.all_notes:
            if note.column is not None and note.column not in self.columns:
                problems.append(f"note {note.text[:30]!r} is tied to unknown column "
                                f"{note.column!r}")
        if problems:
            raise PresentationError(f"table spec {self.name}: " + "; ".join(problems) + ".")

    @property
    def all_notes(self) -> list[Note]:
        """Notes as :class:`Note`; the expected-count note is added when a column needs it."""
        notes = [n if isinstance(n, Note) else Note(str(n)) for n in self.notes]
        if any(c.kind == "expected" for c in self.columns.values()) and not any(
                n.text == fmt.EXPECTED_NOTE for n in notes):
            notes.append(Note(fmt.EXPECTED_NOTE))
        return notes

    def header(self, column: str, unit: bool = False) -> str:
        """A column's label, with its unit in brackets when ``unit`` (workbook, CSV)."""
        col = self.columns[column]
        u = col.header_unit if unit else None
        return f"{col.label} ({u})" if u else col.label


def check(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The frame's shown columns, in order, with codes replaced by their labels.

    Refuses (one :class:`~eyanalysis.errors.PresentationError` listing every problem): a
    missing column; a code not in its column's code list; a numeric cell that is neither a
    number nor a GSS symbol; a fraction in a count column; a missing value (write ``[x]`` or
    ``[z]``). The index is dropped: it is never shown.
    """
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise PresentationError(
            f"table {spec.name}: the frame has no column(s) {missing}; it has "
            f"{list(frame.columns)}. Rename the frame's columns or the spec's keys.")
    out = frame[list(spec.columns)].reset_index(drop=True).astype(object)
    problems = []
    for name, col in spec.columns.items():
        for i, value in enumerate(out[name]):
            if col.codes is not None and fmt.symbol(value, bare=False) is None:
                if value in col.codes:
                    out.at[i, name] = col.codes.label(value)
                elif value not in ROW_LABELS and value not in col.codes.labels.values():
                    problems.append(f"row {i + 1}, column {name}: {value!r} is not a "
                                    f"{col.codes.name} code ({', '.join(col.codes)})")
                continue
            try:
                fmt.cell(value, col.kind)
            except PresentationError as exc:
                problems.append(f"row {i + 1}, column {name}: {exc}")
    if problems:
        raise PresentationError(f"table {spec.name} cannot be shown:\n  "
                                + "\n  ".join(problems))
    return out


def symbols(frame: pd.DataFrame, spec: TableSpec) -> list[str]:
    """Codes of the GSS symbols the frame's shown columns carry (GSS order)."""
    return fmt.symbols_in(v for c, col in spec.columns.items() if c in frame
                          for v in frame[c] if fmt.symbol(v, bare=col.numeric))


def display(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Every shown cell as the text a reader sees, headers as labels (no index): for a quick
    look in a notebook; publication tables use :mod:`eyanalysis.present.tables`."""
    safe = check(frame, spec)
    out = pd.DataFrame({spec.header(c): [fmt.cell(v, col.kind) for v in safe[c]]
                        for c, col in spec.columns.items()})
    return out


# -- the release's contact --------------------------------------------------------------------

#: Domains reserved for examples (RFC 2606): a contact there has not been set.
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net")


@dataclass(frozen=True)
class Contact:
    team: str
    email: str
    phone: str = ""

    @property
    def is_placeholder(self) -> bool:
        return self.email.rsplit("@", 1)[-1].lower() in PLACEHOLDER_DOMAINS

    def lines(self) -> list[str]:
        """The contact as lines of text (team, email, telephone), flagged while unset."""
        out = [self.team, f"Email: {self.email}"]
        if self.phone:
            out.append(f"Telephone: {self.phone}")
        if self.is_placeholder:
            out.append("This contact is a placeholder: the authority sets its own in "
                       "parameters/publication/contact.yaml.")
        return out


def contact(on: dt.date | str | None = None, params: Parameters | None = None) -> Contact:
    """The contact for published statistics in force on ``on`` (default today), from the
    ``publication.contact`` parameter."""
    value = (params or load_parameters()).get("publication.contact", on or dt.date.today())
    if not isinstance(value, Mapping) or not value.get("team") or not value.get("email"):
        raise PresentationError(
            "publication.contact must give a team and an email address (and optionally a "
            "phone): edit parameters/publication/contact.yaml.")
    return Contact(str(value["team"]), str(value["email"]), str(value.get("phone") or ""))
