"""Reading a phone connected now: what each command prints goes through the capture parsers; a hostile
or broken phone gives problems beside what was read, never a traceback (hypothesis included)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from appwarden.core.messages import Message
from appwarden.core.phones.commands import PhoneCommand, PhoneGone
from appwarden.core.sources.android.connected import read_connected_phone
from appwarden.core.sources.android.storage import parse_storage_listing

LINES = st.lists(st.one_of(
    st.text(max_size=80),
    st.sampled_from([
        "package:/data/app/base.apk=com.tencent.mm versionCode:1  installer=null uid:10100",
        "package:/data/app/x=y/base.apk=com.x;reboot uid:1", "Users:", "\tUserInfo{0:Owner:c13} running",
        "\tUserInfo{99999999999:X:fffffffff}", "Error: Unknown option: -i", "Failure [user 10 doesn't exist]",
        "USER PID PPID VSZ RSS WCHAN ADDR S NAME", "u0_a1 12 1 0 0 0 0 S com.tencent.mm:push",
        "Packages:", "  Package [com.tencent.mm] (1):", "    versionName=8", "    flags=[ SYSTEM ]",
        "    User 0: installed=true", "[ro.product.model]: [Pixel\u202e]",
    ]),
), max_size=25).map("\n".join)


def answering(outputs: dict[str, str], gone_at: str | None = None):
    def run(command: PhoneCommand) -> str:
        if gone_at is not None and command.line.startswith(gone_at):
            raise PhoneGone(Message.of("it did not answer"))
        return outputs.get(command.argv[0], "")
    return run


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: LINES for name in ("getprop", "pm", "ps", "dumpsys")}),
       st.sampled_from([None, "getprop", "pm list users", "pm list packages", "ps", "dumpsys"]))
def test_any_phone_output_reads_as_values_and_problems(outputs, gone_at):
    reading = read_connected_phone(answering(outputs, gone_at), frozenset({"com.tencent.mm"}))
    assert all(package.name.replace(".", "").replace("_", "").isalnum() for package in reading.packages)
    if gone_at not in (None, "dumpsys"):  # every check runs these; dumpsys only for a package it found
        assert any("stopped answering" in problem.reason.render() for problem in reading.problems)


def test_a_phone_gone_halfway_keeps_what_was_read_before():
    outputs = {"getprop": "[ro.product.model]: [Pixel 7]", "pm": "Users:\n\tUserInfo{0:Owner:c13} running\n"}
    reading = read_connected_phone(answering(outputs, gone_at="pm list packages"))
    assert reading.device.model == "Pixel 7" and [u.id for u in reading.users] == [0]
    assert [p.location for p in reading.problems] == ["pm list packages -f -i -U --show-versioncode --user 0"]


@given(st.text(max_size=300))
def test_any_storage_listing_names_only_paths_of_the_pattern(text):
    found, _ = parse_storage_listing(text, "/storage/emulated/0/Android/media/com.tencent.*")
    assert all(path.startswith("/storage/emulated/0/Android/media/com.tencent.") and "/" not in path[34:] for path, _ in found)


def test_a_listing_that_names_another_place_is_a_problem_and_not_kept():
    found, problems = parse_storage_listing("12\t/storage/emulated/0/DCIM\n5\t/storage/emulated/0/tencent/MicroMsg\n",
                                            "/storage/emulated/0/tencent/MicroMsg")
    assert found == [("/storage/emulated/0/tencent/MicroMsg", 5)] and len(problems) == 1
