"""Presentation: disclosure control, publishing, charts, tables, reports and workbooks.
Imports analysis, data and rules; never apps or jobs."""
