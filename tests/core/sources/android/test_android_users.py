"""Parsing `pm list users`: user ids, names, and which user is a work profile (no phone exists on
this machine; the output is tests/fixtures/phones/android/pm_list_users.txt, in Android's format)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.sources.android.users import AndroidUser, parse_pm_list_users
from tests.conftest import FIXTURES


def test_owner_work_profile_and_a_guest_whose_name_holds_a_colon():
    parsed = parse_pm_list_users((FIXTURES / "phones" / "android" / "pm_list_users.txt").read_text())
    assert parsed.problems == ()
    assert parsed.values == (
        AndroidUser(0, "Owner", 0xC13, running=True, work_profile=False),
        AndroidUser(10, "Work profile", 0x1030, running=True, work_profile=True),
        AndroidUser(11, "Guest: visitor", 0x14, running=False, work_profile=False),
    )


def test_a_refusal_and_a_line_that_is_not_a_user():
    parsed = parse_pm_list_users("Users:\nError: java.lang.SecurityException: shell\n\tUserInfo{x:Owner:13}\n")
    assert parsed.values == ()
    assert [p.render() for p in parsed.problems] == [
        "the phone refused the command: Error: java.lang.SecurityException: shell",
        "a line of the user list is not a user: UserInfo{x:Owner:13}",
    ]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["Users:", "\n", "\tUserInfo{", "0", "10", ":", "Owner", "Work profile", "1030", "ffffffffff", "}", " running", "é"]), max_size=40).map("".join) | st.text(max_size=300))
def test_any_user_list_gives_users_or_problems(text):
    parsed = parse_pm_list_users(text)
    for user in parsed.values:
        assert user.id >= 0 and user.work_profile == bool(user.flags & 0x20)
    assert len(parsed.values) + len(parsed.problems) <= len(text.splitlines())
