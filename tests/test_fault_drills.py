"""Fault drills: the platform under the faults production meets.

1. Redis goes down: pages still serve; actions that start a job say, in the user's language,
   that the work cannot start now (a 503 page, never a 500), and nothing is left recorded as
   queued that no queue holds.
2. PostgreSQL restarts: the pool survives (``pool_pre_ping``) and the next requests succeed.
3. An rq worker's work horse is killed (SIGKILL) in the middle of a 10,000-row import: no row
   of the import is written, the run says it will be retried, and the retry imports the file.
   A job abandoned by a worker killed whole is recorded the same way when rq finds it.
4. Two concurrent edits of one report (``If-Match`` on the API, ``lock_version`` on the page):
   one wins, the other gets a conflict, and nothing is lost.
5. A report submitted twice (the same ``Idempotency-Key`` at the same moment, and the form
   posted twice): one submission.

Each drill starts what it breaks: its own ``redis-server`` on a free port, its own PostgreSQL
cluster under a temporary folder. The shared servers are never stopped. Drills that need
PostgreSQL (2 to 4, and the concurrent half of 5) are skipped on SQLite; drill 1, the
abandoned job (both with ``redis-server`` installed) and the form posted twice run on both.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from samverkan.partnership import services as svc
from samverkan.partnership.models import OutcomeReport, ReportValue, SubmissionKey
from samverkan.platform.app import create_app
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.jobs import JobRun
from samverkan.tenants.models import Tenant, User
from samverkan.tenants.permissions import principal_for_user

PG_URL = os.environ.get("SAMVERKAN_TEST_DATABASE_URL")
REDIS_SERVER = shutil.which("redis-server")
# The newest PostgreSQL installed from Debian's packages (the version CI installs).
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"),
             key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
             default=Path("/usr/lib/postgresql/15/bin"))
SLUG = "kust"
PAGES = f"/t/{SLUG}/partnership"
API = f"/api/v1/t/{SLUG}"
UNAVAILABLE = "Imports cannot start right now. Try again in a few minutes."

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="a drill on PostgreSQL: set SAMVERKAN_TEST_DATABASE_URL")


def _require_redis_server() -> None:
    if REDIS_SERVER:
        return
    reason = "redis-server is not installed (apt-get install redis-server)"
    if os.environ.get("SAMVERKAN_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"SAMVERKAN_TEST_REQUIRE_SERVICES is set but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A throwaway ``redis-server`` on a free port, no persistence."""

    def __init__(self, folder: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        deadline = time.monotonic() + 10
        while True:
            try:
                Redis.from_url(self.url, socket_connect_timeout=1).ping()
                break
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.kill()
                    raise RuntimeError("the drill's redis-server did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: Redis is gone at once, as after a crash."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    _require_redis_server()
    server = OwnRedis(tmp_path)
    yield server
    server.kill()


# --- the world: a municipality, a provider, an agreement with two indicators ------------------


class World:
    """``kust`` with the provider ``p1`` (reporters in sv, fi and en) and the signed agreement
    ``SP-1`` for 2025 with the indicators ``started`` (count) and ``employed`` (percent)."""

    def __init__(self, app, factory, sign_in):
        self.app, self.factory, self.sign_in = app, factory, sign_in
        self._tenant = factory.tenant(SLUG)
        self.org = {
            "city": factory.organisation(self._tenant, kind="municipality").id,
            "p1": factory.organisation(self._tenant, kind="provider", business_id="1111111-1").id,
        }
        self.emails = {}
        for key, roles, org, locale in (("admin", ["admin"], None, "en"),
                                        ("purchaser", ["purchaser"], None, "en"),
                                        ("p1", ["provider_reporter"], "p1", "en"),
                                        ("p1sv", ["provider_reporter"], "p1", "sv"),
                                        ("p1fi", ["provider_reporter"], "p1", "fi")):
            self.emails[key] = f"{key}.{SLUG}@example.org"
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
            svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"},
                unit="percent"))
            svc.transition_agreement(self.tenant, admin, agreement, "negotiation")
            for key in ("purchaser", "p1"):
                svc.sign(self.tenant, self.p(key), agreement)
            db.session.commit()
            self.agreement_id = agreement.id
            self.indicators = {i.code: i.id for i in agreement.indicators}

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

    def client(self, key: str, app=None):
        client = (app or self.app).test_client()
        self.sign_in(client, self.emails[key])
        return client

    def bearer(self) -> dict:
        """The provider's API client, with a token for reading and reporting."""
        api_client, _secret = self.factory.api_client(
            self._tenant, organisation=SimpleNamespace(id=self.org["p1"]))
        return {"Authorization": f"Bearer {self.factory.api_token(api_client, scope='read report')[1]}"}

    def draft(self, values: dict | None = None, period: str = "2025 Q1") -> int:
        """A draft report of ``p1`` for ``period``, with ``values`` saved (none by default)."""
        with self.scope():
            agreement = svc.get_agreement(self.tenant, self.agreement_id)
            report = svc.open_report(self.tenant, self.p("p1"), agreement, self.periods[period])
            if values:
                svc.save_draft(self.tenant, self.p("p1"), report, values)
            db.session.commit()
            return report.id

    def count(self, model, *criteria) -> int:
        with self.scope():
            return db.session.scalar(select(func.count()).select_from(model).where(*criteria))

    def report(self, report_id: int) -> dict:
        with self.scope():
            report = db.session.get(OutcomeReport, report_id)
            return {"status": report.status, "lock_version": report.lock_version,
                    "values": {v.indicator.code: None if v.value is None else f"{v.value.normalize():f}"
                               for v in report.values}}

    def actions(self, prefix: str) -> list[str]:
        with self.scope():
            return list(db.session.scalars(select(AuditEntry.action).where(
                AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)))


