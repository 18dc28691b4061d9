"""The errors a user can cause. Raised deep, rendered once by the CLI as one line, exit status 2."""

from __future__ import annotations


class PromiseAuditError(Exception):
    """Bad input: the message says what is wrong and where."""

    def one_line(self) -> str:
        return " ".join(str(self).split())


class PromiseFileError(PromiseAuditError):
    """A promise file that cannot be read or does not follow the format."""

    def __init__(self, message: str, path: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        super().__init__(self.located())

    def located(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class RecordsError(PromiseAuditError):
    """Records that cannot be read at all (as opposed to single rows, which are rejected)."""

    def __init__(
        self, message: str, path: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.message = message
        self.path = path
        self.row = row
        self.column = column
        where = path
        if row is not None:
            where += f": row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class UsageError(PromiseAuditError):
    """A command-line usage error (bad option value, conflicting options)."""
