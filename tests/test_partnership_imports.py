"""Outcome report file imports: templates, uploads imported by a job, all rows or none.

The world: the municipality ``kust`` with two providers (``p1`` 1111111-1 and ``p2``
2222222-2), both parties to the signed agreement ``SP-1`` for 2025 (quarterly periods) with
the indicators ``started`` (count) and ``employed`` (percent). Reporters use English unless a
test says otherwise. Jobs run at the commit (``sync``) unless a test switches to ``thread``.
The 10,000-row import builds its own agreement with the benchmark's builder
(``tests/bench_import.py``) and runs on PostgreSQL too when the suite does.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import re
import signal
import sys
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from samverkan.partnership import services as svc
from samverkan.partnership.models import OutcomeReport, ReportValue
from samverkan.partnership.services.imports import COLUMNS
from samverkan.platform.db import db, tenant_scope
from samverkan.platform.jobs import JobRun
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

BASE = "/t/kust/partnership"
REDIS_URL = os.environ.get("SAMVERKAN_TEST_REDIS_URL")
HEADER = ";".join(COLUMNS)


class World:
    def __init__(self, app, factory, sign_in):
        self.app, self.sign_in = app, sign_in
        self._tenant = factory.tenant("kust")
        self.org = {
            "city": factory.organisation(self._tenant, kind="municipality").id,
            "p1": factory.organisation(self._tenant, kind="provider", business_id="1111111-1",
                                       name={"sv": "Yrkesakademin", "fi": "Yrkesakademin"}).id,
            "p2": factory.organisation(self._tenant, kind="provider", business_id="2222222-2",
                                       name={"sv": "Novia", "fi": "Novia"}).id,
        }
        self.emails = {}
        for key, roles, org, locale in (("admin", ["admin"], None, "en"),
                                        ("purchaser", ["purchaser"], None, "en"),
                                        ("p1", ["provider_reporter"], "p1", "en"),
                                        ("p1fi", ["provider_reporter"], "p1", "fi"),
                                        ("p2", ["provider_reporter"], "p2", "en")):
            self.emails[key] = f"{key}.kust@example.org"
            factory.user(self.emails[key], tenant=self._tenant, roles=roles, locale=locale,
                         organisation=SimpleNamespace(id=self.org[org]) if org else None)
        with self.scope():
            admin = self.p("admin")
            self.periods = {p.label: p.id for p in
                            svc.generate_periods(self.tenant, admin, 2025, 2025, "quarter")}
            agreement = svc.create_agreement(self.tenant, admin, svc.AgreementData(
                code="SP-1", title={"sv": "Partnerskap", "fi": "Kumppanuus"},
                valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)))
            svc.add_party(self.tenant, admin, agreement, self.org["city"], "purchaser")
            svc.add_party(self.tenant, admin, agreement, self.org["p1"], "provider")
            svc.add_party(self.tenant, admin, agreement, self.org["p2"], "provider")
            svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"},
                unit="percent"))
            svc.transition_agreement(self.tenant, admin, agreement, "negotiation")
            for key in ("purchaser", "p1", "p2"):
                svc.sign(self.tenant, self.p(key), agreement)
            db.session.commit()
            self.agreement_id = agreement.id

    @contextmanager
    def scope(self):
        with self.app.app_context(), tenant_scope(self._tenant.id):
            yield

    @property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self._tenant.id)

    def p(self, key: str):
        user = db.session.scalar(select(User).where(User.email == self.emails[key]))
        return principal_for_user(self.tenant, user)

    def client(self, key: str):
        client = self.app.test_client()
        self.sign_in(client, self.emails[key])
        return client

    def upload(self, client, content: bytes, *, filename="values.csv", period="2025 Q1",
               organisation="p1"):
        return client.post(f"{BASE}/agreements/{self.agreement_id}/import", data={
            "organisation_id": str(self.org[organisation]), "period_id": str(self.periods[period]),
            "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")

    def values(self) -> dict[tuple, Decimal]:
        """{(provider, period, indicator code): value} of every report."""
        names = {v: k for k, v in self.org.items()}
        labels = {v: k for k, v in self.periods.items()}
        with self.scope():
            return {(names[r.report.organisation_id], labels[r.report.period_id], r.indicator.code):
                    r.value for r in db.session.scalars(select(ReportValue))}


@pytest.fixture
def world(app, factory, sign_in_as) -> World:
    return World(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def csv_file(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode()


def run_id_of(response) -> str:
    assert response.status_code == 303, text(response)[:2000]
    return re.search(r"/imports/([0-9a-f-]{36})$", response.headers["Location"]).group(1)


# --- templates ------------------------------------------------------------------------------------


def test_csv_template_has_a_bom_semicolons_and_a_row_per_indicator(world):
    with world.scope():
        agreement = svc.get_agreement(world.tenant, world.agreement_id)
        report = svc.open_report(world.tenant, world.p("p1"), agreement, world.periods["2025 Q2"])
        svc.save_draft(world.tenant, world.p("p1"), report, {"employed": "61.5"})
        db.session.commit()
    response = world.client("p1").get(
        f"{BASE}/agreements/{world.agreement_id}/import-template?period={world.periods['2025 Q2']}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == list(COLUMNS)
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"started", "employed"}
    assert by_code["employed"][3] == "61.5"  # the draft's value, in the reader's number format
    assert by_code["started"][-2:] == ["2025 Q2", "1111111-1"]


def test_xlsx_template_opens_as_a_workbook(world):
    from openpyxl import load_workbook

    response = world.client("p1").get(
        f"{BASE}/agreements/{world.agreement_id}/import-template"
        f"?period={world.periods['2025 Q1']}&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(COLUMNS)
    assert [row[0] for row in rows[1:]] == ["started", "employed"]


def test_template_needs_a_period_of_the_agreement(world):
    response = world.client("p1").get(f"{BASE}/agreements/{world.agreement_id}/import-template")
    assert response.status_code == 400


# --- imports ---------------------------------------------------------------------------------------


def test_a_valid_file_is_imported_as_drafts(world):
    client = world.client("p1")
    response = world.upload(client, csv_file(
        "started;;;12;Bra;Hyvä;;", "employed;;;55,5;;;;", "started;;;3;;;2025 Q2;1111111-1",
        "employed;;;;;;2025 Q2;"))  # an empty row is skipped
    run_id = run_id_of(response)
    page = text(client.get(f"{BASE}/imports/{run_id}"))
    assert "3 values in 2 reports (1 empty rows skipped)" in page
    assert world.values() == {("p1", "2025 Q1", "started"): Decimal("12"),
                              ("p1", "2025 Q1", "employed"): Decimal("55.5"),
                              ("p1", "2025 Q2", "started"): Decimal("3")}
    with world.scope():
        assert {r.status for r in db.session.scalars(select(OutcomeReport))} == {"draft"}
    state = client.get(f"{BASE}/imports/{run_id}.json").get_json()
    assert state == {"status": "finished", "progress": 100, "done": True, "ok": True,
                     "error_count": 0}


def test_xlsx_upload_is_imported(world):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append(["started", "", "", 7, "", "", "2025 Q3", ""])
    workbook.active.append(["employed", "", "", 33.25, "", "", "2025 Q3", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run_id_of(world.upload(world.client("p1"), buffer.getvalue(), filename="values.xlsx"))
    assert world.values() == {("p1", "2025 Q3", "started"): Decimal("7"),
                              ("p1", "2025 Q3", "employed"): Decimal("33.25")}


def test_one_bad_row_rejects_the_file_and_names_the_row(world):
    client = world.client("p1")
    response = world.upload(client, csv_file(
        "started;;;12;;;;", "employed;;;150;;;;", "started;;;4;;;2025 Q2;"))
    page = text(client.get(f"{BASE}/imports/{run_id_of(response)}"))
    assert "Nothing was imported" in page
    assert "The file has 1 problem." in page
    assert "<th scope=\"row\">3</th>" in page
    assert "a percentage is from 0 to 100." in page
    assert world.values() == {}
    with world.scope():
        assert db.session.scalars(select(OutcomeReport)).all() == []


def test_every_problem_is_listed_in_the_uploaders_language(world, translate):
    client = world.client("p1fi")
    response = world.upload(client, csv_file(
        "nosuch;;;1;;;;", "started;;;1,5;;;;", "started;;;2;;;2031 Q1;",
        "employed;;;5;;;;2222222-2", "employed;;;5;;;;", "employed;;;6;;;;"))
    run = run_id_of(response)
    with world.scope():
        errors = dict(db.session.get(JobRun, run).result["errors"])
    assert set(errors) == {2, 3, 4, 5, 7}
    assert errors[7].endswith("6.")  # a duplicate names the first row
    [whole] = translate(world.app, "fi", "%(indicator)s: a count is a whole number, zero or more.")
    assert errors[3] == whole % {"indicator": "started (Aloittaneet)"}
    assert world.values() == {}


def test_rows_for_a_submitted_report_are_refused(world):
    with world.scope():
        agreement = svc.get_agreement(world.tenant, world.agreement_id)
        report = svc.open_report(world.tenant, world.p("p1"), agreement, world.periods["2025 Q1"])
        svc.submit_report(world.tenant, world.p("p1"), report,
                          values={"started": "1", "employed": "2"})
        db.session.commit()
    client = world.client("p1")
    response = world.upload(client, csv_file("started;;;12;;;;"))
    page = text(client.get(f"{BASE}/imports/{run_id_of(response)}"))
    assert "already submitted or accepted" in page
    assert world.values()[("p1", "2025 Q1", "started")] == Decimal("1")


def test_upload_needs_a_csv_or_xlsx_file(world):
    response = world.upload(world.client("p1"), b"hello", filename="values.txt")
    assert response.status_code == 400
    assert "Upload a CSV or XLSX file." in text(response)
    with world.scope():
        assert db.session.scalars(select(JobRun)).all() == []


def test_who_may_import(world):
    assert world.client("purchaser").get(
        f"{BASE}/agreements/{world.agreement_id}/import").status_code == 403
    page = text(world.client("p1").get(f"{BASE}/agreements/{world.agreement_id}/import"))
    assert "indicator_code" in page and 'type="file"' in page
    # An admin reports on behalf of any provider and chooses which.
    page = text(world.client("admin").get(f"{BASE}/agreements/{world.agreement_id}/import"))
    assert "Yrkesakademin" in page and "Novia" in page


def test_import_status_is_only_for_its_uploader(world):
    run_id = run_id_of(world.upload(world.client("p1"), csv_file("started;;;12;;;;")))
    for key in ("p2", "admin", "p1fi"):
        client = world.client(key)
        assert client.get(f"{BASE}/imports/{run_id}").status_code == 404
        assert client.get(f"{BASE}/imports/{run_id}.json").status_code == 404
    assert world.client("p1").get(f"{BASE}/imports/{run_id}").status_code == 200


def test_thread_mode_runs_the_job_in_the_background(world):
    world.app.config["SAMVERKAN_JOBS_MODE"] = "thread"
    client = world.client("p1")
    run_id = run_id_of(world.upload(client, csv_file("started;;;9;;;;", "employed;;;8;;;;")))
    page = text(client.get(f"{BASE}/imports/{run_id}"))
    assert "<progress" in page or "values in 1 reports" in page
    deadline = time.monotonic() + 30
    state = {}
    while time.monotonic() < deadline:
        state = client.get(f"{BASE}/imports/{run_id}.json").get_json()
        if state["done"]:
            break
        time.sleep(0.2)
    assert state["done"] and state["ok"], state
    assert world.values() == {("p1", "2025 Q1", "started"): Decimal("9"),
                              ("p1", "2025 Q1", "employed"): Decimal("8")}


def test_progress_page_polls_without_inline_script(world, app):
    run_id = run_id_of(world.upload(world.client("p1"), csv_file("started;;;12;;;;")))
    with world.scope():
        db.session.get(JobRun, run_id).status = "running"
        db.session.get(JobRun, run_id).progress = 40
        db.session.commit()
    page = text(world.client("p1").get(f"{BASE}/imports/{run_id}"))
    assert '<progress id="import-progress" max="100" value="40">' in page
    assert f'data-import-status="{BASE}/imports/{run_id}.json"' in page
    assert "Refresh" in page  # without JavaScript
    assert '<script src="/partnership/import-progress.js"' in page
    script = app.test_client().get("/partnership/import-progress.js")
    assert script.status_code == 200 and "fetch(" in text(script)


# --- many rows -------------------------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_import", Path(__file__).with_name("bench_import.py"))
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_ten_thousand_rows_are_imported_in_one_job(app, tmp_path, summary):
    bench = _bench()
    world = bench.build(app, indicators=50, slug="massa")
    path = bench.write_file(tmp_path / "values.csv", bench.rows_of(world, 10_000))
    result, seconds = bench.run_import(app, world, path)
    assert result["ok"], result.get("errors", [])[:3] or result.get("message")
    assert result["values"] == 10_000 and result["reports"] == 200
    with app.app_context(), tenant_scope(world.tenant_id):
        assert db.session.query(ReportValue).count() == 10_000
    database = "PostgreSQL" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") \
        else "SQLite"
    summary(f"import: 10,000 rows in {seconds:.1f} s on {database} "
            f"({10_000 / seconds:,.0f} rows/second)")


def test_one_bad_row_among_ten_thousand_imports_nothing(app, tmp_path):
    bench = _bench()
    world = bench.build(app, indicators=50, slug="massa")
    rows = bench.rows_of(world, 10_000)
    rows[6_543][3] = "-1"  # a negative count on file row 6,545
    result, _seconds = bench.run_import(app, world, bench.write_file(tmp_path / "v.csv", rows))
    assert not result["ok"]
    assert [row for row, _message in result["errors"]] == [6_545]
    with app.app_context(), tenant_scope(world.tenant_id):
        assert db.session.query(ReportValue).count() == 0


@pytest.mark.skipif(not REDIS_URL, reason="set SAMVERKAN_TEST_REDIS_URL to run rq tests")
def test_ten_thousand_rows_in_the_worker_mode(app, app_config, tmp_path, summary):
    """Queued in Redis at the upload's commit, imported by an rq worker."""
    from redis import Redis
    from rq import SimpleWorker

    from samverkan.platform.app import create_app
    from samverkan.platform.jobs import run_worker

    Redis.from_url(REDIS_URL).flushdb()
    rq_app = create_app({**app_config, "SAMVERKAN_JOBS_MODE": "rq", "SAMVERKAN_REDIS_URL": REDIS_URL})
    bench = _bench()
    world = bench.build(rq_app, indicators=50, slug="massa")
    path = bench.write_file(tmp_path / "values.xlsx", bench.rows_of(world, 10_000))
    queued, _seconds = bench.run_import(rq_app, world, path)
    assert queued["status"] == "queued"
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    started = time.perf_counter()
    try:
        assert run_worker(rq_app, burst=True, worker_class=SimpleWorker)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    seconds = time.perf_counter() - started
    with rq_app.app_context(), tenant_scope(world.tenant_id):
        run = db.session.get(JobRun, queued["run_id"])
        assert run.status == "finished" and run.result["ok"], run.message or run.result
        assert db.session.query(ReportValue).count() == 10_000
        db.engine.dispose()
    summary(f"import: 10,000 rows (XLSX) by an rq worker in {seconds:.1f} s")
