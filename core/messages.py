"""A sentence for a person, kept as its English template and values until it is shown.

Sources, coverage and reports hold Messages, so the same scan can be read in English
or French (core.i18n.Translator renders them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.i18n import Translator


@dataclass(frozen=True)
class Message:
    template: str
    values: tuple[tuple[str, "str | Message"], ...] = ()

    @classmethod
    def of(cls, template: str, **values: object) -> "Message":
        """A message; a value that is itself a Message is translated along with this one."""
        return cls(template, tuple((k, v if isinstance(v, Message) else str(v)) for k, v in values.items()))

    def render(self, translate: "Translator | None" = None) -> str:
        values = {k: v.render(translate) if isinstance(v, Message) else v for k, v in self.values}
        if translate is None:
            return self.template.format(**values) if values else self.template
        return translate(self.template, **values)

    def __str__(self) -> str:
        return self.render()
