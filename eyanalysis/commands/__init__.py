"""Subcommands contributed by feature modules.

Each module here defines ``add_parser(sub)`` which adds one subcommand to the
``eyanalysis`` parser and sets ``func`` to its handler. Keep the module's top-level
imports light (argparse, pathlib): heavy imports belong inside the handler.
"""

import argparse
import datetime as dt


def date_arg(text: str) -> dt.date:
    """An argparse ``type`` for a YYYY-MM-DD option, every command's one date reader."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None
