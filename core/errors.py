"""The family of errors that reach a person: a sentence for them, a detail for the help desk.

The sentence is a Message, so the command line and the window show it in the person's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from appwarden.core.messages import Message

if TYPE_CHECKING:
    from appwarden.core.i18n import Translator


class AppWardenError(Exception):
    """An error a person can act on. `sentence` is shown; `detail` goes into diagnostics."""

    exit_code = 2

    def __init__(self, sentence: Message, detail: str = "") -> None:
        super().__init__(sentence.render())
        self.sentence = sentence
        self.detail = detail

    @property
    def message(self) -> str:
        return self.sentence.render()

    def render(self, translate: "Translator | None" = None) -> str:
        return self.sentence.render(translate)

    def __str__(self) -> str:
        return self.message


class UsageError(AppWardenError):
    """The caller asked for something that cannot be done as asked."""


class PolicyError(AppWardenError):
    """One or more policy packs are broken; `problems` lists each one (a line each)."""

    def __init__(self, problems: Iterable[object]) -> None:
        self.problems = list(problems)
        super().__init__(Message.of("{problems}", problems="\n".join(str(p) for p in self.problems)))

    def render(self, translate: "Translator | None" = None) -> str:
        return "\n".join(p.render(translate) if hasattr(p, "render") else str(p) for p in self.problems)


class TargetError(AppWardenError):
    """The device or disk to check cannot be read as asked."""


class HistoryError(AppWardenError):
    """The scan history could not be read or written."""


# Why the history, the settings or the crash log have no place on this computer: platformdirs cannot
# tell where this account's home folder is (HOME unset or relative, and no account entry to fall back on).
HOME_FOLDER_UNKNOWN = Message.of("this account's home folder is unknown (HOME is not set to a full path)")


class ReportFileError(AppWardenError):
    """A report file someone sent cannot be opened: not an AppWarden JSON report, or not one this version reads."""
