"""Under --root every sentence speaks of that disk and of the computer it belongs to, never of "this
device": `scan` and `remove --dry-run` of a mounted Linux disk, word for word, in English and French."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from appwarden.core.cli.main import main
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.removal.builder import Host, build_plan
from appwarden.core.removal.executor import run_step
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target

WECHAT = "Package: wechat\nStatus: install ok installed\nVersion: 4.0.1.11\nArchitecture: amd64\n\n"


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    """Another computer's Linux disk, mounted: WeChat installed, and 1,500 bytes it left in /opt/wechat."""
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "etc/hostname").write_text("desk-12\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(WECHAT)
    (root / "opt/wechat").mkdir(parents=True)
    (root / "opt/wechat/libwechat.so").write_bytes(b"\0" * 1500)
    return root


def run(*argv: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue().splitlines()


SCAN_ENDS = {
    "en": [
        "  10 other sources have nothing to read on this disk.",
        "  17 sources made for other systems are not used on Linux.",
        "Every source that applies to this disk was read.",
    ],
    "fr": [
        "  10 autres sources n’ont rien à lire sur ce disque.",
        "  17 sources faites pour d’autres systèmes ne sont pas utilisées sous Linux.",
        "Toutes les sources qui s’appliquent à ce disque ont été lues.",
    ],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_scan_of_a_disk_speaks_of_that_disk(disk, lang):
    code, lines = run("scan", "--root", str(disk), "--no-history", "--lang", lang)
    assert code == 1
    assert lines[-3:] == SCAN_ENDS[lang]
    assert not [line for line in lines if "this device" in line or "cet appareil" in line]


ON_THAT_COMPUTER = {
    "en": "  This disk belongs to another computer, so AppWarden does not do this itself: do it on that computer. ",
    "fr": "  Ce disque appartient à un autre ordinateur, donc AppWarden ne le fait pas lui-même : faites-le sur cet autre ordinateur. ",
}
DRY_RUN = {
    "en": [
        "Removal plan for WeChat (Weixin): 3 steps.",
        "",
        "[1/3] Uninstall the wechat package",
        "  Do this on the computer this disk belongs to. The system's package manager (apt-get) removes the package. It needs administrator rights; "
        "you may be asked for your password. apt-get lists every package it would remove and asks first: answer no if the "
        "list holds anything but wechat.",
        "    $ sudo apt-get remove wechat",  # as an ordinary account there types it, whoever reads the disk here
        "",
        "[2/3] Delete /opt/wechat",
        ON_THAT_COMPUTER["en"] + "The app left this behind (1.5 kB). It may hold your data: delete it only if you do not "
        "need it, following your organisation's rules on keeping records.",
        "",
        "[3/3] Check that the app is gone",
        "  AppWarden reads the places where it found the app again: Debian packages, Leftover files.",
        "",
        "Dry run: nothing was changed. Run without --dry-run to take these steps.",
    ],
    "fr": [
        "Plan de retrait de WeChat (Weixin) : 3 étapes.",
        "",
        "[1/3] Désinstaller le paquet wechat",
        "  Faites-le sur l’ordinateur auquel appartient ce disque. Le gestionnaire de paquets du système (apt-get) retire le paquet. Il faut des droits "
        "d’administrateur; votre mot de passe peut vous être demandé. apt-get énumère chaque paquet qu’il supprimerait et "
        "demande d’abord : répondez non si la liste contient autre chose que wechat.",
        "    $ sudo apt-get remove wechat",  # as an ordinary account there types it, whoever reads the disk here
        "",
        "[2/3] Supprimer /opt/wechat",
        ON_THAT_COMPUTER["fr"] + "L’application a laissé ceci derrière elle (1,5 ko). Cela peut contenir vos données : "
        "supprimez-le seulement si vous n’en avez pas besoin, en suivant les règles de votre organisation sur la "
        "conservation des documents.",
        "",
        "[3/3] Vérifier que l’application a disparu",
        "  AppWarden relit les endroits où il a trouvé l’application : Paquets Debian, Fichiers restants.",
        "",
        "Essai à blanc : rien n’a été modifié. Relancez sans --dry-run pour effectuer ces étapes.",
    ],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_dry_run_on_a_disk_says_each_step_is_done_on_that_computer_first(disk, lang):
    assert run("remove", "wechat", "--dry-run", "--root", str(disk), "--lang", lang) == (0, DRY_RUN[lang])


@pytest.mark.parametrize("lang, sentence", [
    ("en", "tiktok was not found on the disk mounted at {root}."),
    ("fr", "tiktok n’a pas été trouvé sur le disque monté dans {root}."),
])
def test_an_app_that_is_not_on_the_disk_is_said_to_be_not_on_that_disk(disk, lang, sentence):
    code, lines = run("remove", "tiktok", "--dry-run", "--root", str(disk), "--lang", lang)
    assert lines == [sentence.format(root=disk)]


STILL_THERE = {
    "en": "WeChat (Weixin) is still on the disk mounted at {root} (see what remains). Take the remaining steps on that "
    "computer, or ask your help desk: tell them that WeChat (Weixin) is still found after the removal steps.",
    "fr": "WeChat (Weixin) est toujours sur le disque monté dans {root} (voyez ce qui reste). Faites les étapes restantes "
    "sur cet autre ordinateur, ou demandez l’aide de votre service d’assistance informatique : dites-lui que WeChat "
    "(Weixin) est toujours détecté après les étapes de retrait.",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_check_at_the_end_says_what_is_still_on_that_disk(disk, tmp_path, lang):
    target, policies = make_target(str(disk)), load_policies([])
    finding = next(f for f in run_scan(target, policies).findings if f.rule.id == "wechat")
    plan = build_plan(finding, target, policies, Host(False, lambda name: False, tmp_path / "home"))
    outcome = run_step(plan, plan.steps[-1], lambda step: True)
    assert outcome.next.render(Translator(lang)) == STILL_THERE[lang].format(root=disk)


@pytest.mark.parametrize("lang, sentence", [
    ("en", "WeChat (Weixin) is gone from the disk mounted at {root}."),
    ("fr", "WeChat (Weixin) a disparu du disque monté dans {root}."),
])
def test_once_the_app_is_gone_the_check_says_it_of_that_disk(disk, tmp_path, lang, sentence):
    target, policies = make_target(str(disk)), load_policies([])
    finding = next(f for f in run_scan(target, policies).findings if f.rule.id == "wechat")
    plan = build_plan(finding, target, policies, Host(False, lambda name: False, tmp_path / "home"))
    (disk / "var/lib/dpkg/status").write_text("")  # removed on that computer, then the disk mounted again
    (disk / "opt/wechat/libwechat.so").unlink()
    (disk / "opt/wechat").rmdir()
    outcome = run_step(plan, plan.steps[-1], lambda step: True)
    assert outcome.next.render(Translator(lang)) == sentence.format(root=disk)


@pytest.mark.parametrize("lang, sentence", [
    ("en", "WeChat (Weixin) is gone from the disk mounted at {root}; the files listed are still there."),
    ("fr", "WeChat (Weixin) a disparu du disque monté dans {root}; les fichiers énumérés sont toujours là."),
])
def test_what_the_app_left_on_the_disk_is_said_to_be_still_there(disk, tmp_path, lang, sentence):
    target, policies = make_target(str(disk)), load_policies([])
    finding = next(f for f in run_scan(target, policies).findings if f.rule.id == "wechat")
    plan = build_plan(finding, target, policies, Host(False, lambda name: False, tmp_path / "home"))
    (disk / "var/lib/dpkg/status").write_text("")  # uninstalled on that computer; /opt/wechat stays
    outcome = run_step(plan, plan.steps[-1], lambda step: True)
    assert outcome.next.render(Translator(lang)) == sentence.format(root=disk)


def test_a_packs_own_step_reads_as_text_on_a_mounted_disk(tmp_path):
    """A vendor step (the pack's own words) on a disk: said in the person's language, never as Python's repr."""
    import io
    from contextlib import redirect_stdout

    from appwarden.core.cli.main import main

    disk = tmp_path / "disk"
    (disk / "etc").mkdir(parents=True)
    (disk / "etc/os-release").write_text("ID=debian\n")
    (disk / "var/lib/dpkg").mkdir(parents=True)
    (disk / "var/lib/dpkg/status").write_text("Package: wechat\nStatus: install ok installed\nVersion: 4.0\n\n")
    (disk / "root/.xwechat").mkdir(parents=True)
    for lang, title, sentence in (
        ("en", "Decide what happens to your WeChat chat data", "Do this on the computer this disk belongs to. Your WeChat chats stay"),
        ("fr", "Décidez du sort de vos données de clavardage WeChat", "Vos conversations WeChat restent"),
    ):
        out = io.StringIO()
        with redirect_stdout(out):
            main(["--lang", lang, "remove", "wechat", "--root", str(disk), "--dry-run"])
        text = out.getvalue()
        assert "LocalText" not in text and "mappingproxy" not in text
        assert title in text and sentence in text
