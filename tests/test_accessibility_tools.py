"""The accessibility helper itself: ``audit`` fails on a violation with a readable report, and
``validate`` reports the Nu HTML Checker's errors with file and line."""

from __future__ import annotations

import shutil

import accessibility  # loaded by conftest.py
import pytest

BROKEN = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Trasig</title></head>
<body><main><img src="/chart.png"><p><div>block in a paragraph</div></p>
<label>Namn</label><input type="text" id="a"><input type="text" id="a"></main></body></html>
"""


def test_audit_fails_on_a_violation_and_names_rule_and_element(browser, monkeypatch):
    accessibility.require_tools()
    monkeypatch.setattr(accessibility, "COLLECTED", accessibility.Collected())
    page = browser.new_page()
    page.set_content(BROKEN)
    with pytest.raises(pytest.fail.Exception) as failure:
        accessibility.audit(page)
    report = str(failure.value)
    assert "[image-alt] (critical) img" in report
    assert "violation(s) on about:blank" in report
    collected = accessibility.COLLECTED
    assert collected.pages == 1 and len(collected.documents) == 1
    page.close()
    shutil.rmtree(collected.folder(), ignore_errors=True)


def test_validate_reports_errors_with_file_and_line(tmp_path):
    accessibility.require_tools()
    (tmp_path / "0001-broken.html").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "0002-valid.html").write_text(
        '<!DOCTYPE html><html lang="fi"><head><meta charset="utf-8"><title>Hyvä</title></head>'
        "<body><main><p>Kunnossa</p></main></body></html>", encoding="utf-8")
    errors = accessibility.validate(tmp_path, {"0001-broken.html": "http://test/broken",
                                               "0002-valid.html": "http://test/valid"})
    assert errors, "the checker finds the broken document's errors"
    assert all(error.startswith("http://test/broken (0001-broken.html line ") for error in errors)
    assert any("Duplicate ID" in error for error in errors)
