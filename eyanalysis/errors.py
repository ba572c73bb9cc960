"""One root exception and narrow subclasses, each message saying what to do next.

Every error the package raises on purpose is an :class:`EyAnalysisError`, so a caller
(the CLI, a notebook, a scheduler) can catch the family and show the message as it is.
"""

from __future__ import annotations


class EyAnalysisError(Exception):
    """Root of every error eyanalysis raises deliberately."""


class ParameterError(EyAnalysisError):
    """A parameter file is malformed or a parameter path is unknown."""


class ParameterDateError(ParameterError):
    """A value was asked for on a date before the parameter's first value."""


class ScenarioError(ParameterError):
    """A scenario file overrides an unknown path or a date the path cannot take."""


class InputDataError(EyAnalysisError):
    """An input file could not be read or has invalid rows.

    ``problems`` is a table (list of dicts) with one entry per bad cell:
    ``file``, ``line``, ``column``, ``value`` and ``message``.
    """

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


class UnreadableFileError(InputDataError):
    """One input file cannot be read as a table at all (missing, empty, binary, a damaged
    archive, an unknown encoding). ``validate`` reports it as a problem of that table and
    goes on with the others; ``predict`` stops with it."""


class MappingError(InputDataError):
    """A mapping file (their columns and codes -> ours) cannot be read or maps to a column
    or code the data model does not have; the message names the file and the entry."""


class TermError(EyAnalysisError):
    """A term id is not of the form YYYY-AUT, YYYY-SPR or YYYY-SUM."""


class PersonalDataError(InputDataError):
    """A children table carries identifying data; it is refused whole."""


class DisclosureError(EyAnalysisError):
    """A table about individual children was about to be published."""


class SettingError(EyAnalysisError):
    """An environment variable the package reads holds a value it cannot use."""


class TermlyRunError(EyAnalysisError):
    """A notebook of the termly run failed; nothing was written to the term folder."""


class PresentationError(EyAnalysisError):
    """A table, chart or document cannot be presented as asked (a missing column, a code
    with no label, a fraction of a child in a count column)."""


class TermNotAvailableError(EyAnalysisError):
    """A term the data do not hold yet, or one that has not started on the run date; the
    message names the last term the data hold."""
