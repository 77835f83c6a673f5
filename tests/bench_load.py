"""Load benchmark at municipal scale (``make bench``): prints per endpoint the requests per
second, p50/p95/p99 latency, errors, SQL queries per request and the ratio to the floor page.

Steps: recreate the PostgreSQL database, migrate it, seed it with ``samverkan seed --scale``,
serve it with gunicorn (the app connects as the role ``samverkan_app``, subject to row-level
security, with ``SAMVERKAN_BENCH=1`` for the ``X-Query-Count`` header and the floor page), then
drive the pages and API calls of every role from this process over loopback, with a number of
concurrent clients (threads, one keep-alive connection each) and a fixed number of requests per
endpoint. Not collected by pytest (its name does not start with ``test_``).

    .venv/bin/python tests/bench_load.py --scale 1                 # what `make bench` runs
    .venv/bin/python tests/bench_load.py --reuse --requests 200    # keep the seeded database

``--admin-url`` is a superuser URL of the server (default
``postgresql+psycopg://postgres@127.0.0.1:5432``); the database is ``--database``
(``samverkan_bench``), dropped and recreated unless ``--reuse`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform as host_platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
APP_ROLE = "samverkan_app"
PASSWORD = "samverkan bench"  # samverkan.platform.scale_seed.PASSWORD
API_SECRET = "samverkan-bench-secret"  # samverkan.platform.scale_seed.API_SECRET


@dataclass
class Endpoint:
    """One measured address, requested as ``who`` (a role's session, a token or nobody)."""

    name: str
    path: str
    who: str
    dashboard: bool = False
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    first_error: str = ""


class Client:
    """A keep-alive HTTP/1.1 connection to the server with optional cookie or bearer token."""

    def __init__(self, port: int, cookie: str = "", token: str = ""):
        self.port = port
        self.cookie = cookie
        self.token = token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, data
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def sign_in(port: int, email: str) -> str:
    """Sign in through the form; returns the session cookie."""
    client = Client(port)
    status, headers, body = client.request("GET", "/signin")
    cookie = headers.get("set-cookie", "").split(";")[0]
    match = (re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
             or re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', body))
    form = {"email": email, "password": PASSWORD}
    if match:
        form["csrf_token"] = match.group(1).decode()
    client.cookie = cookie
    status, headers, body = client.request(
        "POST", "/signin", urllib.parse.urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise SystemExit(f"sign-in of {email} failed: {status}")
    return headers.get("set-cookie", "").split(";")[0] or cookie


def api_token(port: int, client_id: str) -> str:
    client = Client(port)
    form = {"grant_type": "client_credentials", "client_id": client_id,
            "client_secret": API_SECRET, "scope": "read"}
    status, _headers, body = client.request(
        "POST", "/oauth/token", urllib.parse.urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 200:
        raise SystemExit(f"token for {client_id} failed: {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


def targets(admin_url: str) -> dict:
    """Slugs, ids and sign-in e-mails of the seeded data the endpoints address."""
    engine = create_engine(admin_url)
    with engine.connect() as c:
        one = lambda sql, **p: c.execute(text(sql), p).first()  # noqa: E731
        m = one("SELECT id, slug FROM tenants WHERE kind = 'municipality' ORDER BY id LIMIT 1")
        k = one("SELECT id, slug FROM tenants WHERE kind = 'consortium' ORDER BY id LIMIT 1")
        a = one("SELECT id, slug FROM tenants WHERE kind = 'association' ORDER BY id LIMIT 1")
        agreement = one("SELECT id FROM agreements WHERE tenant_id = :t ORDER BY id LIMIT 1",
                        t=m.id)
        reporter_org = one(
            "SELECT m.organisation_id FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE u.email = :e", e=f"provider-reporter@{m.slug}.example.org")
        report = one("SELECT id FROM outcome_reports WHERE tenant_id = :t AND organisation_id = :o "
                     "ORDER BY id LIMIT 1", t=m.id, o=reporter_org.organisation_id)
        goal = one("SELECT id FROM steering_goals WHERE tenant_id = :t ORDER BY id LIMIT 1",
                   t=k.id)
        counts = {name: c.scalar(text(f"SELECT count(*) FROM {name}")) for name in (
            "tenants", "users", "agreements", "indicators", "outcome_reports", "report_values",
            "steering_goals")}
    engine.dispose()
    return {"m": m.slug, "k": k.slug, "a": a.slug, "agreement": agreement.id,
            "report": report.id, "goal": goal.id, "counts": counts}


def endpoints(t: dict) -> list[Endpoint]:
    m, k, a, ag, rep, goal = t["m"], t["k"], t["a"], t["agreement"], t["report"], t["goal"]
    return [
        Endpoint("floor", f"/bench/floor/{m}", "nobody"),
        Endpoint("healthz", "/healthz", "nobody"),
        Endpoint("operator: tenants", "/operator/tenants", "operator"),
        Endpoint("admin: tenant home", f"/t/{m}/", "admin"),
        Endpoint("admin: members", f"/t/{m}/members", "admin"),
        Endpoint("admin: organisations", f"/t/{m}/organisations", "admin"),
        Endpoint("purchaser: partnership overview", f"/t/{m}/partnership", "purchaser", True),
        Endpoint("purchaser: agreements", f"/t/{m}/partnership/agreements", "purchaser"),
        Endpoint("purchaser: agreement", f"/t/{m}/partnership/agreements/{ag}", "purchaser"),
        Endpoint("purchaser: agreement dashboard",
                 f"/t/{m}/partnership/agreements/{ag}/dashboard", "purchaser", True),
        Endpoint("purchaser: indicators", f"/t/{m}/partnership/agreements/{ag}/indicators",
                 "purchaser"),
        Endpoint("purchaser: reports", f"/t/{m}/partnership/reports", "purchaser"),
        Endpoint("reporter: reports", f"/t/{m}/partnership/reports", "reporter"),
        Endpoint("reporter: report", f"/t/{m}/partnership/reports/{rep}", "reporter"),
        Endpoint("viewer: agreement dashboard",
                 f"/t/{m}/partnership/agreements/{ag}/dashboard", "viewer", True),
        Endpoint("owner rep: my steering", "/ownership", "owner", True),
        Endpoint("owner rep: ownership overview", f"/t/{k}/ownership/", "owner", True),
        Endpoint("owner rep: goals", f"/t/{k}/ownership/goals", "owner"),
        Endpoint("owner rep: goal", f"/t/{k}/ownership/goals/{goal}", "owner"),
        Endpoint("coordinator: tenant home", f"/t/{a}/", "coordinator"),
        Endpoint("coordinator: library", f"/t/{a}/library", "coordinator"),
        Endpoint("api: me (session)", f"/api/v1/t/{m}/me", "purchaser"),
        Endpoint("api: agreements", f"/api/v1/t/{m}/agreements", "token_m"),
        Endpoint("api: agreement", f"/api/v1/t/{m}/agreements/{ag}", "token_m"),
        Endpoint("api: periods", f"/api/v1/t/{m}/periods", "token_m"),
        Endpoint("api: reports", f"/api/v1/t/{m}/reports", "token_m"),
        Endpoint("api: report values", f"/api/v1/t/{m}/reports/{rep}/values", "token_m"),
        Endpoint("api: goals", f"/api/v1/t/{k}/goals", "token_k"),
        Endpoint("api: goal", f"/api/v1/t/{k}/goals/{goal}", "token_k"),
    ]


def credentials(port: int, t: dict) -> dict[str, dict]:
    m, k, a = t["m"], t["k"], t["a"]
    emails = {"operator": "operator@samverkan.example.org",
              "admin": f"admin@{m}.example.org", "purchaser": f"purchaser@{m}.example.org",
              "reporter": f"provider-reporter@{m}.example.org", "viewer": f"viewer@{m}.example.org",
              "owner": f"owner-representative@{k}.example.org",
              "coordinator": f"coordinator@{a}.example.org"}
    result: dict[str, dict] = {"nobody": {}}
    for who, email in emails.items():
        result[who] = {"cookie": sign_in(port, email)}
    result["token_m"] = {"token": api_token(port, f"{m[:40]}-bench")}
    result["token_k"] = {"token": api_token(port, f"{k[:40]}-bench")}
    return result


def drive(port: int, endpoint: Endpoint, auth: dict, clients: int, requests: int,
          warmup: int) -> None:
    """``requests`` requests from ``clients`` concurrent threads (after a warm-up)."""
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        client = Client(port, **auth)
        for _ in range(warmup):
            client.request("GET", endpoint.path)
        barrier.wait()
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                status, headers, body = client.request("GET", endpoint.path)
            except (OSError, http.client.HTTPException) as error:
                status, headers, body = 0, {}, str(error).encode()
            took = time.perf_counter() - started
            with lock:
                endpoint.latencies.append(took)
                if status != 200:
                    endpoint.errors += 1
                    endpoint.first_error = endpoint.first_error or f"{status} {body[:120]!r}"
                if "x-query-count" in headers:
                    endpoint.queries.append(int(headers["x-query-count"]))
        client.connection.close()

    barrier = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    endpoint.elapsed = time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = (len(ordered) - 1) * p
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def report(results: list[Endpoint], clients: int) -> str:
    floor = next(e for e in results if e.name == "floor")
    floor_p95 = percentile(floor.latencies, 0.95)
    header = ("| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | queries | "
              "p95 / floor |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    lines = [header]
    for e in results:
        p50, p95, p99 = (percentile(e.latencies, p) * 1000 for p in (0.5, 0.95, 0.99))
        queries = (f"{statistics.median(e.queries):g}" if e.queries else "-")
        if e.queries and min(e.queries) != max(e.queries):
            queries += f" ({min(e.queries)}-{max(e.queries)})"
        marks = []
        if e.errors:
            marks.append("ERRORS")
        if p95 >= 100:
            marks.append("p95>=100ms")
        if e.dashboard and p95 / 1000 > 5 * floor_p95:
            marks.append("dashboard>5x floor")
        name = e.name + (f" **{', '.join(marks)}**" if marks else "")
        lines.append(f"| {name} | {len(e.latencies) / e.elapsed:.0f} | {p50:.1f} | {p95:.1f} | "
                     f"{p99:.1f} | {e.errors} | {queries} | {p95 / 1000 / floor_p95:.1f} |")
    lines.append(f"\n{clients} concurrent clients; `queries` is the median of `X-Query-Count` "
                 f"(min-max when it varies); ratios to the floor's p95 ({floor_p95 * 1000:.1f} ms).")
    return "\n".join(lines)


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    return (f"{os.cpu_count()} cores ({cpu}), {memory} memory, {host_platform.platform()}, "
            f"Python {host_platform.python_version()}")


def run(command: list[str], env: dict) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, env=env, check=True, cwd=REPO)


def prepare(admin_url: str, scale: float, env: dict) -> float:
    """Recreate, migrate and seed the database; returns the seconds the seed took."""
    url = make_url(admin_url)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        if not connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                 {"r": APP_ROLE}):
            connection.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    server.dispose()
    run([str(BIN / "samverkan"), "db", "upgrade"], env)
    started = time.perf_counter()
    run([str(BIN / "samverkan"), "seed", "--scale", str(scale)], env)
    return time.perf_counter() - started


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    for _ in range(120):
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped")
        try:
            status, _h, _b = Client(port).request("GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--admin-url", default=os.environ.get(
        "SAMVERKAN_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="samverkan_bench")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint")
    parser.add_argument("--warmup", type=int, default=3, help="requests per client first")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", default="", help="only endpoints whose name contains this")
    args = parser.parse_args()

    admin_url = make_url(args.admin_url).set(database=args.database)
    admin = admin_url.render_as_string(hide_password=False)
    app_url = admin_url.set(username=APP_ROLE, password=None).render_as_string(
        hide_password=False)
    instance = tempfile.mkdtemp(prefix="samverkan-bench-")
    env = {**os.environ, "SAMVERKAN_DATABASE_URL": app_url,
           "SAMVERKAN_ADMIN_DATABASE_URL": admin, "SAMVERKAN_INSTANCE_PATH": instance,
           "SAMVERKAN_SECRET_KEY": "benchmark-secret-key", "SAMVERKAN_BENCH": "1",
           "SAMVERKAN_SIGNIN_LIMIT": "1000 per minute", "SAMVERKAN_REDIS_URL": ""}
    seed_seconds = None
    if not args.reuse:
        seed_seconds = prepare(admin, args.scale, env)
    t = targets(admin)
    print(f"data: {t['counts']}" + (f"; seeded in {seed_seconds:.0f} s" if seed_seconds else ""))
    command = [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind",
               f"127.0.0.1:{args.port}",
               "--log-level", "warning"]
    if args.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
    process = subprocess.Popen([*command, "wsgi:app"], env=env, cwd=REPO)
    load_before = os.getloadavg()
    try:
        wait_until_up(args.port, process)
        auth = credentials(args.port, t)
        selected = [e for e in endpoints(t) if e.name == "floor" or args.only in e.name]
        for endpoint in selected:
            drive(args.port, endpoint, auth[endpoint.who], args.clients, args.requests,
                  args.warmup)
            print(f"  {endpoint.name}: {len(endpoint.latencies) / endpoint.elapsed:.0f} req/s"
                  + (f", {endpoint.errors} errors: {endpoint.first_error}"
                     if endpoint.errors else ""), flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(instance, ignore_errors=True)
    print()
    print(f"machine: {machine()}")
    print("load average (1, 5, 15 min) before the load: "
          + ", ".join(f"{v:.1f}" for v in load_before) + "; after: "
          + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    print(f"server: gunicorn {args.workers} workers x {args.threads} threads; database "
          f"{args.database} at scale {args.scale}: " +
          ", ".join(f"{v} {k}" for k, v in t["counts"].items()))
    print()
    print(report(selected, args.clients))
    failed = sum(e.errors for e in selected)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
