"""`getprop` for the phone's maker, model and Android version, and the serial never kept whole.

The inputs are the real getprop outputs of MVT's public test data (../shared/fixtures/phones/android/,
MVT License 1.1, test data only), and copies with the product lines a phone prints added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.sources.android.device import DeviceProperties, parse_getprop, shortened
from tests.conftest import shared_phone_output

PRODUCT_LINES = "[ro.product.manufacturer]: [Google]\n[ro.product.model]: [Pixel 7]\n[ro.build.version.release]: [14]\n[ro.serialno]: [28191FDH2000AB]\n"


def test_the_real_trimmed_outputs_name_no_product():
    for name in ("android_data_getprop.txt", "androidqf_getprop.txt"):
        assert parse_getprop(shared_phone_output(name).read_text()) == DeviceProperties()


def test_an_edited_copy_gives_maker_model_version_and_a_shortened_serial():
    text = shared_phone_output("android_data_getprop.txt").read_text() + PRODUCT_LINES
    assert parse_getprop(text) == DeviceProperties("Google", "Pixel 7", "14", "28…AB")


def test_shortened_keeps_at_most_the_first_and_last_two_characters():
    assert shortened("R58M61ABCDX") == "R5…DX"
    assert shortened("ABCDEF") == "…"
    assert shortened("") == ""


@given(st.text(max_size=40))
def test_a_shortened_serial_never_holds_more_than_four_of_its_characters(serial):
    short = shortened(serial)
    assert len(short.replace("…", "")) <= 4
    if len(serial.strip()) > 6:
        assert short == serial.strip()[:2] + "…" + serial.strip()[-2:]


@given(st.lists(st.sampled_from(["[ro.product.model]: [", "[ro.serialno]: [", "X" * 10, "]", "]: [", "\n", "[", "é"]), max_size=30).map("".join) | st.text(max_size=300))
def test_any_getprop_text_gives_properties_and_never_the_whole_serial(text):
    device = parse_getprop(text)
    assert len(device.serial.replace("…", "")) <= 4
