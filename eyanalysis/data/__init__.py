"""Data: the table schemas, readers for every source, validation with quarantine, the
dataset as known on a date, and the synthetic sample county. Imports rules, never above."""
