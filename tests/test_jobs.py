"""Background jobs: run after the commit with the tenant and actor restored, in-process or in rq.

The rq tests need a Redis server: set SAMVERKAN_TEST_REDIS_URL (a database of its own, it is
emptied by the tests).
"""

from __future__ import annotations

import os
import signal
import socket

import pytest
from sqlalchemy import select

from samverkan.platform.app import create_app
from samverkan.platform.audit import AuditEntry, set_request_id
from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.jobs import JobRun, JobStatus, JobsUnavailable, enqueue, run_worker

REDIS_URL = os.environ.get("SAMVERKAN_TEST_REDIS_URL")
PING = "samverkan.platform.jobs.ping_job"
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set SAMVERKAN_TEST_REDIS_URL to run rq tests")


@pytest.fixture
def tenant_and_actor(factory):
    tenant = factory.tenant("jobs")
    actor = factory.user("actor@example.org", tenant=tenant, roles=["admin"])
    return tenant, actor


def _runs(app) -> list[JobRun]:
    with app.app_context(), platform_scope("test: every job run"):
        runs = db.session.scalars(select(JobRun).order_by(JobRun.created_at)).all()
        for run in runs:
            db.session.expunge(run)
        return runs


def _pings(app) -> list[AuditEntry]:
    with app.app_context(), platform_scope("test: every job's audit entry"):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "job.ping")).all()
        for entry in entries:
            db.session.expunge(entry)
        return entries


def test_sync_job_runs_after_commit_with_tenant_and_actor(app, tenant_and_actor):
    tenant, actor = tenant_and_actor
    with app.app_context(), tenant_scope(tenant.id, actor.id):
        set_request_id("req-jobs-000001")
        run = enqueue(PING, "hello", tenant_id=tenant.id, actor_id=actor.id)
        run_id = run.id
        db.session.flush()
        assert _pings(app) == []  # nothing runs before the commit
        db.session.commit()
    set_request_id(None)
    [stored] = _runs(app)
    assert stored.id == run_id
    assert stored.status == JobStatus.FINISHED and stored.is_done
    assert stored.progress == 100 and stored.started_at and stored.ended_at
    assert stored.tenant_id == tenant.id and stored.actor_id == actor.id
    assert stored.result == {"message": "hello", "tenant_id": tenant.id, "actor_id": actor.id,
                             "request_id": "req-jobs-000001"}
    [entry] = _pings(app)
    assert entry.tenant_id == tenant.id and entry.entity_id == run_id
    assert entry.request_id == "req-jobs-000001"


def test_job_context_does_not_leak_into_the_caller(app, tenant_and_actor):
    from samverkan.platform.db import current_tenant_id, current_user_id, in_platform_scope

    tenant, actor = tenant_and_actor
    with app.app_context():
        # Enqueued by platform code (no tenant): the job still runs in the tenant it names.
        with platform_scope("test: an operator starts a tenant's job"):
            enqueue(PING, tenant_id=tenant.id, actor_id=actor.id)
            db.session.commit()
            assert current_tenant_id() is None and in_platform_scope()
        assert current_tenant_id() is None and current_user_id() is None
    [stored] = _runs(app)
    assert stored.result["tenant_id"] == tenant.id


def test_rollback_drops_the_pending_job(app, tenant_and_actor):
    tenant, actor = tenant_and_actor
    with app.app_context(), tenant_scope(tenant.id, actor.id):
        enqueue(PING, "never", tenant_id=tenant.id, actor_id=actor.id)
        db.session.rollback()
        db.session.commit()  # a later commit of the same session must not start it
    assert _runs(app) == []
    assert _pings(app) == []


def test_failing_job_is_marked_failed_and_its_writes_are_undone(app, tenant_and_actor):
    tenant, actor = tenant_and_actor
    with app.app_context(), tenant_scope(tenant.id, actor.id):
        enqueue(PING, "boom", tenant_id=tenant.id, actor_id=actor.id, fail=True)
        db.session.commit()  # the failure is logged, not raised into the committing request
    [stored] = _runs(app)
    assert stored.status == JobStatus.FAILED and stored.is_done
    assert "failed on purpose: boom" in stored.message
    assert stored.ended_at is not None
    assert _pings(app) == []  # the job's audit entry was rolled back with it


def test_a_failing_job_does_not_fail_the_request_that_started_it(app, tenant_and_actor,
                                                                  sign_in_as):
    tenant, actor = tenant_and_actor
    with app.app_context(), tenant_scope(tenant.id, actor.id):
        enqueue(PING, "first", tenant_id=tenant.id, actor_id=actor.id, fail=True)
        enqueue(PING, "second", tenant_id=tenant.id, actor_id=actor.id)
        db.session.commit()
    statuses = {run.result["message"] if run.result else "failed": run.status for run in _runs(app)}
    assert statuses == {"failed": JobStatus.FAILED, "second": JobStatus.FINISHED}


# --- rq --------------------------------------------------------------------------------------


