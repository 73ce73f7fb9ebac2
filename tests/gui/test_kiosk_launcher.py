"""How the kiosk is started: `appwarden-gui --kiosk`, `appwarden kiosk [--config FILE]`, and the
combinations it refuses in one sentence (exit 2)."""

from __future__ import annotations

import pytest

from appwarden.gui.launcher import window_arguments, window_request


@pytest.mark.parametrize("argv, sentence", [
    (["--kiosk", "--root", "/mnt"], "--kiosk checks the phones people plug in: it cannot be used with --root, --os, --phone or --personal."),
    (["--kiosk", "--phone", "auto"], "--kiosk checks the phones people plug in: it cannot be used with --root, --os, --phone or --personal."),
    (["--kiosk", "--phone-capture", "/tmp/x"], "--kiosk reads a --phone-capture only to test itself: add --self-check."),
    (["--config", "/etc/appwarden/kiosk.toml"], "--config names the kiosk's configuration: add --kiosk."),
])
def test_the_kiosk_refuses_what_it_cannot_do_in_one_sentence(argv, sentence, capsys):
    with pytest.raises(SystemExit) as leaving:
        window_arguments(argv)
    assert leaving.value.code == 2 and sentence in capsys.readouterr().err


def test_appwarden_kiosk_opens_the_kiosk_and_its_options_stay_on_the_command_line():
    assert window_request(["kiosk"]) == ["--kiosk"]
    assert window_request(["--lang", "fr", "kiosk", "--config", "k.toml"]) == ["--kiosk", "--lang", "fr", "--config", "k.toml"]
    assert window_request(["kiosk", "--check-config", "k.toml"]) is None
    assert window_request(["kiosk", "--check-config=k.toml"]) is None
    assert window_request(["kiosk", "--set-pin"]) is None
    assert window_request(["kiosk", "--help"]) is None
    options = window_arguments(["--kiosk", "--config", "k.toml", "--connect", "127.0.0.1:5555"])
    assert (options.kiosk, options.config, options.connect) == (True, "k.toml", ["127.0.0.1:5555"])


def test_without_a_display_the_kiosk_says_so(monkeypatch, capsys):
    from appwarden.gui.launcher import main

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["kiosk"]) == 2
    assert capsys.readouterr().err == ("No display is available, so the window cannot open. To check this device in the terminal, "
                                       "run: appwarden scan\n")
