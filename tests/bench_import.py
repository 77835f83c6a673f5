"""Benchmark of the outcome report file import: prints rows per second.

Builds a tenant with an agreement (2020-2029, quarterly periods, five providers and as many
indicators as the row count needs), writes a file of that many rows (every provider, period
and indicator), and imports it through the import job in ``sync`` mode, as the upload page
does. Not collected by pytest (its name does not start with ``test_``).

    .venv/bin/python tests/bench_import.py                       # SQLite in a temporary folder
    .venv/bin/python tests/bench_import.py --rows 10000 --format xlsx
    SAMVERKAN_BENCH_DATABASE_URL=postgresql+psycopg://owner@localhost/samverkan_bench \\
        .venv/bin/python tests/bench_import.py                   # PostgreSQL

``SAMVERKAN_BENCH_DATABASE_URL`` takes the same form as ``SAMVERKAN_TEST_DATABASE_URL``. The
database is migrated to the newest schema first (use the owner role); each run adds a tenant of
its own (``bench-<random>``) and leaves everything else alone.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from samverkan.platform.app import create_app
from samverkan.platform.db import db, platform_scope, tenant_scope

PROVIDERS = 5
FIRST_YEAR, LAST_YEAR = 2020, 2029


@dataclass
class Bench:
    """What the import needs: the tenant, the uploader and the agreement."""

    tenant_id: int
    user_id: int
    agreement_id: int
    codes: list[str]
    business_ids: list[str]
    periods: list[str]


def build(app, indicators: int, slug: str | None = None) -> Bench:
    """A tenant with a signed agreement of ``indicators`` indicators and five providers."""
    from samverkan.partnership import services as svc
    from samverkan.tenants.models import Organisation, Tenant
    from samverkan.tenants.permissions import principal_for_user
    from samverkan.tenants.services.accounts import create_user, grant_membership
    from samverkan.tenants.services.tenants import TenantData, create_tenant

    slug = slug or f"bench-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        tenant = create_tenant(TenantData(slug=slug, kind="municipality", country="FI",
                                          name={"sv": "Benchkommun", "fi": "Benchkunta"}))
        db.session.commit()
        tenant_id = tenant.id
        with platform_scope("benchmark setup"):
            user = create_user(f"admin@{slug}.example.org", "benchmark password", name="Bench",
                               locale="en")
            grant_membership(slug, user, ["admin"])
            db.session.commit()
            user_id = user.id
        with tenant_scope(tenant_id, user_id):
            tenant = db.session.get(Tenant, tenant_id)
            admin = principal_for_user(tenant, user)
            purchaser = Organisation(tenant_id=tenant_id, kind="municipality", country="FI",
                                     name={"sv": "Kommunen", "fi": "Kunta"})
            providers = [Organisation(tenant_id=tenant_id, kind="provider", country="FI",
                                      name={"sv": f"Anordnare {n}", "fi": f"Järjestäjä {n}"},
                                      business_id=f"{1000000 + n}-{n % 10}")
                         for n in range(1, PROVIDERS + 1)]
            db.session.add_all([purchaser, *providers])
            db.session.flush()
            periods = svc.generate_periods(tenant, admin, FIRST_YEAR, LAST_YEAR, "quarter")
            agreement = svc.create_agreement(tenant, admin, svc.AgreementData(
                code="BENCH", title={"sv": "Avtal", "fi": "Sopimus"},
                valid_from=date(FIRST_YEAR, 1, 1), valid_to=date(LAST_YEAR, 12, 31)))
            svc.add_party(tenant, admin, agreement, purchaser.id, "purchaser")
            for provider in providers:
                svc.add_party(tenant, admin, agreement, provider.id, "provider")
            for n in range(indicators):
                svc.add_indicator(tenant, admin, agreement, svc.IndicatorData(
                    code=f"ind-{n:03d}", name={"sv": f"Indikator {n}", "fi": f"Indikaattori {n}"},
                    unit="percent" if n % 2 else "count"))
            svc.transition_agreement(tenant, admin, agreement, "negotiation")
            for party in agreement.parties:
                if party.role == "purchaser":
                    svc.sign(tenant, admin, agreement, party.id)
                else:
                    _sign_for(tenant, agreement, party)
            db.session.commit()
            return Bench(tenant_id, user_id, agreement.id, [i.code for i in agreement.indicators],
                         [p.business_id for p in providers], [p.label for p in periods])


def _sign_for(tenant, agreement, party) -> None:
    """A provider party signs through a person bound to it."""
    from samverkan.partnership import services as svc
    from samverkan.tenants.models import User
    from samverkan.tenants.permissions import principal_for_user
    from samverkan.tenants.services.accounts import create_user, grant_membership

    email = f"signer-{party.organisation_id}@{tenant.slug}.example.org"
    with platform_scope("benchmark setup"):
        user = db.session.scalar(select(User).where(User.email == email)) or create_user(
            email, "benchmark password", name="Signer", locale="en")
        grant_membership(tenant.slug, user, ["provider_reporter"],
                         organisation_id=party.organisation_id)
        db.session.flush()
    svc.sign(tenant, principal_for_user(tenant, user), agreement)


def rows_of(bench: Bench, count: int) -> list[list[str]]:
    """``count`` rows: every indicator of every provider and period, in that order."""
    rows = []
    for business_id in bench.business_ids:
        for period in bench.periods:
            for n, code in enumerate(bench.codes):
                if len(rows) == count:
                    return rows
                number = (n * 7 + len(rows)) % 100
                value = f"{number},5" if n % 2 else str(number)  # percent, count
                rows.append([code, "", "", value, "", "", period, business_id])
    return rows


def write_file(path: Path, rows: list[list[str]]) -> Path:
    from samverkan.partnership.services.imports import COLUMNS

    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(COLUMNS)
            writer.writerows(rows)
    return path


def run_import(app, bench: Bench, path: Path) -> tuple[dict, float]:
    """Upload as the page does and run the job (sync mode: at the commit); returns the job's
    result and the seconds it took."""
    from samverkan.partnership.models import Agreement
    from samverkan.partnership.services.imports import enqueue_import, store_upload
    from samverkan.platform.jobs import JobRun
    from samverkan.tenants.models import Tenant, User
    from samverkan.tenants.permissions import principal_for_user

    with app.app_context(), tenant_scope(bench.tenant_id, bench.user_id):
        tenant = db.session.get(Tenant, bench.tenant_id)
        principal = principal_for_user(tenant, db.session.get(User, bench.user_id))
        with path.open("rb") as stream:
            key = store_upload(stream, path.name)
        run = enqueue_import(tenant, principal, db.session.get(Agreement, bench.agreement_id), key,
                             organisation_id=None, period_id=None, filename=path.name)
        run_id = run.id
        started = time.perf_counter()
        db.session.commit()
        seconds = time.perf_counter() - started
        db.session.expire_all()
        run = db.session.get(JobRun, run_id)
        return {**(run.result or {}), "run_id": run_id, "status": run.status,
                "message": run.message}, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args(argv)
    periods = 4 * (LAST_YEAR - FIRST_YEAR + 1)
    indicators = max(1, math.ceil(args.rows / (PROVIDERS * periods)))
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("SAMVERKAN_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SAMVERKAN_ADMIN_DATABASE_URL": url,
                          "SAMVERKAN_JOBS_MODE": "sync", "SAMVERKAN_REDIS_URL": None,
                          "SAMVERKAN_UPLOAD_PATH": str(Path(folder) / "uploads"),
                          "SAMVERKAN_OUTBOX_PATH": str(Path(folder) / "outbox")})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        bench = build(app, indicators)
        path = write_file(Path(folder) / f"bench.{args.format}", rows_of(bench, args.rows))
        result, seconds = run_import(app, bench, path)
        with app.app_context():
            db.engine.dispose()
    if not result.get("ok"):
        print(f"import failed: {result.get('status')} {result.get('message')} "
              f"{result.get('errors', [])[:5]}", file=sys.stderr)
        return 1
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{result['values']} rows ({args.format}, {result['reports']} reports) imported in "
          f"{seconds:.2f} s on {database}: {result['values'] / seconds:,.0f} rows/second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