@pytest.fixture
def world(app, factory, sign_in_as) -> World:
    return World(app, factory, sign_in_as)


def text(response) -> str:
    return response.get_data(as_text=True)


def _upload(client, world: World, content: bytes = b"indicator_code;value\r\nstarted;12\r\n"):
    return client.post(f"{PAGES}/agreements/{world.agreement_id}/import", data={
        "organisation_id": str(world.org["p1"]), "period_id": str(world.periods["2025 Q1"]),
        "file": (__import__("io").BytesIO(content), "values.csv")},
        content_type="multipart/form-data")


def _runs(app) -> list[JobRun]:
    with app.app_context(), platform_scope("test: every job run"):
        runs = db.session.scalars(select(JobRun).order_by(JobRun.created_at)).all()
        for run in runs:
            db.session.expunge(run)
        return runs


# --- 1. Redis down ---------------------------------------------------------------------------


@pytest.fixture
def redis_app(app_config, app, own_redis) -> Iterator:
    """The app as in production with Redis: jobs through rq, sign-in throttling in Redis."""
    application = create_app({**app_config, "SAMVERKAN_JOBS_MODE": "rq",
                              "SAMVERKAN_REDIS_URL": own_redis.url,
                              "RATELIMIT_STORAGE_URI": own_redis.url})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_redis_down_pages_serve_and_imports_say_they_cannot_start(
        world, redis_app, own_redis, translate):
    from redis import Redis
    from rq import Queue

    from samverkan.platform.jobs import QUEUE_NAME

    reporter = world.client("p1", redis_app)
    folder = Path(redis_app.config["SAMVERKAN_UPLOAD_PATH"]) / "imports"
    kept = set(folder.glob("*"))
    queued = _upload(reporter, world)
    assert queued.status_code == 303, text(queued)[:500]
    [run] = _runs(redis_app)
    assert Queue(QUEUE_NAME, connection=Redis.from_url(own_redis.url)).job_ids == [run.id]
    report_id = world.draft({"started": "3"}, period="2025 Q2")

    own_redis.kill()

    health = reporter.get("/healthz")
    assert (health.status_code, health.get_json()["redis"]) == (200, "unavailable")
    for path in (f"/t/{SLUG}/", f"{PAGES}/reports", f"{PAGES}/agreements/{world.agreement_id}",
                 f"{PAGES}/reports/{report_id}", f"{PAGES}/reports/{report_id}/edit",
                 f"{PAGES}/agreements/{world.agreement_id}/import", f"{PAGES}/imports/{run.id}"):
        assert reporter.get(path).status_code == 200, path
    # Work that needs no queue goes on: a draft is saved.
    saved = reporter.post(f"{PAGES}/reports/{report_id}/edit", data={
        "lock_version": str(world.report(report_id)["lock_version"]), "action": "save",
        f"value-{world.indicators['started']}": "4"})
    assert saved.status_code == 302, text(saved)[:500]
    assert world.report(report_id)["values"]["started"] == "4"
    # Signing in still works (throttling falls back to memory).
    for key, locale in (("p1sv", "sv"), ("p1fi", "fi")):
        client = world.client(key, redis_app)
        response = _upload(client, world)
        assert response.status_code == 503
        [message] = translate(redis_app, locale, UNAVAILABLE)
        assert message in text(response), locale
        assert f'lang="{locale}"' in text(response)
    # An invitation (its e-mail is a job) is refused with a clear message and not recorded.
    admin = world.client("admin", redis_app)
    invited = admin.post(f"/t/{SLUG}/invitations/new", data={
        "email": "new.person@example.org", "roles": ["viewer"], "organisation_id": "0",
        "locale": "sv"})
    assert invited.status_code in (400, 503)
    assert "E-mail cannot be sent right now. Try again in a few minutes." in text(invited)
    from samverkan.tenants.models import Invitation

    assert world.count(Invitation) == 0
    assert [r.id for r in _runs(redis_app)] == [run.id]  # nothing recorded for the refused
    # Only the queued import's file is kept; the refused uploads are removed.
    assert len(set(folder.glob("*")) - kept) == 1


