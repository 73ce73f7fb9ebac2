"""The history dialog's removal actions read as sentences: the step as the plan titled it and how it
ended, in English and French; the history keeps the step ids and outcome codes."""

from __future__ import annotations

import pytest

from appwarden.core.history import ActionRecord, HistoryStore
from appwarden.core.i18n import Translator
from appwarden.gui.history_view import ActionsModel, HistoryDialog

NAMES = {"wechat": "WeChat (Weixin)", "kaspersky": "Kaspersky", "tiktok": "TikTok"}
APT = ("pkexec", "apt-get", "remove", "-y", "-o", "APT::Get::AutomaticRemove=false", "wechat")


def at(second: int) -> str:
    return f"2026-11-29T01:00:{second:02d}+00:00"


# A WeChat removal on Linux as the executor records it (started, then finished), oldest first.
WECHAT_REMOVAL = [
    ActionRecord("wechat", "quit", "quit", "started", ("terminate 17357; kill after 5 s",), recorded_at=at(0)),
    ActionRecord("wechat", "quit", "quit", "finished", ("terminate 17357; kill after 5 s",), "done", None, 0.4, recorded_at=at(1)),
    ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "started", APT, recorded_at=at(2)),
    ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "finished", APT, "done", 0, 2.5, recorded_at=at(5)),
    ActionRecord("wechat", "vendor:1", "vendor", "finished", (), "person_done", recorded_at=at(6)),
    ActionRecord("wechat", "leftover:/opt/wechat", "leftovers", "started", ("delete /opt/wechat",), recorded_at=at(7)),
    ActionRecord("wechat", "leftover:/opt/wechat", "leftovers", "finished", ("delete /opt/wechat",), "done", None, 0.1, recorded_at=at(8)),
    ActionRecord("wechat", "verify", "verify", "started", recorded_at=at(9)),
    ActionRecord("wechat", "verify", "verify", "finished", (), "done", 0, 0.2, recorded_at=at(10)),
]


def rows(model: ActionsModel) -> list[list[str]]:
    return [[model.index(row, column).data() for column in (1, 2, 3)] for row in range(model.rowCount())]


