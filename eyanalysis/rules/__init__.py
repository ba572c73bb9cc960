"""Rules: the funding and support rules of DOMAIN.md, pure functions of claims and dated
parameters (terms, levels, money, hours, supplement, grid, exceptional, scenarios).

The bottom layer: it imports only the foundation (``errors``, ``parameters``,
``vocabulary``), never data, analysis, presentation or apps.
"""
