"""Reading property lists safely: whatever the bytes, a dictionary or a reason, never an exception."""

from __future__ import annotations

import datetime as dt
import plistlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.macos.common import holds_itself, parse_plist, plist_text
from tests.core.sources.macos.macos_disk import (
    BINARY,
    WECHAT_INFO,
    XML,
    ascii_object,
    binary_plist,
    cyclic_info_plist,
    deep_plist,
)

# Text that XML can hold (no control characters, no U+FFFE); binary plists take any text.
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")))
SCALARS = (
    XML_TEXT
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.binary(max_size=40)
    | st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)).map(lambda moment: moment.replace(microsecond=0))
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(XML_TEXT, inner, max_size=5),
                      max_leaves=25)
DICTIONARIES = st.dictionaries(XML_TEXT, VALUES, max_size=8)


def test_binary_and_xml_info_plists():
    for fmt in (BINARY, XML):
        assert parse_plist(plistlib.dumps(WECHAT_INFO, fmt=fmt)) == WECHAT_INFO


def test_shared_values_are_not_loops():
    shared = ascii_object("com.example")
    data = binary_plist([bytes([0xD2, 1, 2, 3, 3]), ascii_object("a"), ascii_object("b"), bytes([0xA2, 4, 4]), shared])
    assert parse_plist(data) == {"a": ["com.example", "com.example"], "b": ["com.example", "com.example"]}


@pytest.mark.parametrize(
    "data, reason",
    [
        (cyclic_info_plist(), "refers to itself in a loop; not read"),
        (binary_plist([bytes([0xD1, 1, 2]), ascii_object("a"), bytes([0xA1, 2])]),
         "refers to itself in a loop; not read"),
        (binary_plist([bytes([0xD1, 0, 1]), ascii_object("a")]), "not a valid property list: Invalid file"),
        (deep_plist(5000), "nested too deeply to read"),
        (b"", "not a valid property list: Invalid file"),
        (b"bplist00", "not a valid property list: Invalid file"),
        (b"<plist><integer>" + b"9" * 5000 + b"</integer></plist>",
         "not a valid property list: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 "
         "digits; use sys.set_int_max_str_digits() to increase the limit"),
        (b"<plist><date>yesterday</date></plist>",
         "not a valid property list: 'NoneType' object has no attribute 'groupdict'"),
        (b"<plist></dict></plist>", "not a valid property list: mismatched tag: line 1, column 9"),
        (b"<plist><string>a</string></plist>", "the top level is not a dictionary"),
    ],
    ids=["cyclic-dict", "cyclic-array", "key-is-a-container", "deep", "empty", "header-only", "huge-integer",
         "bad-date", "mismatched", "string"],
)
def test_broken_plists_give_reasons(data, reason):
    parsed = parse_plist(data)
    assert isinstance(parsed, Message) and str(parsed) == reason


def test_holds_itself():
    looping: list = []
    looping.append({"a": looping})
    shared = ["x"]
    assert holds_itself(looping)
    assert not holds_itself({"a": shared, "b": [shared, shared]})
    assert not holds_itself("text")


def test_plist_text_takes_strings_only():
    plist = {"a": "  com.example  ", "b": 3, "c": ["x"], "d": b"bytes"}
    assert [plist_text(plist, key) for key in "abcde"] == ["com.example", "", "", "", ""]


@given(
    st.binary(max_size=400)
    | st.binary(max_size=400).map(lambda tail: b"bplist00" + tail)
    | st.binary(max_size=400).map(lambda tail: b"<?xml version='1.0'?><plist>" + tail)
)
def test_any_bytes_give_a_dictionary_or_a_reason(data):
    assert isinstance(parse_plist(data), (dict, Message))


@given(st.sampled_from([BINARY, XML]), DICTIONARIES, st.data())
def test_damaged_real_plists_give_a_dictionary_or_a_reason(fmt, value, data):
    written = bytearray(plistlib.dumps(value, fmt=fmt))
    for _ in range(data.draw(st.integers(1, 4))):
        written[data.draw(st.integers(0, len(written) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(written)))
    assert isinstance(parse_plist(bytes(written[:cut])), (dict, Message))


@given(st.sampled_from([BINARY, XML]), DICTIONARIES)
def test_real_plists_read_back_as_written(fmt, value):
    assert parse_plist(plistlib.dumps(value, fmt=fmt)) == value


@given(st.lists(st.integers(0, 5), min_size=1, max_size=6), st.lists(st.integers(0, 5), max_size=6))
def test_hand_made_binary_object_tables_never_raise(array_refs, dict_refs):
    """Containers whose references point anywhere in the table, themselves included."""
    dictionary = bytes([0xD0 | len(dict_refs)]) + bytes(dict_refs) + bytes(reversed(dict_refs))
    objects = [dictionary, bytes([0xA0 | len(array_refs)]) + bytes(array_refs), ascii_object("k"), bytes([0x10, 7]),
               bytes([0xA0]), bytes([0x09])]
    assert isinstance(parse_plist(binary_plist(objects)), (dict, Message))
