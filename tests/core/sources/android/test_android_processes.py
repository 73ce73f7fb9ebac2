"""`ps -A` for running apps: the real output of MVT's public test data (kernel threads only;
../shared/fixtures/phones/android/, MVT License 1.1, test data only) and a copy with app processes added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.sources.android.processes import RunningProcess, parse_ps, running_packages
from tests.conftest import shared_phone_output

APPS = (
    "u0_a234       4821   712 15012344 210044 0                   0 S com.tencent.mm\n"
    "u0_a234       4907   712 14421812 99212 0                    0 S com.tencent.mm:push\n"
    "u10_a412      5120   712 13989124 88120 0                    0 S com.kms.free\n"
)


def test_the_real_output_has_kernel_threads_and_no_app():
    parsed = parse_ps(shared_phone_output("android_data_ps.txt").read_text())
    assert parsed.problems == ()
    assert len(parsed.values) == 17
    assert parsed.values[0] == RunningProcess("root", 1, "init", "")
    assert running_packages(parsed.values) == ()


def test_an_edited_copy_with_wechat_and_kaspersky_running():
    parsed = parse_ps(shared_phone_output("android_data_ps.txt").read_text() + APPS)
    assert parsed.values[-3:] == (
        RunningProcess("u0_a234", 4821, "com.tencent.mm", "com.tencent.mm"),
        RunningProcess("u0_a234", 4907, "com.tencent.mm:push", "com.tencent.mm"),
        RunningProcess("u10_a412", 5120, "com.kms.free", "com.kms.free"),
    )
    assert running_packages(parsed.values) == ("com.kms.free", "com.tencent.mm")


def test_no_header_and_a_short_line_are_problems():
    assert [p.render() for p in parse_ps("root 1 0 init\n").problems] == ["the process list has no header line naming its columns: root 1 0 init"]
    parsed = parse_ps(shared_phone_output("android_data_ps.txt").read_text().splitlines()[0] + "\nroot 12\n")
    assert [p.render() for p in parsed.problems] == ["a line of the process list could not be read: root 12"]


@given(st.lists(st.sampled_from(["USER PID NAME\n", "USER           PID  PPID NAME\n", "root ", "12 ", "x ", "com.tencent.mm", ":push", "\n", "é", "99999999999 "]), max_size=40).map("".join) | st.text(max_size=300))
def test_any_process_list_gives_processes_or_problems(text):
    parsed = parse_ps(text)
    for process in parsed.values:
        assert process.pid >= 0
        assert process.package == "" or process.name.startswith(process.package)