# The dialog lists it newest first: each step and how it ended, in English and in French.
WECHAT_REMOVAL_SHOWN = {
    "en": [("Check that the app is gone", "The app is gone"), ("Delete /opt/wechat", "Done"),
           ("Vendor step 1", "You said it was done"), ("Uninstall the wechat package", "Done"), ("Quit the app", "Done")],
    "fr": [("Vérifier que l’application a disparu", "L’application a disparu"), ("Supprimer /opt/wechat", "Fait"),
           ("Étape 1 de l’éditeur", "Vous avez indiqué que c’était fait"), ("Désinstaller le paquet wechat", "Fait"),
           ("Quitter l’application", "Fait")],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dialog_shows_each_step_as_the_plan_titled_it_and_how_it_ended(qtbot, tmp_path, lang):
    store = HistoryStore(tmp_path / "history.sqlite3")
    for action in WECHAT_REMOVAL:
        store.record_action(action)
    dialog = HistoryDialog(Translator(lang))
    qtbot.addWidget(dialog)
    dialog.load([], NAMES, store.listing().removal_steps)
    assert rows(dialog.actions_model) == [["WeChat (Weixin)", *shown] for shown in WECHAT_REMOVAL_SHOWN[lang]]
    assert dialog.actions_model.index(3, 4).data() == " ".join(APT)
    # Only the dialog's words changed: the history keeps the codes the JSON and resuming read.
    kept = [(a.step, a.outcome, a.exit_code) for a in store.actions() if a.phase == "finished"]
    assert kept == [
        ("quit", "done", None), ("uninstall:dpkg:wechat", "done", 0), ("vendor:1", "person_done", None),
        ("leftover:/opt/wechat", "done", None), ("verify", "done", 0),
    ]


# Each recorded step, and how the dialog shows it in English and in French: (step, result) each.
ENDINGS = [
    (ActionRecord("kaspersky", "uninstall:dpkg:kesl", "uninstall", "finished", ("pkexec", "dpkg", "--purge", "kesl"), "failed", 2),
     ("Remove the settings the kesl package left behind", "Failed (exit code 2)"),
     ("Supprimer les réglages laissés par le paquet kesl", "Échec (code de sortie 2)")),
    (ActionRecord("kaspersky", "vendor:2", "vendor", "finished", (), "person_not_done"),
     ("Vendor step 2", "You said it was not done"),
     ("Étape 2 de l’éditeur", "Vous avez indiqué que ce n’était pas fait")),
    (ActionRecord("wechat", "uninstall:rpm:wechat", "uninstall", "finished", ("rpm", "-e", "wechat"), "cancelled"),
     ("Uninstall the wechat package", "Not taken: you did not confirm it"),
     ("Désinstaller le paquet wechat", "Non effectuée : vous ne l’avez pas confirmée")),
    (ActionRecord("wechat", "uninstall:flatpak:com.tencent.WeChat:system", "uninstall", "started", ("flatpak",)),
     ("Uninstall the Flatpak app com.tencent.WeChat", "Interrupted"),
     ("Désinstaller l’application Flatpak com.tencent.WeChat", "Interrompue")),
    (ActionRecord("wechat", "uninstall:snap:wechat", "uninstall", "finished", ("snap", "remove", "wechat"), "done", 0),
     ("Uninstall the snap wechat", "Done"), ("Désinstaller le snap wechat", "Fait")),
    (ActionRecord("wechat", "uninstall:appimage:/home/ana/WeChat.AppImage", "uninstall", "finished", (), "failed"),
     ("Delete the AppImage file /home/ana/WeChat.AppImage", "Failed"),
     ("Supprimer le fichier AppImage /home/ana/WeChat.AppImage", "Échec")),
    (ActionRecord("wechat", "uninstall:macos_apps:/Applications/WeChat.app", "uninstall", "finished", (), "skipped"),
     ("Move WeChat.app to the Trash", "Skipped"), ("Mettre WeChat.app à la Corbeille", "Ignorée")),
    (ActionRecord("kaspersky", "uninstall:windows_uninstall:HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\KES",
                  "uninstall", "finished", ("C:\\Program Files\\Kaspersky\\uninstall.exe",), "done", 3010),
     ("Uninstall Kaspersky with its own uninstaller", "Done (exit code 3010)"),
     ("Désinstaller Kaspersky avec son propre programme de désinstallation", "Fait (code de sortie 3010)")),
    (ActionRecord("tiktok", "uninstall:windows_store:BytedancePte.Ltd.TikTok:ana", "uninstall", "finished", (), "person_done"),
     ("Uninstall the Microsoft Store app TikTok", "You said it was done"),
     ("Désinstaller l’application du Microsoft Store TikTok", "Vous avez indiqué que c’était fait")),
    (ActionRecord("tiktok", "uninstall:guidance", "uninstall", "finished", (), "person_done"),
     ("Uninstall the app", "You said it was done"), ("Désinstaller l’application", "Vous avez indiqué que c’était fait")),
    (ActionRecord("wechat", "restart", "restart", "finished", (), "person_done"),
     ("Restart the computer", "You said it was done"), ("Redémarrer l’ordinateur", "Vous avez indiqué que c’était fait")),
    (ActionRecord("wechat", "verify", "verify", "finished", (), "failed", 1),
     ("Check that the app is gone", "The app is still there"),
     ("Vérifier que l’application a disparu", "L’application est toujours là")),
    (ActionRecord("kaspersky", "verify", "verify", "finished", (), "failed", 2),
     ("Check that the app is gone", "AppWarden could not confirm that the app is gone"),
     ("Vérifier que l’application a disparu", "AppWarden n’a pas pu confirmer que l’application a disparu")),
    (ActionRecord("wechat", "leftovers", "leftovers", "finished", (), "odd"), ("leftovers", "odd"), ("leftovers", "odd")),
]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_step_and_ending_has_its_sentence_and_unknown_codes_show_as_they_are(qtbot, lang):
    model = ActionsModel(Translator(lang))
    model.show([action for action, *_ in ENDINGS], NAMES)
    shown = {"en": 1, "fr": 2}[lang]
    expected = [[NAMES[row[0].rule], *row[shown]] for row in ENDINGS]
    assert list(reversed(rows(model))) == expected
