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
    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, template: str, **values: object) -> "Message":
        return cls(template, tuple((key, str(value)) for key, value in values.items()))

    def render(self, translate: "Translator | None" = None) -> str:
        values = dict(self.values)
        if translate is None:
            return self.template.format(**values) if values else self.template
        return translate(self.template, **values)

    def __str__(self) -> str:
        return self.render()
