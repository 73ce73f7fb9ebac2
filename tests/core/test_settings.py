"""The settings file: defaults when missing, a sentence when damaged (left in place), exact round trips."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.i18n import Translator
from appwarden.core.settings import Settings, SettingsError, SettingsStore, default_settings_path, settings_to_toml, toml_string


def test_missing_file_gives_the_defaults_and_no_message(tmp_path):
    assert SettingsStore(tmp_path / "nowhere" / "settings.toml").load() == (Settings(), None)


def test_default_path_is_in_the_user_config_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert default_settings_path() == tmp_path / "appwarden" / "settings.toml"
    assert SettingsStore().path == default_settings_path()


def test_save_then_load(tmp_path):
    store = SettingsStore(tmp_path / "config" / "settings.toml")
    saved = Settings(extra_policies=("/srv/packs/ours.toml", 'C:\\Packs\\"quoted".toml'), language="fr",
                     show_helpdesk_details=True)
    store.save(saved)
    assert store.load() == (saved, None)
    assert tomllib.loads(store.path.read_text(encoding="utf-8")) == {
        "extra_policies": ["/srv/packs/ours.toml", 'C:\\Packs\\"quoted".toml'],
        "language": "fr",
        "show_helpdesk_details": True,
    }
    assert [p.name for p in store.path.parent.iterdir()] == ["settings.toml"]


def test_a_file_with_only_some_settings_keeps_the_defaults_for_the_rest(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('language = "en"\n', encoding="utf-8")
    assert SettingsStore(path).load() == (Settings(language="en"), None)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"language = [", "not valid TOML: "),
        (b"\xff\xfe garbage", "not UTF-8 text"),
        (b'colour = "blue"\n', "unknown setting 'colour'"),
        (b'language = "de"\n', "the value of 'language' is not valid"),
        (b"extra_policies = [1, 2]\n", "the value of 'extra_policies' is not valid"),
        (b'show_helpdesk_details = "yes"\n', "the value of 'show_helpdesk_details' is not valid"),
        (b"# " + b"x" * 300_000, "too large to be a settings file"),
    ],
)
def test_a_damaged_file_is_ignored_with_a_sentence_and_left_as_is(tmp_path, content, reason):
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    settings, message = SettingsStore(path).load()
    assert settings == Settings()
    assert message.render().startswith(f"The settings file {path} was not used ({reason}")
    assert message.render().endswith("the default settings apply. The file was left as it is.")
    assert path.read_bytes() == content


def test_an_unreadable_file_is_ignored_with_the_reason(tmp_path):
    (tmp_path / "settings.toml").mkdir()
    settings, message = SettingsStore(tmp_path / "settings.toml").load()
    assert settings == Settings()
    assert "(Is a directory)" in message.render()


def test_the_message_speaks_french(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_bytes(b"\xff")
    _, message = SettingsStore(path).load()
    french = message.render(Translator("fr"))
    assert french.startswith(f"Le fichier de paramètres {path} n’a pas été utilisé (pas du texte UTF-8)")


def test_save_into_an_unwritable_place_raises_a_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = SettingsStore(blocker / "settings.toml")
    with pytest.raises(SettingsError) as raised:
        store.save(Settings(language="en"))
    assert raised.value.message.startswith(f"The settings could not be saved to {store.path}: ")
    assert raised.value.detail


def test_a_file_name_that_is_not_text_cannot_be_saved(tmp_path):
    store = SettingsStore(tmp_path / "settings.toml")
    with pytest.raises(SettingsError) as raised:
        store.save(Settings(extra_policies=(os.fsdecode(b"/srv/caf\xe9.toml"),)))
    assert raised.value.message == f"The settings could not be saved to {store.path}: a policy file name is not valid text."
    assert not store.path.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    store = SettingsStore(tmp_path / "settings.toml")
    store.save(Settings(language="fr"))

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(SettingsError):
        store.save(Settings(language="en"))
    assert store.load() == (Settings(language="fr"), None)
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_toml_strings_escape_what_toml_requires():
    assert toml_string('a"b\\c\n\x00\x7f\u00e9\U0001f600') == '"a\\"b\\\\c\\n\\u0000\\u007Fé\U0001f600"'


@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_file_content_loads_as_settings_and_never_raises(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("any") / "settings.toml"
    path.write_bytes(content)
    settings, message = SettingsStore(path).load()
    assert isinstance(settings, Settings)
    assert message is None or (settings == Settings() and message.render())
    assert path.read_bytes() == content


settings_values = st.builds(
    Settings,
    extra_policies=st.lists(st.text(), max_size=4).map(tuple),
    language=st.sampled_from(("", "en", "fr")),
    show_helpdesk_details=st.booleans(),
)


@given(settings_values)
def test_any_settings_save_and_load_equal(tmp_path_factory, settings):
    store = SettingsStore(tmp_path_factory.mktemp("roundtrip") / "settings.toml")
    store.save(settings)
    assert store.load() == (settings, None)
    assert settings_to_toml(settings) == store.path.read_text(encoding="utf-8")


def test_garbage_toml_snippets_near_valid_ones(tmp_path):
    """Files a person might leave after editing by hand: each is ignored, none raises."""
    for content in ('language = "en"\nlanguage = "fr"\n', "extra_policies = ['a'", "[language]\n", "= 1"):
        path = Path(tmp_path / "settings.toml")
        path.write_text(content, encoding="utf-8")
        settings, message = SettingsStore(path).load()
        assert settings == Settings() and message is not None, content
