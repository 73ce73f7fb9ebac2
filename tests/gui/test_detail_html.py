"""The detail pane's text: AppWarden's own scope sentence, and the directive's page in the window's language."""

from __future__ import annotations

from html import escape

from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.gui.detail_html import empty_detail_html, finding_html
from tests.conftest import FIXTURES, PROJECT
from tests.core.reports.test_reports import REQUIRED_FR, scan_of_debian_disk

EXAMPLE = PROJECT / "assets/policies/examples/extend-to-computers.toml"


def test_the_detail_pane_links_to_the_page_in_the_windows_language(tmp_path):
    result = scan_of_debian_disk(tmp_path, "fakeapp", load_policies([FIXTURES / "policies/schema2.toml"], include_default=False))
    (finding,) = result.findings
    french = finding_html(finding, "linux", Translator("fr"), helpdesk=False)
    assert "<code>https://example.org/fr/directive</code>" in french and "/en/" not in french
    assert "<code>https://example.org/en/directive</code>" in finding_html(finding, "linux", Translator("en"), helpdesk=False)


def test_the_detail_pane_gives_the_scope_sentence_built_by_appwarden(tmp_path):
    result = scan_of_debian_disk(tmp_path, "wechat", load_policies([EXAMPLE]))
    (finding,) = result.findings
    french = finding_html(finding, "linux", Translator("fr"), helpdesk=False)
    assert f"<p><b>{escape(REQUIRED_FR)}</b></p>" in french
    assert "recommandé" not in french


def test_before_a_check_the_pane_speaks_of_the_device_or_of_the_disk():
    assert empty_detail_html(None, Translator("en"), "Check this disk", live=False) == (
        "<h3>Is this disk free of prohibited applications?</h3><p>Press “Check this disk” to look for applications that "
        "government directives prohibit. It takes a few seconds and changes nothing on the disk.</p>"
    )
    assert empty_detail_html(None, Translator("fr"), "Vérifier cet appareil").startswith(
        "<h3>Cet appareil est-il exempt d’applications interdites?</h3>"
    )
    assert empty_detail_html(None, Translator("fr"), "Vérifier ce disque", live=False).startswith(
        "<h3>Ce disque est-il exempt d’applications interdites?</h3>"
    )
