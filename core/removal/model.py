"""What a removal plan holds: ordered steps, who acts in each, and the exact commands (frozen data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from appwarden.core.i18n import LocalText, Translator
from appwarden.core.messages import Message
from appwarden.core.policy.model import PolicySet
from appwarden.core.removal.deletion import Identity, Protected
from appwarden.core.sources.base import ScanTarget

DEFAULT_TIMEOUT_S = 1800.0  # an uninstaller may show dialogs and wait for the person


class StepKind(StrEnum):
    QUIT = "quit"
    UNINSTALL = "uninstall"
    VENDOR = "vendor"
    LEFTOVERS = "leftovers"
    RESTART = "restart"
    VERIFY = "verify"


class Actor(StrEnum):
    APPWARDEN = "appwarden"
    PERSON = "person"


class FileAction(StrEnum):
    """What AppWarden does with a step's paths when the step has no command."""

    NONE = "none"
    DELETE = "delete"
    TRASH = "trash"


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    needs_admin: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S
    # A package manager's own dry run of this command (apt-get -s remove ...), and the packages it
    # said would go when the plan was made: run again just before, the command runs only if the
    # package manager would still remove exactly those.
    simulation: tuple[str, ...] = ()
    removes: tuple[str, ...] = ()
    # A command for the phone connected now: the line it receives (core/phones/commands.py built it
    # from validated values); argv is then what people read. Empty for a command of this computer.
    phone_line: str = ""


@dataclass(frozen=True)
class LeftoverPath:
    shown: str  # as on the device: /home/ana/.xwechat, C:\Program Files\Tencent\WeChat
    real: Path  # where AppWarden reaches it
    size_bytes: int
    size_capped: bool = False  # the walk stopped early: the size is a lower bound
    base: Path | None = None  # the fixed folder it is reached from; nothing below it is a link
    identity: Identity | None = None  # what was there when the plan was made (device, inode)


Text = Message | LocalText


@dataclass(frozen=True)
class RemovalStep:
    id: str
    kind: StepKind
    title: Text
    explanation: Text
    actor: Actor
    check: Message
    needs_admin: bool = False
    commands: tuple[Command, ...] = ()
    pids: tuple[int, ...] = ()
    process_names: tuple[str, ...] = ()  # a pid only counts while it still runs one of these
    paths: tuple[LeftoverPath, ...] = ()
    file_action: FileAction = FileAction.NONE
    refused: Message | None = None
    sources: tuple[str, ...] = ()  # for verify: the sources that produced the evidence
    # A step of a rule from a pack AppWarden does not ship: --yes does not cover it, the person
    # confirms it on its own.
    confirm_alone: bool = False
    # For an uninstall (or a phone's leftover): the (source, identifier or place, evidence kind) it
    # removes, read again just before the step is shown to tell whether it still applies
    # (core/removal/recheck.py).
    removes_evidence: tuple[tuple[str, str, str], ...] = ()
    # A vendor step about some of what the app leaves behind (its chat data): the pack's templates,
    # and the leftover steps of this plan found from them; moot once none of their paths remains.
    about_leftovers: tuple[str, ...] = ()
    about_steps: tuple[str, ...] = ()
    template: str = ""  # a leftover step: the pack's template that found its path

    @property
    def explains_refusal(self) -> bool:
        """Whether the explanation already gives the reason AppWarden will not act (then a front
        end need not repeat it), however deep in it (a disk's steps wrap what they explain)."""
        return self.refused is not None and any(part == self.refused for part in _parts(self.explanation))

    @property
    def explains_admin_rights(self) -> bool:
        """Whether the explanation already says that the step needs an administrator (then a front
        end does not say it again)."""
        return any(isinstance(part, Message) and "administrator" in part.template for part in _parts(self.explanation))


@dataclass(frozen=True)
class RemovalPlan:
    rule_id: str
    app_name: LocalText
    platform: str
    steps: tuple[RemovalStep, ...]
    target: ScanTarget | None = field(default=None, compare=False)
    policies: PolicySet | None = field(default=None, compare=False, repr=False)
    # What deletions of this plan must never touch, worked out once when the plan was made.
    protected: Protected | None = field(default=None, compare=False, repr=False)

    @property
    def live(self) -> bool:
        return self.target is not None and self.target.live

    def step(self, step_id: str) -> RemovalStep:
        return next(step for step in self.steps if step.id == step_id)


def _parts(text: Text):
    """A text and every Message inside it, outermost first."""
    yield text
    if isinstance(text, Message):
        for _, value in text.values:
            yield from _parts(value)


def shown(text: Text, t: Translator) -> str:
    """A step's text in the person's language, whether the core or a policy pack wrote it."""
    return t.text(text) if isinstance(text, LocalText) else text.render(t)
