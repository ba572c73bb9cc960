"""Helpers for tests of the apps' widget trees (no browser)."""

from __future__ import annotations


def walk(box) -> list:
    """``box`` and every widget inside it (through ``children``), depth first, in the
    order they appear on the page."""
    found, todo = [], [box]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo += reversed(getattr(widget, "children", ()))
    return found
