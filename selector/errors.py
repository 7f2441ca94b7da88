"""Errors a user can act on.

Every problem with the user's input is a :class:`SelectorError`: its message says what was wrong, where (file,
line or row, field) and what to do instead. The CLI prints it as one line and exits with code 2; anything else
is an internal error (exit 1).
"""

from __future__ import annotations

from pathlib import Path


class SelectorError(Exception):
    """A problem with the user's input or configuration (CLI exit code 2)."""

    exit_code = 2


class InputError(SelectorError):
    """A problem in an input file, located by file and (when known) line or row.

    The message reads ``FILE:LINE: what is wrong. what to do``.
    """

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        row: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.row = row
        self.reason = message
        self.hint = hint
        where = self.path
        if line is not None:
            where += f":{line}"
        elif row is not None:
            where += f" (record {row})"
        text = f"{where}: {message}"
        if hint:
            text += f". {hint}"
        super().__init__(text)


class ConfigError(SelectorError):
    """A bad configuration file, key or value."""


class NotRecordsError(InputError):
    """A file that parses as data but holds no records of any known format (an index, a manifest, a schema).

    Inside a folder such a file is skipped with a warning (the natural-instructions ``MANIFEST.json``); a file the
    user named explicitly still fails with this error.
    """
