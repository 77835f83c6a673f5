"""Translations: complete catalogues, and pages in Swedish and Finnish with no English left.

The catalogues are checked against a fresh extraction from the code (the same options as the
Makefile's ``translations`` target), so a new string that nobody translated fails here even
before ``make translations`` has been run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = ("sv", "fi")
LANGUAGE_NAMES = {"Svenska", "Suomi", "English"}
MIN_LENGTH = 4  # "OK", "Ja" and the like may be the same word in several languages
MAX_PAGES_PER_ROLE = 60


def _catalogue(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else [i for i in message.id if i]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Every msgid in the code now (pybabel extract, as ``make translations`` runs it)."""
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    command = [str(pybabel) if pybabel.exists() else "pybabel", "extract", "-F", "babel.cfg",
               "-k", "_l", "-k", "lazy_gettext", "-o", str(output), "--no-location",
               "--sort-output", "--project=Samverkan", "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    catalogue = _catalogue(output)
    ids = {message.id if isinstance(message.id, str) else message.id[0]
           for message in catalogue if message.id}
    assert ids, "the extraction found no messages"
    return ids


def test_makefile_extracts_with_the_options_used_here():
    makefile = (ROOT / "Makefile").read_text()
    line = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    for option in ("-F babel.cfg", "-k _l", "-k lazy_gettext", "--no-location", "--sort-output"):
        assert option in line, f"the Makefile's extraction lacks {option!r}: update this test"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(locale):
    catalogue = _catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    untranslated, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(_ids(message)[0])
        if message.fuzzy:
            fuzzy.append(_ids(message)[0])
    assert not fuzzy, f"{locale}: {len(fuzzy)} fuzzy entries: {fuzzy[:20]}"
    assert not untranslated, (
        f"{locale}: {len(untranslated)} untranslated entries, e.g. {untranslated[:20]}")


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_every_message_of_the_code(locale, extracted):
    catalogue = _catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    present = {message.id if isinstance(message.id, str) else message.id[0]
               for message in catalogue if message.id}
    missing = sorted(extracted - present)
    assert not missing, (
        f"{locale}: {len(missing)} messages of the code are not in the catalogue (run "
        f"`make translations` and translate them), e.g. {missing[:20]}")


def test_template_catalogue_is_current(extracted):
    template = _catalogue(TRANSLATIONS / "messages.pot")
    present = {message.id if isinstance(message.id, str) else message.id[0]
               for message in template if message.id}
    missing = sorted(extracted - present)
    assert not missing, f"translations/messages.pot lacks {len(missing)} messages: {missing[:20]}"


# --- pages -----------------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes, the title, labels read by screen readers."""

    ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attrs = dict(attrs)
        self.parts.extend(attrs[name] for name in self.ATTRIBUTES if attrs.get(name))
        if tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(re.sub(r"\s+", " ", part).strip() for part in parser.parts)


def _pattern(msgid: str) -> re.Pattern | None:
    """A pattern for a msgid as it appears on a page (placeholders match anything)."""
    text = re.sub(r"\s+", " ", msgid.replace("%%", "%")).strip()
    pieces = re.split(r"%\([^)]+\)[sd]|%[sd]", text)
    if sum(len(piece.strip()) for piece in pieces) < MIN_LENGTH:
        return None
    body = r".+?".join(re.escape(piece) for piece in pieces)
    return re.compile(r"(?<![\w-])" + body + r"(?![\w-])")


@pytest.fixture(scope="module")
def english_strings(extracted) -> dict[str, list[tuple[str, re.Pattern]]]:
    """Per locale: the English source strings that must not appear on its pages."""
    result = {}
    for locale in LOCALES:
        catalogue = _catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
        same = set()
        for message in catalogue:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for msgid in _ids(message):
                if msgid in strings:
                    same.add(msgid)  # the same in this language (a name, an abbreviation)
        candidates = set(extracted)
        for message in catalogue:
            candidates.update(_ids(message))
        patterns = []
        for msgid in sorted(candidates - same - LANGUAGE_NAMES):
            if len(msgid.strip()) < MIN_LENGTH:
                continue
            pattern = _pattern(msgid)
            if pattern is not None:
                patterns.append((msgid, pattern))
        result[locale] = patterns
    return result


def english_on(page: str, patterns) -> list[str]:
    text = visible_text(page)
    return [msgid for msgid, pattern in patterns if pattern.search(text)]


def _with_lang(url: str, locale: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + [("lang", locale)]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.links.append(href.split("#")[0])


def links_of(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.links


@pytest.fixture
def populated(factory):
    """A bilingual tenant with content, and a member for every role."""
    from samverkan.tenants.models import Role

    tenant = factory.tenant("kieli", kind="consortium", locales=["fi", "sv"],
                            name={"sv": "Kustregionens samkommun", "fi": "Rannikon kuntayhtymä"})
    organisations = {
        kind: factory.organisation(tenant, kind=kind, name={"sv": f"Org {kind} sv",
                                                            "fi": f"Org {kind} fi"})
        for kind in ("municipality", "provider", "employer", "other")
    }
    bound = {"owner_representative": "municipality", "provider_reporter": "provider"}
    for role in Role:
        organisation = organisations[bound[role.value]] if role.value in bound else None
        factory.user(f"{role.value}@example.org", tenant=tenant, roles=[role.value],
                     organisation=organisation)
    factory.invitation(tenant, organisation=organisations["provider"],
                       roles=["provider_reporter"])
    factory.api_client(tenant, organisation=organisations["provider"])
    factory.audit_entry(tenant)
    return tenant


def _crawl(client, start: list[str], prefix_ok, locale: str) -> dict[str, str]:
    """GET pages breadth-first from ``start``, following links ``prefix_ok`` accepts."""
    seen: dict[str, str] = {}
    paths: set[str] = set()  # each path once (its sort and page variants look the same)
    queue = list(start)
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        key = _with_lang(path, locale)
        if urlsplit(key).path in paths:
            continue
        paths.add(urlsplit(key).path)
        response = client.get(key)
        if response.status_code != 200 or response.mimetype != "text/html":
            seen[key] = ""
            continue
        page = response.get_data(as_text=True)
        seen[key] = page
        for link in links_of(page):
            if prefix_ok(link) and urlsplit(link).path not in paths:
                queue.append(link)
    return {path: page for path, page in seen.items() if page}


@pytest.mark.parametrize("locale", LOCALES)
def test_public_pages_have_no_english(client, populated, english_strings, locale):
    found = {}
    for path in ("/signin", "/no-such-page", "/t/no-such-tenant/", "/password/forgot"):
        response = client.get(_with_lang(path, locale))
        assert response.status_code in (200, 404), path
        assert f'lang="{locale}"' in response.get_data(as_text=True)[:200]
        english = english_on(response.get_data(as_text=True), english_strings[locale])
        if english:
            found[path] = english
    assert not found, f"English text on {locale} pages: {found}"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ["admin", "owner_representative", "provider_reporter",
                                  "purchaser", "coordinator", "viewer"])
def test_pages_reachable_from_the_navigation_have_no_english(app, populated, english_strings,
                                                             sign_in_as, locale, role):
    client = app.test_client()
    sign_in_as(client, f"{role}@example.org")
    home = client.get(_with_lang("/t/kieli/", locale))
    assert home.status_code == 200
    assert f'lang="{locale}"' in home.get_data(as_text=True)[:200]

    def inside(link: str) -> bool:
        path = urlsplit(link).path
        return (path.startswith("/t/kieli/") or path.startswith("/account")
                or path == "/tenants") and "signout" not in path

    pages = _crawl(client, ["/t/kieli/", "/tenants?all=1"] + links_of(home.get_data(as_text=True)),
                   inside, locale)
    assert len(pages) >= 2
    found = {path: english for path, page in pages.items()
             if (english := english_on(page, english_strings[locale]))}
    assert not found, (f"English text on {len(found)} of {len(pages)} {locale} pages of a "
                       f"{role}:\n" + "\n".join(f"  {p}: {e}" for p, e in sorted(found.items())))


def test_the_english_check_finds_english(english_strings):
    """The check is not vacuous: an English page is caught, a translated one is not."""
    assert english_on("<h1>Sign in</h1>", english_strings["sv"]) == ["Sign in"]
    assert english_on('<button aria-label="Main navigation">x</button>',
                      english_strings["fi"]) == ["Main navigation"]
    assert english_on("<p>Kirjaudu sisään</p><script>Sign in</script>", english_strings["fi"]) == []
