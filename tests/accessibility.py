"""Accessibility and HTML validity of the pages browser tests visit.

``audit(page)`` runs axe-core in a Playwright page (rules tagged wcag2a, wcag2aa, wcag21a,
wcag21aa) and fails the test with a readable list of the violations. It also records the page's
HTML; at the end of the run the Nu HTML Checker (vnu.jar, run once with Java over every recorded
document) validates them, and any error fails the run. ``conftest.py`` loads this module as
``accessibility`` (the suite runs with ``--import-mode=importlib``) and calls
:func:`finish_session` from its session-finish hook.

axe-core and vnu-jar come from the npm registry (``tests/tools/package.json``, installed by
``make install``); without them browser tests are skipped with the reason, or fail where CI
requires the browser tests (``SAMVERKAN_TEST_REQUIRE_BROWSER``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

TOOLS = Path(__file__).with_name("tools") / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Collected:
    """What the run has audited: pages checked by axe, documents kept for vnu."""

    pages: int = 0
    urls: set[str] = field(default_factory=set)
    documents: dict[str, str] = field(default_factory=dict)  # file name -> page URL
    directory: Path | None = None

    def folder(self) -> Path:
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="samverkan-html-"))
        return self.directory


COLLECTED = Collected()
_axe_source: str | None = None


def _missing(tool: Path) -> None:
    reason = (f"{tool} is missing (npm ci --prefix tests/tools, run by `make install`)")
    if os.environ.get("SAMVERKAN_TEST_REQUIRE_BROWSER"):
        pytest.fail(f"SAMVERKAN_TEST_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


def require_tools() -> None:
    """Skip (or fail where CI requires it) unless axe-core, vnu.jar and Java are present."""
    for tool in (AXE_JS, VNU_JAR):
        if not tool.exists():
            _missing(tool)
    if shutil.which("java") is None:
        _missing(Path("java"))


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        if not AXE_JS.exists():
            _missing(AXE_JS)
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    return _axe_source


def format_violations(url: str, violations: list[dict]) -> str:
    """One line per rule and element: rule, impact, CSS target, and the rule's summary."""
    lines = [f"axe-core: {len(violations)} violation(s) on {url}"]
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"  [{violation['id']}] ({node.get('impact') or violation.get('impact')})"
                         f" {target}: {violation['help']}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def _watch(page) -> None:
    """Keep the page's latest document response, so that its markup need not be fetched again."""
    if getattr(page, "_samverkan_watched", False):
        return
    page._samverkan_watched = True

    def keep(response) -> None:
        if response.request.resource_type == "document" and response.frame == page.main_frame:
            page._samverkan_document = response

    page.on("response", keep)


def _server_html(page, url: str) -> str | None:
    """The server's markup of the page: the response that loaded it, or, for a page loaded
    before :func:`audit` first saw it, the same URL fetched again with the page's cookies."""
    response = getattr(page, "_samverkan_document", None)
    try:
        if response is None or response.url.split("#", 1)[0] != url:
            response = page.request.get(url, max_redirects=0)
        if response.status == 200 and "text/html" in response.headers.get("content-type", ""):
            return response.text()
    except Exception:  # noqa: BLE001 - any failure falls back to the live document
        return None
    return None


def _record_html(page) -> None:
    """Keep the page's HTML for vnu (once per URL): the server's markup, else the browser's
    serialisation of the document."""
    key = page.url.split("#", 1)[0]
    if key in COLLECTED.urls:
        return
    COLLECTED.urls.add(key)
    html = _server_html(page, key)
    if html is None:
        html = "<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML")
    path = urlsplit(key).path.strip("/").replace("/", "_") or "index"
    name = f"{len(COLLECTED.documents) + 1:04d}-{path[:80]}.html"
    (COLLECTED.folder() / name).write_text(html, encoding="utf-8")
    COLLECTED.documents[name] = key


def audit(page) -> None:
    """Fail unless axe-core finds no WCAG 2.1 A/AA violation in ``page``; keep its HTML for the
    run's HTML validation."""
    _watch(page)
    page.wait_for_load_state()
    # evaluate runs as the debugger does, so the page's Content-Security-Policy does not apply.
    page.evaluate(_axe() + "\n;0")
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']})""",
        WCAG_TAGS,
    )
    COLLECTED.pages += 1
    _record_html(page)
    violations = result["violations"]
    if violations:
        pytest.fail(format_violations(page.url, violations), pytrace=False)


def validate(folder: Path, documents: dict[str, str]) -> list[str]:
    """Run vnu.jar once over the documents; one readable line per error."""
    files = [str(folder / name) for name in sorted(documents)]
    completed = subprocess.run(
        ["java", "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
         "--exit-zero-always", "--stdout", *files],
        capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        messages = json.loads(completed.stdout)["messages"]
    except (ValueError, KeyError):
        return [f"vnu did not run: {completed.stderr.strip()[:500]}"]
    errors = []
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        name = Path(urlsplit(message.get("url", "")).path).name
        extract = (message.get("extract") or "").replace("\n", " ").strip()
        errors.append(f"{documents.get(name, name)} ({name} line {message.get('lastLine', '?')}):"
                      f" {message.get('message')}  [{extract[:120]}]")
    return errors


def finish_session(session, summary: list[str]) -> None:
    """Validate the collected HTML with one vnu run; add the figures to ``summary`` and fail
    the run on any axe-recorded page's HTML error."""
    if not COLLECTED.pages and not COLLECTED.documents:
        return
    line = f"accessibility: {COLLECTED.pages} page views audited by axe-core ({', '.join(WCAG_TAGS)})"
    if not COLLECTED.documents:
        summary.append(line)
        return
    if not VNU_JAR.exists() or shutil.which("java") is None:
        summary.append(f"{line}; HTML validity not checked: vnu.jar or java missing")
        if os.environ.get("SAMVERKAN_TEST_REQUIRE_BROWSER"):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    errors = validate(COLLECTED.folder(), COLLECTED.documents)
    summary.append(f"{line}; HTML validity (Nu HTML Checker): {len(COLLECTED.documents)} "
                   f"documents, {len(errors)} errors")
    if errors:
        summary.extend(f"  vnu: {error}" for error in errors)
        summary.append(f"  the documents are kept in {COLLECTED.folder()}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        shutil.rmtree(COLLECTED.folder(), ignore_errors=True)
