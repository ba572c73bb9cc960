"""Helpers for tests of the apps' widget trees (no browser)."""

from __future__ import annotations


def walk(box) -> list:
    """``box`` and every widget inside it (through ``children``), depth first."""
    found, todo = [], [box]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo += list(getattr(widget, "children", ()))
    return found
