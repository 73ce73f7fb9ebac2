"""The command line as a person types it: --lang anywhere, help in their language, rule ids in any
case, and each refusal one sentence with the one usage line that applies."""

from __future__ import annotations

from pathlib import Path

import pytest

# Loaded now: a test below runs as `nobody`, who cannot read the interpreter's own files.
import appwarden.core.cli.commands  # noqa: F401
import appwarden.core.cli.removal  # noqa: F401
import appwarden.core.history  # noqa: F401
import appwarden.core.reports.text_report  # noqa: F401
import appwarden.core.scan  # noqa: F401
import appwarden.core.target  # noqa: F401
from appwarden.core.cli.main import main
from tests.conftest import run_cli, FIXTURES
# Fixtures: a Linux disk with fakeapp installed, and a folder whose read access is taken away.
from tests.core.cli.test_cli import disk  # noqa: F401
from tests.core.sources.conftest import deny_reading  # noqa: F401

MINIMAL = FIXTURES / "policies" / "minimal.toml"


run = run_cli  # exit code, stdout and stderr of `appwarden ARGV`


@pytest.fixture
def columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps help to the terminal's width


ON_DISK = ("--no-default-policy", "--policy", str(MINIMAL))


@pytest.mark.parametrize(
    "argv, code, french_line",
    [
        (("scan", "--root", "{disk}", "--no-history", *ON_DISK), 1, "1 application interdite trouvée."),
        (("explain", "tiktok"), 0, "Pourquoi est-ce interdit?"),
        (("remove", "fakeapp", "--dry-run", "--root", "{disk}", *ON_DISK), 0, "Plan de retrait de Fausse appli : 2 étapes."),
        (("history",), 0, "Aucune vérification n’a encore été enregistrée."),
        (("policy", "list"), 0, "    règles : tiktok, wechat, kaspersky"),
        (("policy", "show", str(MINIMAL)), 0, "Pourquoi est-ce interdit?"),
        (("policy", "check", "--no-default-policy", str(MINIMAL)), 0, f"{MINIMAL} : valide (1 directive, 1 règle)"),
    ],
)
def test_lang_after_every_subcommand_speaks_that_language(capsys, disk, argv, code, french_line):  # noqa: F811
    done_code, out, err = run(capsys, *(arg.replace("{disk}", str(disk)) for arg in argv), "--lang", "fr")
    assert (done_code, err) == (code, "")
    assert french_line in out.splitlines()


def test_lang_after_the_subcommand_wins_over_the_one_before(capsys):
    assert run(capsys, "--lang", "en", "history", "--lang", "fr") == (0, "Aucune vérification n’a encore été enregistrée.\n", "")
    assert run(capsys, "--lang", "fr", "history") == (0, "Aucune vérification n’a encore été enregistrée.\n", "")


def test_a_subcommands_help_is_in_french_with_lang_after_it(capsys, columns):
    assert run(capsys, "explain", "--help", "--lang", "fr") == (0, (
        "utilisation : appwarden explain [-h] [--lang {en,fr}] [--policy FILE] [--no-default-policy] RULE\n"
        "\n"
        "arguments positionnels :\n"
        "  RULE                 identifiant de la règle, comme tiktok, wechat ou kaspersky\n"
        "\n"
        "options :\n"
        "  -h, --help           afficher ce message d’aide et quitter\n"
        "  --lang {en,fr}       langue des messages et des rapports\n"
        "  --policy FILE        ajouter un paquet de politiques (peut être répété)\n"
        "  --no-default-policy  ne pas charger le paquet par défaut du gouvernement du Canada\n"
    ), "")


