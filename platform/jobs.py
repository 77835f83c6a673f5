"""Background jobs over rq, run in-process when no Redis is configured.

``enqueue`` records a :class:`JobRun` in the caller's transaction and hands the job over only
after that transaction commits, so a job never starts on data it cannot see yet. Modes
(``SAMVERKAN_JOBS_MODE``): ``rq`` sends it to Redis for ``samverkan worker``; ``thread`` runs it
in a background thread of this process (the embedded demo); ``sync`` runs it at once after the
commit (tests, CLI). The tenant and the actor travel with the job and are restored around it.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, event, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.utils import import_string

from samverkan.platform.audit import set_request_id
from samverkan.platform.db import TenantScoped, apply_rls, db, platform_scope, tenant_scope, utcnow

log = logging.getLogger(__name__)

QUEUE_NAME = "samverkan"
_executor: ThreadPoolExecutor | None = None
_worker_app: Flask | None = None


class JobsUnavailable(RuntimeError):
    """The job queue cannot take work now (Redis is down)."""


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


# ``JobRun.message`` of a run whose process died under it (killed, out of memory, its worker
# gone): queued again when rq retries it, else failed.
INTERRUPTED = "interrupted"


class JobRun(TenantScoped, db.Model):
    """One run of a background job, visible to the page that started it."""

    __tablename__ = "job_runs"
    __tenant_optional__ = True

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_done(self) -> bool:
        return self.status in (JobStatus.FINISHED, JobStatus.FAILED)


@dataclass
class _PendingJob:
    run_id: str
    path: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    tenant_id: int | None = None
    actor_id: int | None = None
    request_id: str | None = None


def _redis(app: Flask):
    from redis import Redis

    return Redis.from_url(app.config["SAMVERKAN_REDIS_URL"], socket_connect_timeout=2)


def redis_state(app: Flask) -> str:
    """'ok', 'not configured' or 'unavailable'."""
    if not app.config.get("SAMVERKAN_REDIS_URL"):
        return "not configured"
    try:
        _redis(app).ping()
    except Exception:  # any connection failure means the same to the caller
        return "unavailable"
    return "ok"


def enqueue(
    path: str,
    *args: Any,
    tenant_id: int | None = None,
    actor_id: int | None = None,
    **kwargs: Any,
) -> JobRun:
    """Record a job for ``path`` (a dotted function name) and start it after the commit.

    Raises :class:`JobsUnavailable` at once when the queue cannot be reached, so the caller can
    tell the user instead of recording work that would never run.
    """
    from samverkan.platform.audit import current_request_id

    app = current_app._get_current_object()
    if app.config["SAMVERKAN_JOBS_MODE"] == "rq" and redis_state(app) != "ok":
        raise JobsUnavailable("the job queue is unavailable")
    run = JobRun(id=str(uuid.uuid4()), name=path, tenant_id=tenant_id, actor_id=actor_id)
    db.session.add(run)
    pending = _PendingJob(run.id, path, args, kwargs, tenant_id, actor_id, current_request_id())
    db.session().info.setdefault("samverkan_pending_jobs", []).append(pending)
    return run


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    pending: list[_PendingJob] = session.info.pop("samverkan_pending_jobs", [])
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()
    for job in pending:
        try:
            _dispatch(app, job)
        except Exception as error:  # Redis went away between the check and the hand-over
            if app.config["SAMVERKAN_JOBS_MODE"] != "rq":
                raise
            log.warning("job %s (%s) could not be queued: %s", job.run_id, job.path, error)
            _mark_not_handed_over(job.run_id)
            session.info.setdefault("samverkan_not_handed_over", set()).add(job.run_id)


def handed_over(run: JobRun) -> bool:
    """False when ``run`` was committed but the queue refused it (see :func:`enqueue`): it is
    then marked failed, and the caller should say that the work could not start."""
    return run.id not in db.session().info.get("samverkan_not_handed_over", ())


def _mark_not_handed_over(run_id: str) -> None:
    """Mark a run failed on a connection of its own: the session is between transactions, so
    the settings of the row-level security are written here rather than by a scope."""
    try:
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT set_config('app.platform', 'on', true)"))
            connection.execute(update(JobRun).where(JobRun.id == run_id).values(
                status=JobStatus.FAILED, ended_at=utcnow(),
                message="the job queue was unavailable"))
    except Exception:
        log.exception("job %s could not be marked failed", run_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("samverkan_pending_jobs", None)


def _dispatch(app: Flask, job: _PendingJob) -> None:
    mode = app.config["SAMVERKAN_JOBS_MODE"]
    if mode == "rq":
        from rq import Callback, Queue, Retry

        Queue(QUEUE_NAME, connection=_redis(app)).enqueue(
            run_job,
            job.run_id,
            job.path,
            job.args,
            job.kwargs,
            job.tenant_id,
            job.actor_id,
            job.request_id,
            job_id=job.run_id,
            retry=Retry(max=2, interval=[10, 60]),
            job_timeout=1800,
            on_failure=Callback(job_failed),
        )
    elif mode == "thread":
        _thread_executor().submit(_run_in_app, app, job)
    else:
        _run_in_app(app, job)


def _thread_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="samverkan-job")
    return _executor


def _run_in_app(app: Flask, job: _PendingJob) -> None:
    with app.app_context():
        try:
            _execute(job)
        except Exception:
            log.exception("job %s (%s) failed", job.run_id, job.path)


def run_job(run_id, path, args, kwargs, tenant_id, actor_id, request_id=None) -> Any:
    """Entry point in the rq worker: one app per worker, an app context around each job."""
    global _worker_app
    if has_app_context():
        return _execute(_PendingJob(run_id, path, args, kwargs, tenant_id, actor_id, request_id))
    if _worker_app is None:
        from samverkan.platform.app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return _execute(_PendingJob(run_id, path, args, kwargs, tenant_id, actor_id, request_id))


def _set_run(run_id: str, **values: Any) -> None:
    with platform_scope("job bookkeeping is written by the platform"):
        db.session.execute(update(JobRun).where(JobRun.id == run_id).values(**values))
        db.session.commit()


def _execute(job: _PendingJob) -> Any:
    set_request_id(job.request_id)
    _set_run(job.run_id, status=JobStatus.RUNNING, started_at=utcnow())
    function = import_string(job.path)
    try:
        with tenant_scope(job.tenant_id, job.actor_id):
            result = function(*job.args, run_id=job.run_id, **job.kwargs)
            db.session.commit()
    except Exception as error:
        db.session.rollback()
        _set_run(
            job.run_id, status=JobStatus.FAILED, ended_at=utcnow(), message=str(error)[:2000]
        )
        raise
    _set_run(
        job.run_id,
        status=JobStatus.FINISHED,
        ended_at=utcnow(),
        progress=100,
        result=result if isinstance(result, dict) else None,
    )
    return result


def report_progress(run_id: str, progress: int, message: str = "") -> None:
    """Record a job's progress where the page that polls it can read it.

    Written on a connection of its own so that it shows while the job's own transaction is open.
    """
    try:
        with platform_scope("job progress"), db.engine.begin() as connection:
            apply_rls(connection)
            connection.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(progress=max(0, min(100, int(progress))), message=message)
            )
    except Exception:  # progress is advisory; a busy database must not fail the job
        log.debug("progress of job %s not recorded", run_id, exc_info=True)


def _record_interruption(job) -> None:
    """Say on the run of a job whose process died (it recorded nothing) what becomes of it:
    queued again when rq retries it, failed otherwise."""
    from rq.job import Job

    if not isinstance(job, Job) or job.func_name != f"{__name__}.run_job":
        return
    retrying = bool(job.retries_left)  # read before rq counts this attempt
    values: dict[str, Any] = {"status": JobStatus.QUEUED if retrying else JobStatus.FAILED,
                              "message": INTERRUPTED}
    if not retrying:
        values["ended_at"] = utcnow()
    app = _worker_app
    if app is None:
        from samverkan.platform.app import create_app

        app = create_app()
    with app.app_context():
        _set_run(job.id, **values)


def job_failed(job, connection, error_type, value, traceback) -> None:
    """rq's failure callback. A job that raised has recorded its failure itself; one abandoned
    by a worker that died (``AbandonedJobError``, found when the next worker cleans up after
    the heartbeat lapsed) recorded nothing, so it is recorded here."""
    from rq.exceptions import AbandonedJobError

    if error_type is AbandonedJobError:
        _record_interruption(job)


def _horse_killed(job, pid, status, rusage) -> None:
    """The process running ``job`` died (SIGKILL, out of memory): its transaction is gone."""
    log.warning("job %s: its process %s ended with status %s", job.id, pid, status)
    _record_interruption(job)


def run_worker(app: Flask, burst: bool = False, worker_class=None) -> bool:
    """Run an rq worker (with its scheduler) for this app.

    rq's default ``Worker`` forks a child per job; ``rq.SimpleWorker`` runs jobs in-process.
    A job whose process dies is retried as rq's ``Retry`` allows, and its run says so.
    """
    from rq import Queue, Worker

    global _worker_app
    _worker_app = app
    connection = _redis(app)
    worker = (worker_class or Worker)([Queue(QUEUE_NAME, connection=connection)],
                                      connection=connection,
                                      work_horse_killed_handler=_horse_killed)
    return worker.work(burst=burst, with_scheduler=True)


def ping_job(message: str = "ping", *, run_id: str, fail: bool = False) -> dict:
    """A minimal job that proves the queue works end to end (``samverkan`` checks, tests).

    Records an audit entry in the job's tenant and returns what the job saw of its context.
    """
    from samverkan.platform import audit
    from samverkan.platform.audit import current_request_id
    from samverkan.platform.db import current_tenant_id, current_user_id

    audit.record("job.ping", entity_type="JobRun", entity_id=run_id, after={"message": message})
    if fail:
        raise RuntimeError(f"ping job failed on purpose: {message}")
    return {
        "message": message,
        "tenant_id": current_tenant_id(),
        "actor_id": current_user_id(),
        "request_id": current_request_id(),
    }
