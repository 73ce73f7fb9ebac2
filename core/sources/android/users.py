"""The phone's users, as `pm list users` prints them (`UserInfo{10:Work profile:1030} running`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from appwarden.core.messages import Message
from appwarden.core.sources.android.parsed import Parsed, quoted, refusal

# UserInfo.FLAG_MANAGED_PROFILE: a work profile, managed by the organisation's device management.
FLAG_MANAGED_PROFILE = 0x20
_USER_INFO = re.compile(r"UserInfo\{(\d+):(.*):([0-9a-fA-F]+)\}(.*)$")


@dataclass(frozen=True)
class AndroidUser:
    id: int
    name: str
    flags: int
    running: bool
    work_profile: bool


def parse_pm_list_users(text: str) -> Parsed[AndroidUser]:
    users: list[AndroidUser] = []
    problems: list[Message] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped == "Users:":
            continue
        found = _USER_INFO.search(stripped)
        if found is None or len(found.group(1)) > 9 or len(found.group(3)) > 8:
            problems.append(refusal(stripped) or Message.of("a line of the user list is not a user: {line}", line=quoted(stripped)))
            continue
        flags = int(found.group(3), 16)
        users.append(AndroidUser(
            id=int(found.group(1)),
            name=found.group(2),
            flags=flags,
            running="running" in found.group(4).split(),
            work_profile=bool(flags & FLAG_MANAGED_PROFILE),
        ))
    return Parsed(tuple(users), tuple(problems))
