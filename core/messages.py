"""A sentence for a person, kept as its English template and values until it is shown.

Sources, coverage and reports hold Messages, so the same scan can be read in English
or French (core.i18n.Translator renders them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from appwarden.core.i18n import LocalText, Translator


@dataclass(frozen=True)
class Message:
    template: str  # the English text; for a plural, its plural ("other") form
    values: tuple[tuple[str, "str | Message | LocalText"], ...] = ()
    one: str | None = None  # a plural's English singular; the form follows the value `count`

    @classmethod
    def of(cls, template: str, **values: object) -> "Message":
        """A message; a value that is itself a Message is translated along with this one."""
        return cls(template, _values(values))

    @classmethod
    def plural(cls, one: str, other: str, **values: object) -> "Message":
        """A message that counts: Message.plural("{count} item read", "{count} items read", count=n)."""
        return cls(other, _values(values), one)

    @classmethod
    def listing(cls, parts: "Iterable[Message | str]") -> "Message":
        """Messages one after the other, separated by commas, each translated on its own."""
        values = {f"part{index}": part for index, part in enumerate(parts)}
        return cls.of(", ".join(f"{{{name}}}" for name in values), **values)

    def render(self, translate: "Translator | None" = None) -> str:
        if translate is None:
            from appwarden.core.i18n import Translator

            translate = Translator()
        values = {k: _rendered(v, translate) for k, v in self.values}
        if self.one is not None:
            return translate.plural(self.one, self.template, **values)
        return translate(self.template, **values)

    def __str__(self) -> str:
        return self.render()


def _values(values: dict[str, object]) -> tuple[tuple[str, "str | Message | LocalText"], ...]:
    """Each value as it will be shown: a Message or a pack's own text (LocalText) is kept to be
    shown in the person's language; anything else becomes its text now."""
    from appwarden.core.i18n import LocalText

    return tuple((k, v if isinstance(v, (Message, LocalText)) else str(v)) for k, v in values.items())


def _rendered(value: "str | Message | LocalText", translate: "Translator") -> str:
    if isinstance(value, Message):
        return value.render(translate)
    if isinstance(value, str):
        return value
    return translate.text(value)
