"""The ``samverkan`` command: the Flask CLI bound to the app, plus operator commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def _create_app(*_args, **_kwargs) -> Flask:
    from samverkan.platform.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Samverkan: owner steering, partnership agreements and outcome tracking."""


@click.group("tenant")
def tenant_group() -> None:
    """Provision tenants (platform operator)."""


@tenant_group.command("create")
@click.argument("slug")
@click.option("--kind", type=click.Choice(["municipality", "consortium", "association"]),
              required=True)
@click.option("--name-sv", default="", help="Name in Swedish")
@click.option("--name-fi", default="", help="Name in Finnish")
@click.option("--country", type=click.Choice(["FI", "SE"]), required=True)
@click.option("--locales", default=None, help="Content locales, e.g. fi,sv (default by country)")
@click.option("--currency", type=click.Choice(["EUR", "SEK"]), default=None)
@with_appcontext
def tenant_create(slug, kind, name_sv, name_fi, country, locales, currency) -> None:
    """Create a tenant."""
    from samverkan.platform.db import db
    from samverkan.tenants.services.tenants import TenantData, create_tenant

    data = TenantData(
        slug=slug,
        kind=kind,
        name={k: v for k, v in {"sv": name_sv, "fi": name_fi}.items() if v},
        country=country,
        content_locales=locales.split(",") if locales else None,
        currency=currency,
    )
    try:
        tenant = create_tenant(data, actor=None)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created tenant {tenant.slug} ({tenant.kind}, {tenant.country})")


@click.group("user")
def user_group() -> None:
    """Manage people (platform operator)."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--operator", is_flag=True, help="Platform operator (tenant provisioning)")
@click.option("--tenant", "tenant_slug", default=None, help="Add a membership in this tenant")
@click.option("--role", "roles", multiple=True, help="Role in that tenant (repeatable)")
@click.option("--locale", type=click.Choice(["sv", "fi", "en"]), default=None)
@with_appcontext
def user_create(email, name, password, operator, tenant_slug, roles, locale) -> None:
    """Create a user, optionally a member of a tenant."""
    from samverkan.platform.db import db
    from samverkan.tenants.services.accounts import create_user, grant_membership

    try:
        user = create_user(email, password, name=name, is_operator=operator, locale=locale)
        if tenant_slug:
            grant_membership(tenant_slug, user, list(roles) or ["viewer"], actor=None)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created user {user.email}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty")
@with_appcontext
def worker(burst: bool) -> None:
    """Run a background job worker (needs SAMVERKAN_REDIS_URL)."""
    from flask import current_app

    from samverkan.platform.jobs import run_worker

    if not current_app.config.get("SAMVERKAN_REDIS_URL"):
        raise click.ClickException("SAMVERKAN_REDIS_URL is not set: jobs run in-process")
    run_worker(current_app._get_current_object(), burst=burst)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo tenants, organisations and users (idempotent) and print the logins."""
    from samverkan.platform.demo import print_logins, seed

    seed()
    print_logins()


@click.command("seed")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="1 = every municipality of Finland and Sweden (about 750 tenants)")
@with_appcontext
def seed_scale(scale: float) -> None:
    """Seed an empty database with a benchmark data set at municipal scale."""
    from samverkan.platform.scale_seed import SeedRefused, seed

    try:
        seed(scale, echo=click.echo)
    except (SeedRefused, ValueError) as error:
        raise click.ClickException(str(error)) from error


@click.command("tick")
@click.option("--date", "day", default=None, help="Run as if today were this date (YYYY-MM-DD)")
@with_appcontext
def tick(day: str | None) -> None:
    """Run the scheduled jobs now: agreement calendar and reporting reminders (for cron)."""
    from datetime import date

    from samverkan.partnership.jobs import tick as run_tick

    try:
        today = date.fromisoformat(day) if day else None
    except ValueError as error:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--date") from error
    result = run_tick(today)
    calendar, reminders = result["calendar"], result["reminders"]
    click.echo(f"agreements activated: {calendar['activated']}, ended: {calendar['ended']}; "
               f"reminders: {reminders['reminders']}, mails: {reminders['mails']}")
    if calendar["failed_tenants"] or reminders["failed_tenants"]:
        raise click.ClickException("some tenants failed; see the log")


@click.command("cron")
@with_appcontext
def cron() -> None:
    """Run rq's cron scheduler, which queues the daily tick for the workers (needs Redis)."""
    from flask import current_app
    from rq.cron import CronScheduler

    from samverkan.partnership.jobs import register_cron
    from samverkan.platform.jobs import _redis

    if not current_app.config.get("SAMVERKAN_REDIS_URL"):
        raise click.ClickException("SAMVERKAN_REDIS_URL is not set: run `samverkan tick` from cron")
    scheduler = CronScheduler(connection=_redis(current_app._get_current_object()))
    register_cron(scheduler)
    scheduler.start()


def init_app(app: Flask) -> None:
    app.cli.add_command(tenant_group)
    app.cli.add_command(user_group)
    app.cli.add_command(worker)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
    app.cli.add_command(tick)
    app.cli.add_command(cron)
