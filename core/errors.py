"""The family of errors that reach a person: a sentence for them, a detail for the help desk."""

from __future__ import annotations


class AppWardenError(Exception):
    """An error a person can act on. `message` is shown; `detail` goes into diagnostics."""

    exit_code = 2

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class UsageError(AppWardenError):
    """The caller asked for something that cannot be done as asked."""


class PolicyError(AppWardenError):
    """One or more policy packs are broken; `problems` lists each one."""

    def __init__(self, problems: "list[object]") -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems]
        super().__init__("\n".join(lines), detail="")


class TargetError(AppWardenError):
    """The device or disk to check cannot be read as asked."""


class HistoryError(AppWardenError):
    """The scan history could not be read or written."""