def test_the_programs_help_follows_a_french_locale(capsys, columns, monkeypatch):
    for name in ("APPWARDEN_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert run(capsys, "--help") == (0, (
        "utilisation : appwarden [-h] [--lang {en,fr}] [--version] COMMAND ...\n"
        "\n"
        "Cherche sur cet ordinateur (ou sur un disque monté) les applications que des directives\n"
        "gouvernementales interdisent.\n"
        "\n"
        "arguments positionnels :\n"
        "  COMMAND\n"
        "    scan          vérifier cet appareil ou un disque monté\n"
        "    explain       expliquer pourquoi une application est interdite\n"
        "    phones        lister les téléphones branchés à cet ordinateur\n"
        "    kiosk         ouvrir la borne, vérifier sa configuration ou définir son NIP\n"
        "    remove        retirer une application interdite, étape par étape\n"
        "    history       énumérer les vérifications passées\n"
        "    policy        énumérer, afficher ou valider les paquets de politiques\n"
        "\n"
        "options :\n"
        "  -h, --help      afficher ce message d’aide et quitter\n"
        "  --lang {en,fr}  langue des messages et des rapports\n"
        "  --version       afficher la version et quitter\n"
    ), "")


def test_the_remove_commands_options_are_explained_in_french(capsys, columns):
    code, out, _ = run(capsys, "remove", "-h", "--lang", "fr")
    assert code == 0
    assert "  --dry-run             afficher chaque commande exacte sans rien modifier" in out.splitlines()
    assert "  --policy FILE         ajouter un paquet de politiques (peut être répété)" in out.splitlines()


def test_rule_ids_are_matched_whatever_their_case(capsys, disk):  # noqa: F811
    assert run(capsys, "explain", "WeChat") == run(capsys, "explain", "wechat")
    shouted = run(capsys, "remove", "FAKEAPP", "--dry-run", "--root", disk, *ON_DISK)
    assert shouted == run(capsys, "remove", "fakeapp", "--dry-run", "--root", disk, *ON_DISK)
    assert shouted[0] == 0
    assert shouted[1].splitlines()[0] == "Removal plan for Fake App: 2 steps."


def usage(command: str) -> str:
    return f"usage: {command} ({command.split(' [')[0]} --help says more)\n"


@pytest.mark.parametrize(
    "argv, sentence, usage_line",
    [
        (("scan", "--format", "pdf"), "--format must be one of text, json, html, not 'pdf'.", usage("appwarden scan [options]")),
        (("scan", "--os", "beos"), "--os must be one of linux, windows, macos, not 'beos'.", usage("appwarden scan [options]")),
        (("--lang", "de", "history"), "--lang must be one of en, fr, not 'de'.", usage("appwarden [options] COMMAND ...")),
        (("history", "--limit", "-3"), "--limit must be a whole number of 1 or more, not '-3'.", usage("appwarden history [options]")),
        (("history", "--limit", "0"), "--limit must be a whole number of 1 or more, not '0'.", usage("appwarden history [options]")),
        (("history", "--limit", "many"), "--limit must be a whole number of 1 or more, not 'many'.", usage("appwarden history [options]")),
        (("history", "--limit", "²"), "--limit must be a whole number of 1 or more, not '²'.", usage("appwarden history [options]")),
        (("scan", "--root"), "--root must be followed by DIR.", usage("appwarden scan [options]")),
        (("scan", "--no-history=yes"), "--no-history takes no value.", usage("appwarden scan [options]")),
        (("scan", "--colour", "red"), "appwarden scan does not take --colour red.", usage("appwarden scan [options]")),
        (("scan", "--no"), "appwarden scan does not take --no.", usage("appwarden scan [options]")),
        (("explain",), "appwarden explain needs RULE.", usage("appwarden explain [options] RULE")),
        (("policy",), "appwarden policy needs ACTION.", usage("appwarden policy [options] ACTION ...")),
        (("policy", "check"), "appwarden policy check needs FILE.", usage("appwarden policy check [options] FILE [FILE ...]")),
        (("sacn",), "'sacn' is not a command of appwarden; its commands are scan, explain, phones, kiosk, remove, history, policy.",
         usage("appwarden [options] COMMAND ...")),
        (("policy", "lsit"), "'lsit' is not a command of appwarden policy; its commands are list, show, check, export.",
         usage("appwarden policy [options] ACTION ...")),
    ],
)
def test_a_bad_value_is_one_sentence_and_the_one_usage_line(capsys, argv, sentence, usage_line):
    assert run(capsys, *argv) == (2, "", f"{sentence}\n{usage_line}")