def test_redis_lost_between_the_check_and_the_hand_over(world, redis_app, own_redis, translate,
                                                        monkeypatch):
    """Redis answers the check before the commit and is gone when the job is handed over after
    it: the person is told the import cannot start, and no run is left saying "queued"."""
    from samverkan.platform import jobs

    client = world.client("p1fi", redis_app)
    folder = Path(redis_app.config["SAMVERKAN_UPLOAD_PATH"]) / "imports"
    kept = set(folder.glob("*"))
    own_redis.kill()
    monkeypatch.setattr(jobs, "redis_state", lambda app: "ok")  # the check passed just before
    response = _upload(client, world)
    assert response.status_code == 503, text(response)[:500]
    [message] = translate(redis_app, "fi", UNAVAILABLE)
    assert message in text(response)
    assert [r.status for r in _runs(redis_app)] == ["failed"]
    assert set(folder.glob("*")) == kept  # the refused upload is not kept


# --- running requests at the same moment -------------------------------------------------------


class Rendezvous:
    """Holds each thread at a point until all have reached it (at most ``timeout`` seconds:
    a thread that waits on the database for another never blocks the drill for long)."""

    def __init__(self, parties: int = 2, timeout: float = 3.0):
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.met = 0

    def wait(self) -> None:
        try:
            self.barrier.wait()
            self.met += 1
        except threading.BrokenBarrierError:
            pass


def meet_after(monkeypatch, module, name: str, rendezvous: Rendezvous) -> None:
    """Make ``module.name`` wait at ``rendezvous`` once it has run: every request has read and
    checked before any of them writes."""
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        rendezvous.wait()
        return result

    monkeypatch.setattr(module, name, wrapped)


