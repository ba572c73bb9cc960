"""The panel officer's application cards and the printable meeting pack (issue #12 item 4).

One card per application listed for a meeting: child reference, setting, kind, SEND level,
received and days waiting, and for an exceptional application each general (X1 a-d) and
specific (X2 1-4) criterion in plain English as *evidenced* or *not evidenced*. The cards
never suggest a decision (X3): no "recommended", no "criteria met", no colour that reads as
a verdict; the panel decides. The same HTML is shown in the app and printed in the pack
(:func:`pack_html`, PDF through :mod:`eyanalysis.present.pdf`).
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from eyanalysis.present import format as fmt
from eyanalysis.present.meta import Column, TableSpec
from eyanalysis.present.tables import publication_html
from eyanalysis.vocabulary import LEVELS, OFSTED_OUTCOMES, PANEL_KINDS

X3_NOTE = ("The workbench lists the evidence recorded against each criterion; it does not "
           "suggest a decision. The panel decides.")
EVIDENCED, NOT_EVIDENCED = "Evidenced", "Not evidenced"

CSS = """
.ey-cards { font-family: Arial, 'Liberation Sans', sans-serif; color: #0b0c0c; }
.ey-card { border: 1px solid #b1b4b6; border-left: 5px solid #1d70b8; padding: 10px 14px;
  margin: 0 0 14px 0; break-inside: avoid; page-break-inside: avoid; max-width: 60em; }
.ey-card h3 { margin: 0 0 6px 0; font-size: 18px; }
.ey-card dl { display: grid; grid-template-columns: max-content auto; gap: 2px 14px;
  margin: 0 0 8px 0; font-size: 15px; }
.ey-card dt { font-weight: bold; white-space: nowrap; }
.ey-card dd { margin: 0; }
.ey-card table { border-collapse: collapse; width: 100%; font-size: 14px; }
.ey-card th, .ey-card td { text-align: left; border-bottom: 1px solid #b1b4b6;
  padding: 3px 6px; vertical-align: top; }
.ey-card td.ey-status { white-space: nowrap; width: 9em; }
.ey-card .ey-not { font-weight: bold; }
.ey-card p.ey-flag { margin: 6px 0 0 0; font-size: 14px; }
"""


def _kind(code: str) -> str:
    return PANEL_KINDS.label(code) if code in PANEL_KINDS else code


def card_html(card: dict) -> str:
    """One application as an HTML card (everything escaped)."""
    e = html.escape
    level = LEVELS.label(card["level"]) if card["level"] in LEVELS else "Not recorded"
    facts = [("Child reference", card["child_id"]),
             ("Setting", f"{card['setting_name']} ({card['setting_id']})"),
             ("Application", _kind(card["kind"])),
             ("SEND level", level),
             ("Received", fmt.date(card["received"])),
             ("Days waiting", f"{fmt.count(card['days_waiting'])} days at the meeting")]
    body = "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in facts)
    parts = [f'<div class="ey-card" data-application="{e(card["application_id"])}">',
             f"<h3>{e(_kind(card['kind']))}: child {e(card['child_id'])}</h3>",
             f"<dl>{body}</dl>"]
    if card["criteria"]:
        for group, title in (("general", "General criteria (all needed)"),
                             ("specific", "Specific criteria (at least one needed)")):
            rows = "".join(
                f"<tr><td>{e(c['text'])}</td><td class='ey-status{'' if c['met'] else ' ey-not'}'>"
                f"{EVIDENCED if c['met'] else NOT_EVIDENCED}</td></tr>"
                for c in card["criteria"] if c["group"] == group)
            parts.append(f"<table><thead><tr><th>{e(title)}</th><th>Evidence</th></tr>"
                         f"</thead><tbody>{rows}</tbody></table>")
    else:
        parts.append("<p class='ey-flag'>Not an exceptional funding application: no criteria "
                     "to list; the panel considers it on its own terms.</p>")
    if card.get("setting_barred"):
        outcome = card.get("setting_judgement") or ""
        label = OFSTED_OUTCOMES.label(outcome) if outcome in OFSTED_OUTCOMES else outcome
        parts.append(f"<p class='ey-flag'>Note: the setting's Ofsted outcome when the "
                     f"application was received ({e(label.lower())}) is one under which "
                     "the authority's practice does not accept top-up applications.</p>")
    parts.append("</div>")
    return "".join(parts)


def cards_html(cards: list[dict], meeting: dt.date) -> str:
    """Every card of a meeting, with the X3 note, or a sentence when there are none."""
    if not cards:
        return (f"<div class='ey-cards'><style>{CSS}</style><p>No application is listed for "
                f"the meeting on {html.escape(fmt.date(meeting))}.</p></div>")
    lead = (f"<p>{fmt.quantity(len(cards), 'application')} listed for the meeting on "
            f"{html.escape(fmt.date(meeting))}. {html.escape(X3_NOTE)}</p>")
    return (f"<div class='ey-cards'><style>{CSS}</style>{lead}"
            + "".join(card_html(c) for c in cards) + "</div>")


def summary_frame(cards: list[dict]) -> pd.DataFrame:
    """The pack's summary table, one row per card."""
    return pd.DataFrame({
        "child_id": [c["child_id"] for c in cards],
        "setting": [f"{c['setting_name']} ({c['setting_id']})" for c in cards],
        "kind": [_kind(c["kind"]) for c in cards],
        "level": [LEVELS.label(c["level"]) if c["level"] in LEVELS else "Not recorded"
                  for c in cards],
        "received": [fmt.date(c["received"]) for c in cards],
        "days_waiting": [c["days_waiting"] for c in cards],
        "not_evidenced": [sum(not x["met"] for x in c["criteria"]) if c["criteria"] else 0
                          for c in cards],
    }, columns=["child_id", "setting", "kind", "level", "received", "days_waiting",
                "not_evidenced"])


def summary_spec(meeting: dt.date, on: dt.date) -> TableSpec:
    return TableSpec(
        name="panel_pack_summary",
        title=f"Applications listed for the panel meeting on {fmt.date(meeting)}",
        subtitle=f"As recorded on {fmt.date(on)}, oldest first",
        columns={"child_id": Column("Child reference"), "setting": Column("Setting"),
                 "kind": Column("Application"),
                 "level": Column("SEND level"),
                 "received": Column("Received"),
                 "days_waiting": Column("Days waiting at the meeting", "count"),
                 "not_evidenced": Column("Criteria not evidenced", "count")},
        notes=["Criteria not evidenced counts the general and specific criteria of an "
               "exceptional funding application with no evidence recorded; other kinds of "
               "application have none.", X3_NOTE],
        source="Panel applications as recorded by the inclusion team")


def pack_html(cards: list[dict], meeting: dt.date, on: dt.date, source: str = "") -> str:
    """The printable pack: heading, summary table, then one card per application."""
    e = html.escape
    head = (f"<h1>Early Years Inclusion Funding Panel: {e(fmt.date(meeting))}</h1>"
            f"<p>Pack produced on {e(fmt.date(dt.date.today()))} from the applications "
            f"recorded on {e(fmt.date(on))}"
            + (f" ({e(source)})" if source else "") + ". Child references are pseudonymous; "
            "the pack is for panel members only.</p>")
    table = publication_html(summary_frame(cards), summary_spec(meeting, on)) if cards else ""
    body = head + table + "<h2>Applications</h2>" + cards_html(cards, meeting)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Panel pack {e(meeting.isoformat())}</title>"
            "<style>body { font-family: Arial, 'Liberation Sans', sans-serif; "
            "color: #0b0c0c; margin: 2em; } h1 { font-size: 26px; }</style>"
            f"</head><body>{body}</body></html>")