def test_a_bad_value_is_refused_in_french(capsys):
    assert run(capsys, "scan", "--format", "pdf", "--lang", "fr") == (2, "", (
        "--format doit être l’une des valeurs text, json, html, et non « pdf ».\n"
        "utilisation : appwarden scan [options] (appwarden scan --help en dit plus)\n"
    ))


def test_a_refused_value_is_shown_without_its_control_characters(capsys):
    code, _, err = run(capsys, "scan", "--format", "\x1b[2Jpdf")
    assert (code, err.splitlines()[0]) == (2, "--format must be one of text, json, html, not '\\x1b[2Jpdf'.")


@pytest.mark.parametrize("text", ["", "\n\n", "# the rules come later\n"])
def test_an_empty_policy_file_is_one_sentence(capsys, tmp_path, text):
    pack = tmp_path / "empty.toml"
    pack.write_text(text)
    sentence = f"{pack} is empty: a policy pack needs a schema key and a [pack] table with id, version and name.\n"
    assert run(capsys, "scan", "--no-default-policy", "--policy", pack, "--no-history") == (2, "", sentence)
    assert run(capsys, "policy", "check", "--no-default-policy", pack) == (2, "", sentence)
    assert run(capsys, "policy", "check", "--no-default-policy", pack, "--lang", "fr") == (2, "", (
        f"{pack} est vide : un paquet de politiques a besoin d’une clé schema et d’une table [pack] avec id, version et name.\n"
    ))


@pytest.mark.parametrize("command", [("scan", "--no-history"), ("explain", "wechat"), ("policy", "list")])
def test_no_default_policy_and_no_pack_says_so(capsys, command):
    assert run(capsys, *command, "--no-default-policy") == (2, "", (
        "No policy pack is loaded: with --no-default-policy, name at least one pack with --policy FILE.\n"
    ))


@pytest.mark.parametrize("os_option", [(), ("--os", "linux")])
def test_a_disk_this_account_cannot_read_is_permission_denied(capsys, disk, deny_reading, os_option):  # noqa: F811
    deny_reading(disk)
    assert run(capsys, "scan", "--root", disk, *os_option, "--no-history", *ON_DISK) == (2, "", (
        f"Permission denied: this account cannot read {disk}. Run the check with administrator rights (for example with sudo).\n"
    ))


def test_a_system_folder_this_account_cannot_read_is_permission_denied(capsys, disk, deny_reading):  # noqa: F811
    deny_reading(disk / "etc")
    assert run(capsys, "scan", "--root", disk, "--no-history", *ON_DISK) == (2, "", (
        f"Permission denied: this account cannot read {disk / 'etc'}. Run the check with administrator rights (for example with sudo).\n"
    ))


@pytest.mark.parametrize("columns_variable", [None, "100", "0", "wide", "-3"])
def test_help_is_as_wide_as_argparse_would_make_it(monkeypatch, columns_variable):
    """The help formatter finds the width itself, as shutil.get_terminal_size does for argparse,
    so that a check does not import shutil (and its compression libraries)."""
    import shutil

    from appwarden.core.cli.main import help_width

    if columns_variable is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns_variable)
    assert help_width() == shutil.get_terminal_size().columns - 2


def test_building_the_command_line_does_not_import_shutil():
    import subprocess
    import sys

    code = ("import sys, io, contextlib\nfrom appwarden.core.cli.main import build_parser\n"
            "from appwarden.core.i18n import Translator\n"
            "build_parser(Translator('en')).parse_args(['scan', '--no-history'])\n"
            "print('shutil' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
