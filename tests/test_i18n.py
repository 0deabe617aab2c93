"""Users see Chinese: every message in the code and templates has a zh_CN translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "crm" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
METHODS = [("crm/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_ids() -> set[str]:
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_is_translated():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy
    }
    missing = sorted(extracted_ids() - translated)
    assert missing == [], f"untranslated (run `make extract-messages` and translate): {missing}"


def test_pages_render_in_chinese(client):
    page = client.get("/auth/login").data.decode()
    assert "登录" in page and "Log in" not in page


def test_translations_are_found_once_per_context_and_a_forced_locale_still_gets_its_own(app):
    """crm.i18n.ContextDomain keeps the context's translations; force_locale() must still switch them."""
    from flask import render_template_string
    from flask_babel import _get_current_context, force_locale, get_translations
    from flask_babel import gettext as _

    with app.test_request_context("/"):
        assert _("Log in") == "登录"
        assert (
            _get_current_context().babel_translations is get_translations()
        )  # found once, kept on the context
        with force_locale("en"):
            assert _("Log in") == "Log in"
            assert render_template_string("{{ _('Log in') }}") == "Log in"
        assert _("Log in") == "登录" and render_template_string("{{ _('Log in') }}") == "登录"