def together(*calls: Callable[[], object]) -> list:
    """Run the calls in threads at once (each request gets its own application context, so its
    own database session and connection); their results in order."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int, call) -> None:
        start.wait()
        try:
            results[index] = call()
        except BaseException as error:  # re-raised in the test's thread below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def test_a_job_abandoned_by_a_dead_worker_says_it_is_retried_or_failed(
        world, own_redis, factory, monkeypatch):
    """A worker killed with its work horse leaves the job "started" in Redis; when the next
    worker cleans up (after the heartbeat lapses), rq calls the job's failure callback with
    ``AbandonedJobError``: the run says it was interrupted, queued again while retries are left
    and failed after the last."""
    from redis import Redis
    from rq import Queue, Retry
    from rq.exceptions import AbandonedJobError

    from samverkan.platform import jobs

    monkeypatch.setattr(jobs, "_worker_app", world.app)  # as in the worker that cleans up
    queue = Queue(jobs.QUEUE_NAME, connection=Redis.from_url(own_redis.url))
    for retries_left, status in ((1, "queued"), (0, "failed")):
        run = factory.job_run(world._tenant)
        job = queue.enqueue(jobs.run_job, run.id, "samverkan.platform.jobs.ping_job", (), {},
                            None, None, job_id=run.id, retry=Retry(max=2))
        job.retries_left = retries_left
        jobs.job_failed(job, queue.connection, AbandonedJobError, AbandonedJobError(), None)
        stored = _run_of(world.app, run.id)
        assert (stored.status, stored.message) == (status, jobs.INTERRUPTED)
        assert (stored.ended_at is None) == (status == "queued")


# --- 4. two concurrent edits -----------------------------------------------------------------


@needs_postgres
def test_concurrent_api_saves_one_wins_the_other_gets_a_conflict(world, monkeypatch):
    from samverkan.partnership.services import reports

    report_id = world.draft()  # no values yet: both saves would insert the same rows
    headers = world.bearer()
    client_a, client_b = world.app.test_client(), world.app.test_client()
    url = f"{API}/reports/{report_id}"
    etag = client_a.get(url, headers=headers).headers["ETag"]
    rendezvous = Rendezvous()
    meet_after(monkeypatch, reports, "_check_version", rendezvous)

    def save(client, started: str):
        return lambda: client.put(url, headers={**headers, "If-Match": etag}, json={
            "values": {"started": {"value": started}, "employed": {"value": "50"}}})

    first, second = together(save(client_a, "10"), save(client_b, "20"))
    assert rendezvous.met == 2  # both had read and checked the same version before writing
    statuses = sorted([first.status_code, second.status_code])
    assert statuses[0] == 200 and statuses[1] in (409, 412), (text(first), text(second))
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.mimetype == "application/problem+json"
    won = "10" if winner is first else "20"
    assert world.report(report_id)["values"] == {"started": won, "employed": "50"}
    assert world.actions("partnership.report_saved") == ["partnership.report_saved"]
    # Nothing is lost: the loser reads the new version and saves again, deliberately.
    monkeypatch.undo()
    fresh = client_b.get(url, headers=headers)
    lost = "20" if won == "10" else "10"
    again = client_b.put(url, headers={**headers, "If-Match": fresh.headers["ETag"]},
                         json={"values": {"started": {"value": lost}}})
    assert again.status_code == 200, text(again)
    assert world.report(report_id)["values"] == {"started": lost, "employed": "50"}


@needs_postgres
def test_concurrent_page_saves_one_wins_the_other_keeps_its_input(world, monkeypatch):
    from samverkan.partnership.services import reports

    report_id = world.draft()
    started = world.indicators["started"]
    clients = [world.client("p1"), world.client("p1sv")]
    version = str(world.report(report_id)["lock_version"])
    rendezvous = Rendezvous()
    meet_after(monkeypatch, reports, "_check_version", rendezvous)

    def save(client, value: str):
        return lambda: client.post(f"{PAGES}/reports/{report_id}/edit", data={
            "lock_version": version, "action": "save", f"value-{started}": value})

    first, second = together(save(clients[0], "11"), save(clients[1], "22"))
    assert rendezvous.met == 2
    assert sorted([first.status_code, second.status_code]) == [302, 409], (
        text(first)[:300], text(second)[:300])
    winner, loser = (first, second) if first.status_code == 302 else (second, first)
    won, lost = ("11", "22") if winner is first else ("22", "11")
    assert world.report(report_id)["values"]["started"] == won
    page = text(loser)
    assert f'name="value-{started}" value="{lost}"' in page  # what the person entered is kept
    new_version = world.report(report_id)["lock_version"]
    assert f'name="lock_version" type="hidden" value="{new_version}"' in page \
        or f'value="{new_version}"' in page
    assert world.actions("partnership.report_saved") == ["partnership.report_saved"]


# --- 5. a report submitted twice ---------------------------------------------------------------


VALID = {"started": "12", "employed": "55"}


@needs_postgres
def test_the_same_idempotency_key_at_the_same_moment_submits_once(world, monkeypatch):
    from samverkan.partnership.services import reports

    report_id = world.draft()  # the values come with the submission
    headers = {**world.bearer(), "Idempotency-Key": "double-click-1"}
    url = f"{API}/reports/{report_id}/submit"
    body = {"values": {code: {"value": value} for code, value in VALID.items()}}
    rendezvous = Rendezvous()
    meet_after(monkeypatch, reports, "_check_version", rendezvous)
    clients = [world.app.test_client(), world.app.test_client()]

    first, second = together(*(lambda c=c: c.post(url, headers=headers, json=body)
                               for c in clients))
    assert [first.status_code, second.status_code] == [200, 200], (text(first), text(second))
    assert first.get_json()["status"] == second.get_json()["status"] == "submitted"
    assert first.get_json()["id"] == second.get_json()["id"] == report_id
    assert world.report(report_id)["status"] == "submitted"
    assert world.count(SubmissionKey) == 1
    assert world.count(OutcomeReport) == 1
    assert world.actions("partnership.report_submitted") == ["partnership.report_submitted"]


@needs_postgres
def test_a_report_opened_twice_at_the_same_moment_is_one_report(world, monkeypatch):
    from samverkan.partnership.services import reports

    headers = world.bearer()
    rendezvous = Rendezvous()
    meet_after(monkeypatch, reports, "current_report", rendezvous)
    clients = [world.app.test_client(), world.app.test_client()]
    body = {"agreement_id": world.agreement_id, "period_id": world.periods["2025 Q3"]}

    first, second = together(*(lambda c=c: c.post(f"{API}/reports", headers=headers, json=body)
                               for c in clients))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([200, 201], [201, 409]), (text(first), text(second))
    assert world.count(OutcomeReport) == 1
    assert world.actions("partnership.report_created") == ["partnership.report_created"]


def test_the_submit_form_posted_twice_submits_once(world):
    report_id = world.draft({"started": "1"})
    client = world.client("p1")
    version = str(world.report(report_id)["lock_version"])
    form = {"lock_version": version, "action": "submit",
            **{f"value-{world.indicators[code]}": value for code, value in VALID.items()}}
    first = client.post(f"{PAGES}/reports/{report_id}/edit", data=form)
    second = client.post(f"{PAGES}/reports/{report_id}/edit", data=form)
    assert first.status_code == 302
    assert second.status_code in (302, 409)
    if second.status_code == 302:
        assert second.headers["Location"].endswith(f"/reports/{report_id}")
    assert world.report(report_id)["status"] == "submitted"
    assert world.actions("partnership.report_submitted") == ["partnership.report_submitted"]


@needs_postgres
def test_the_submit_form_posted_twice_at_the_same_moment_submits_once(world, monkeypatch):
    from samverkan.partnership.services import reports

    report_id = world.draft()  # no values yet: both posts would insert the same rows
    clients = [world.client("p1"), world.client("p1")]
    version = str(world.report(report_id)["lock_version"])
    form = {"lock_version": version, "action": "submit",
            **{f"value-{world.indicators[code]}": value for code, value in VALID.items()}}
    rendezvous = Rendezvous()
    meet_after(monkeypatch, reports, "_check_version", rendezvous)

    first, second = together(*(lambda c=c: c.post(f"{PAGES}/reports/{report_id}/edit", data=form)
                               for c in clients))
    assert sorted([first.status_code, second.status_code]) in ([302, 302], [302, 409]), (
        text(first)[:300], text(second)[:300])
    assert world.report(report_id) == {**world.report(report_id), "status": "submitted",
                                       "values": VALID}
    assert world.actions("partnership.report_submitted") == ["partnership.report_submitted"]


# --- 3. an rq worker killed in the middle of an import ---------------------------------------


def _bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_import", Path(__file__).with_name("bench_import.py"))
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


WORKER = """
import json, sys, time
from samverkan.platform.app import create_app
from samverkan.platform.jobs import run_worker
app = create_app(json.loads(sys.argv[1]))
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
run_worker(app, burst=True)
"""


def _start_worker(config: dict, log: Path, not_before: float = 0.0) -> subprocess.Popen:
    """``samverkan worker --burst`` for this configuration, as its own process (rq's forking
    worker: a work horse process per job), working from ``not_before`` (a Unix time) on."""
    import json

    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(config), str(not_before)],
            stdout=out, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _run_of(app, run_id: str) -> JobRun:
    with app.app_context(), platform_scope("test: the drill's job run"):
        run = db.session.get(JobRun, run_id)
        db.session.expunge(run)
        return run


@needs_postgres
def test_a_worker_killed_mid_import_writes_nothing_and_the_retry_imports(
        app_config, app, own_redis, tmp_path, sign_in_as, summary):
    from redis import Redis
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from samverkan.platform.jobs import INTERRUPTED, QUEUE_NAME

    config = {**app_config, "SAMVERKAN_JOBS_MODE": "rq", "SAMVERKAN_REDIS_URL": own_redis.url}
    rq_app = create_app(config)
    bench = _bench()
    world = bench.build(rq_app, indicators=50, slug="massa")
    path = bench.write_file(tmp_path / "values.csv", bench.rows_of(world, 10_000))
    queued, _seconds = bench.run_import(rq_app, world, path)
    run_id = queued["run_id"]
    assert queued["status"] == "queued"

    def rows() -> tuple[int, int]:
        with rq_app.app_context(), tenant_scope(world.tenant_id):
            return (db.session.scalar(select(func.count()).select_from(ReportValue)),
                    db.session.scalar(select(func.count()).select_from(OutcomeReport)))

    started = time.monotonic()
    worker = _start_worker(config, tmp_path / "worker.log")
    horse, run = None, None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = _run_of(rq_app, run_id)
            if run.status == "running" and run.message == "writing" and run.progress >= 60:
                horse = next(iter(_children(worker.pid)), None)
                if horse:
                    break
            assert run.status in ("queued", "running"), (run.status, run.message)
            time.sleep(0.05)
        assert horse, f"the import never got to writing: {run.status} {run.progress}"
        os.kill(horse, signal.SIGKILL)  # mid-transaction: some reports written, not committed
        killed_at = run.progress
        assert rows() == (0, 0)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # The run says what happened, and rq holds the job for a retry.
    run = _run_of(rq_app, run_id)
    assert (run.status, run.message) == ("queued", INTERRUPTED)
    assert rows() == (0, 0)
    connection = Redis.from_url(own_redis.url)
    registry = ScheduledJobRegistry(QUEUE_NAME, connection=connection)
    assert registry.get_job_ids() == [run_id]
    assert Job.fetch(run_id, connection=connection).retries_left == 1
    due = registry.get_scheduled_time(Job.fetch(run_id, connection=connection)).timestamp()
    retry = _start_worker(config, tmp_path / "worker.log", not_before=due + 0.5)
    uploader = rq_app.test_client()
    sign_in_as(uploader, "admin@massa.example.org", "benchmark password")
    page = text(uploader.get(f"/t/massa/partnership/imports/{run_id}"))
    assert "The import was interrupted. Nothing of it was saved" in page

    # The retry, when it is due, imports the whole file.
    try:
        retry.wait(timeout=180)
    finally:
        if retry.poll() is None:
            retry.kill()
            retry.wait()
    run = _run_of(rq_app, run_id)
    assert run.status == "finished" and run.result["ok"], (run.status, run.message, run.result)
    assert rows() == (10_000, 200)
    page = text(uploader.get(f"/t/massa/partnership/imports/{run_id}"))
    assert "The file is imported: 10000 values in 200 reports" in page.replace("\u00a0", "")
    with rq_app.app_context():
        db.engine.dispose()
    summary(f"fault drill: import worker killed at {killed_at} %, nothing written, retried and "
            f"imported 10,000 rows; {time.monotonic() - started:.0f} s")


# --- 2. PostgreSQL restarted -------------------------------------------------------------------


class OwnPostgres:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) on a free port, run by the
    ``postgres`` system user when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self):
        import tempfile

        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="samverkan-drill-pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-N",
                  "-E", "UTF8", "--locale=C")
        self.start()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/drill"

    def _run(self, *command) -> None:
        command = [str(part) for part in command]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-t", "60", "-l",
                  self.folder / "server.log", *options,
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c synchronous_commit=off", action)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        """A fast restart: every connection is ended, as when the server is restarted."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if not (PG_BIN / "initdb").exists():
        reason = f"{PG_BIN}/initdb is not installed (apt-get install postgresql)"
        if os.environ.get("SAMVERKAN_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"SAMVERKAN_TEST_REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)
    server = OwnPostgres()
    yield server
    server.stop()