@pytest.fixture
def redis_connection():
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def rq_app(app_config, app, redis_connection):
    """The app in rq mode against the test Redis (tables emptied by the ``app`` fixture)."""
    application = create_app({**app_config, "SAMVERKAN_JOBS_MODE": "rq",
                              "SAMVERKAN_REDIS_URL": REDIS_URL})
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def keep_signal_handlers():
    """rq's worker installs SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _queue(connection):
    from rq import Queue

    from samverkan.platform.jobs import QUEUE_NAME

    return Queue(QUEUE_NAME, connection=connection)


@needs_redis
def test_rq_job_is_queued_after_commit_and_run_by_an_in_process_worker(
        rq_app, tenant_and_actor, redis_connection, keep_signal_handlers):
    from rq import SimpleWorker

    tenant, actor = tenant_and_actor
    with rq_app.app_context(), tenant_scope(tenant.id, actor.id):
        run = enqueue(PING, "via redis", tenant_id=tenant.id, actor_id=actor.id)
        run_id = run.id
        assert _queue(redis_connection).count == 0  # not before the commit
        db.session.commit()
    assert _queue(redis_connection).job_ids == [run_id]
    [stored] = _runs(rq_app)
    assert stored.status == JobStatus.QUEUED

    assert run_worker(rq_app, burst=True, worker_class=SimpleWorker)
    [stored] = _runs(rq_app)
    assert stored.status == JobStatus.FINISHED
    assert stored.result["tenant_id"] == tenant.id and stored.result["actor_id"] == actor.id
    assert [e.tenant_id for e in _pings(rq_app)] == [tenant.id]
    assert _queue(redis_connection).count == 0


@needs_redis
def test_rq_rollback_sends_nothing(rq_app, tenant_and_actor, redis_connection):
    tenant, actor = tenant_and_actor
    with rq_app.app_context(), tenant_scope(tenant.id, actor.id):
        enqueue(PING, tenant_id=tenant.id, actor_id=actor.id)
        db.session.rollback()
    assert _queue(redis_connection).count == 0
    assert _runs(rq_app) == []


@needs_redis
def test_rq_forking_worker_runs_the_job(rq_app, tenant_and_actor, redis_connection,
                                        keep_signal_handlers):
    """rq's default worker forks a child per job: the engine's pooled connections must not be
    shared with it (the parent used them just before)."""
    tenant, actor = tenant_and_actor
    with rq_app.app_context(), tenant_scope(tenant.id, actor.id):
        for message in ("one", "two"):
            enqueue(PING, message, tenant_id=tenant.id, actor_id=actor.id)
        db.session.commit()
        # The parent holds pooled connections now; the children inherit them.
        assert db.session.scalar(select(JobRun.status).limit(1)) == JobStatus.QUEUED
        assert run_worker(rq_app, burst=True)
        db.session.rollback()
        assert db.session.scalar(select(JobRun.id).limit(1))  # the parent's pool still works
    runs = _runs(rq_app)
    assert [r.status for r in runs] == [JobStatus.FINISHED, JobStatus.FINISHED]
    assert sorted(r.result["message"] for r in runs) == ["one", "two"]
    assert len(_pings(rq_app)) == 2


@needs_redis
def test_rq_failing_job_is_marked_failed(rq_app, tenant_and_actor, redis_connection,
                                         keep_signal_handlers):
    from rq import SimpleWorker

    tenant, actor = tenant_and_actor
    with rq_app.app_context(), tenant_scope(tenant.id, actor.id):
        enqueue(PING, "bad", tenant_id=tenant.id, actor_id=actor.id, fail=True)
        db.session.commit()
    run_worker(rq_app, burst=True, worker_class=SimpleWorker)
    [stored] = _runs(rq_app)
    assert stored.status == JobStatus.FAILED and "bad" in stored.message
    assert _pings(rq_app) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


@pytest.fixture
def redis_down_app(app_config, app):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    application = create_app({**app_config, "SAMVERKAN_JOBS_MODE": "rq",
                              "SAMVERKAN_REDIS_URL": url, "RATELIMIT_STORAGE_URI": url})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_unreachable_redis_refuses_enqueue_and_records_nothing(redis_down_app, tenant_and_actor):
    tenant, actor = tenant_and_actor
    with redis_down_app.app_context(), tenant_scope(tenant.id, actor.id):
        with pytest.raises(JobsUnavailable):
            enqueue(PING, tenant_id=tenant.id, actor_id=actor.id)
        db.session.commit()
    assert _runs(redis_down_app) == []


def test_unreachable_redis_is_reported_by_healthz_while_pages_serve(redis_down_app,
                                                                    tenant_and_actor, sign_in_as):
    tenant, actor = tenant_and_actor
    client = redis_down_app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    assert client.get("/signin").status_code == 200
    sign_in_as(client, actor.email)  # sign-in throttling must not need Redis to be up
    assert client.get(f"/t/{tenant.slug}/").status_code == 200


def test_sign_in_throttling_still_applies_while_redis_is_down(redis_down_app, tenant_and_actor):
    tenant, actor = tenant_and_actor
    client = redis_down_app.test_client()
    statuses = [
        client.post("/signin", data={"email": actor.email, "password": "wrong password!"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 400
    assert statuses[-1] == 429
