"""Subcommands contributed by feature modules.

Each module here defines ``add_parser(sub)`` which adds one subcommand to the
``eyanalysis`` parser and sets ``func`` to its handler. Keep the module's top-level
imports light (argparse, pathlib): heavy imports belong inside the handler.
"""