@needs_postgres
def test_the_pool_survives_a_postgresql_restart(app_config, own_postgres, sign_in_as, summary):
    from sqlalchemy import create_engine, text

    from samverkan.platform.config import from_environment

    admin = make_url(own_postgres.url)
    server = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text("CREATE DATABASE drill"))
        connection.execute(text("CREATE ROLE samverkan_app LOGIN NOSUPERUSER NOBYPASSRLS"))
    server.dispose()
    app_url = admin.set(username="samverkan_app").render_as_string(hide_password=False)
    # The engine options are production's (pool_pre_ping), not the test suite's.
    config = {**app_config, "SQLALCHEMY_DATABASE_URI": app_url,
              "SAMVERKAN_ADMIN_DATABASE_URL": own_postgres.url,
              "SQLALCHEMY_ENGINE_OPTIONS": from_environment()["SQLALCHEMY_ENGINE_OPTIONS"]}
    drill_app = create_app(config)
    with drill_app.app_context():
        from flask_migrate import upgrade

        upgrade()
    world = _bench().build(drill_app, indicators=2, slug="drill")
    pages = ["/t/drill/", "/t/drill/partnership/agreements",
             f"/t/drill/partnership/agreements/{world.agreement_id}", "/t/drill/partnership/reports"]
    clients = [drill_app.test_client() for _ in range(3)]
    for client in clients:  # several connections in the pool
        sign_in_as(client, "admin@drill.example.org", "benchmark password")
        assert [client.get(page).status_code for page in pages] == [200] * len(pages)

    started = time.monotonic()
    own_postgres.restart()
    restarted = time.monotonic() - started

    for client in clients:
        assert [client.get(page).status_code for page in pages] == [200] * len(pages)
    newcomer = drill_app.test_client()
    sign_in_as(newcomer, "admin@drill.example.org", "benchmark password")  # a write
    assert newcomer.get("/healthz").get_json()["database"] == "ok"
    with drill_app.app_context():
        db.engine.dispose()
    summary(f"fault drill: PostgreSQL restarted in {restarted:.1f} s; the next "
            f"{3 * len(pages) + 2} requests succeeded")
