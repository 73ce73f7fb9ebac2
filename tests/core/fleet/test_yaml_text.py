"""The Fleet export's YAML, read back with PyYAML: exactly the texts and booleans written."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.fleet.yaml_text import quoted, yaml_list_of_mappings

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
lines_of_text = st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=20),
                         min_size=2, max_size=5).map("\n".join)


@settings(max_examples=500)
@given(entries=st.lists(st.fixed_dictionaries({"name": texts, "query": st.one_of(texts, lines_of_text),
                                               "critical": st.booleans()}), max_size=4),
       header=st.lists(texts, max_size=3))
def test_any_texts_read_back_exactly(entries, header):
    assert yaml.safe_load(yaml_list_of_mappings(entries, header)) == (entries or None)


def test_a_query_with_lines_is_a_readable_block():
    text = yaml_list_of_mappings([{"name": "WeChat is not installed (Linux)", "query": "SELECT 1\n  AND 2;", "critical": False}])
    assert text == ('- name: "WeChat is not installed (Linux)"\n'
                    "  query: |-\n    SELECT 1\n      AND 2;\n"
                    "  critical: false\n")
    assert yaml.safe_load(text) == [{"name": "WeChat is not installed (Linux)", "query": "SELECT 1\n  AND 2;", "critical": False}]


def test_no_dollar_sign_reaches_fleetctl():
    """fleetctl expands $NAME in a GitOps file before YAML reads it: the file never holds one."""
    text = yaml_list_of_mappings([{"description": "costs $HOME\nand ${PATH}", "query": "SELECT '$x';"}], ["price $5"])
    assert "$" not in text
    assert yaml.safe_load(text) == [{"description": "costs $HOME\nand ${PATH}", "query": "SELECT '$x';"}]


def test_what_yaml_would_fold_or_refuse_is_escaped():
    assert quoted("a\u2028b\u0085c\ufeff\x07\"\\") == '"a\\u2028b\\x85c\\ufeff\\x07\\"\\\\"'
