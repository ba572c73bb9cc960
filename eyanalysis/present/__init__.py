"""Presentation: disclosure control, publishing, and everything a reader sees.

``format`` (GOV.UK numbers, dates, changes, GSS symbols), ``meta`` (table specs, the release
contact), ``tables`` (great_tables and itables), ``workbook`` (gptables and CSV), ``pdf``
(kaleido images, weasyprint), ``charts`` (figures and the shared ``charts.style``); see
docs/presentation.md. Imports analysis, data and rules; never apps or jobs."""
