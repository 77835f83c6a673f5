"""Spot checks of providers: the purchaser draws a reproducible sample of a provider's student
records or invoice lines for a period, assesses each sampled item (no remark, or a finding with
corrective actions) and closes the spot check once every item is assessed.

The population: the provider's enrolments that touch the period (reference
``<student_ref>/<course code>``) or the lines of its invoices whose period overlaps it
(reference ``<invoice number>/<position>``); a reference that would occur twice gets the
enrolment's start date or the line's id appended. The draw is
:func:`samverkan.partnership.services.spot_checks.draw`; the spot check stores the seed, the
size asked for and every reference of the population, so that :func:`redraw` (or anyone, by
hand) recomputes the same sample.

Who may do what (checked here whatever the page or API checked): drawing, assessing, closing
and adding corrective actions: purchasers and admins (:data:`can_manage_spot_checks`). Reading:
the broad roles see every spot check; a principal bound to an organisation sees only those of
its own organisation; anyone else sees none. Corrective actions are follow-up actions
(:mod:`samverkan.partnership.services.follow_up`) with source ``spot_check`` and the item's id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.permissions import bound_to, is_purchaser, sees_everything
from samverkan.partnership.purchasing_models import (
    ActionSource,
    Enrolment,
    FollowUpAction,
    Invoice,
    InvoiceLine,
)
from samverkan.partnership.services import follow_up
from samverkan.partnership.services.common import (
    PartnershipError,
    date_value,
    label_of,
    record,
    require,
    today,
)
from samverkan.partnership.services.spot_checks import draw, new_seed
from samverkan.partnership.spot_check_models import (
    ItemStatus,
    PopulationKind,
    SpotCheck,
    SpotCheckItem,
    SpotCheckStatus,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind
from samverkan.tenants.permissions import Principal, Rule

SEED_LENGTH = 64
NOTE_LENGTH = 2000
FINDING_LENGTH = 4000
FIELDS = ["organisation_id", "population_kind", "period_start", "period_end", "seed",
          "sample_count", "sample_percent", "population_size", "status", "closed_on"]

can_manage_spot_checks = is_purchaser


def sees_spot_check(spot_check: SpotCheck) -> Rule:
    return sees_everything | bound_to(spot_check.organisation_id)


@dataclass(frozen=True)
class PopulationEntry:
    """One reference of a population and what it stands for."""

    ref: str
    summary: str


@dataclass(frozen=True)
class Comparison:
    """The stored sample against a redraw from the stored seed and references, and whether the
    population is still the same today."""

    stored: tuple[str, ...]
    redrawn: tuple[str, ...]
    population_now: int
    added_since: tuple[str, ...]
    removed_since: tuple[str, ...]

    @property
    def same(self) -> bool:
        return self.stored == self.redrawn


# --- reading ---------------------------------------------------------------------------------


def providers(principal: Principal) -> list[Organisation]:
    """The tenant's provider organisations a spot check may be drawn on."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == principal.tenant.id,
        Organisation.kind == OrganisationKind.PROVIDER,
        Organisation.is_archived.is_(False)).order_by(Organisation.id)))


def spot_checks_for(principal: Principal, *, organisation_id: int | None = None,
                    status: str = "") -> list[SpotCheck]:
    """The spot checks the principal may see, newest first."""
    query = select(SpotCheck).where(SpotCheck.tenant_id == principal.tenant.id)
    if not sees_everything(principal):
        if principal.organisation_id is None:
            return []
        query = query.where(SpotCheck.organisation_id == principal.organisation_id)
    if organisation_id is not None:
        query = query.where(SpotCheck.organisation_id == organisation_id)
    if status in {s.value for s in SpotCheckStatus}:
        query = query.where(SpotCheck.status == status)
    return list(db.session.scalars(query.order_by(SpotCheck.created_at.desc(),
                                                  SpotCheck.id.desc())))


def get_visible_spot_check(principal: Principal, spot_check_id) -> SpotCheck:
    """The spot check, or ``not_found`` if it is another tenant's or not visible."""
    spot_check = db.session.get(SpotCheck, spot_check_id) if spot_check_id else None
    if (spot_check is None or spot_check.tenant_id != principal.tenant.id
            or not sees_spot_check(spot_check)(principal)):
        raise PartnershipError("spot_check_id", "not_found", _l("No such spot check."))
    return spot_check


def get_item(spot_check: SpotCheck, item_id) -> SpotCheckItem:
    item = db.session.get(SpotCheckItem, item_id) if item_id else None
    if item is None or item.spot_check_id != spot_check.id:
        raise PartnershipError("item_id", "not_found", _l("No such sampled item."))
    return item


def counts(spot_check: SpotCheck) -> dict[str, int]:
    """How many items are pending, without remark and with a finding."""
    result = {status.value: 0 for status in ItemStatus}
    for item in spot_check.items:
        result[item.status] += 1
    return result


def actions_by_item(principal: Principal, spot_check: SpotCheck) -> dict[int, list[FollowUpAction]]:
    """The visible corrective actions of each item of the spot check."""
    ids = [item.id for item in spot_check.items]
    grouped: dict[int, list[FollowUpAction]] = defaultdict(list)
    if not ids:
        return grouped
    for action in follow_up.actions_for(principal, follow_up.ActionFilter(
            source_kind=ActionSource.SPOT_CHECK, organisation_id=spot_check.organisation_id)):
        if action.source_id in ids:
            grouped[action.source_id].append(action)
    return grouped


def item_of_action(principal: Principal, action: FollowUpAction) -> SpotCheckItem | None:
    """The sampled item a spot-check action follows, if the principal may see it."""
    if action.source_kind != ActionSource.SPOT_CHECK:
        return None
    item = db.session.get(SpotCheckItem, action.source_id)
    if item is None or item.tenant_id != principal.tenant.id:
        return None
    return item if sees_spot_check(item.spot_check)(principal) else None


# --- the population and the draw -------------------------------------------------------------


def population(principal: Principal, organisation_id: int, kind: str, start: date,
               end: date) -> list[PopulationEntry]:
    """The provider's student records or invoice lines for the period, sorted by reference."""
    tenant_id = principal.tenant.id
    if kind == PopulationKind.ENROLMENTS:
        rows = db.session.scalars(select(Enrolment).where(
            Enrolment.tenant_id == tenant_id, Enrolment.organisation_id == organisation_id,
            Enrolment.starts_on <= end, Enrolment.ends_on >= start))
        entries = [(f"{e.student_ref}/{e.course_code or e.course_type}", e.starts_on.isoformat(),
                    f"{e.student_ref} · {e.course_code} {e.course_name} · "
                    f"{e.starts_on.isoformat()}–{e.ends_on.isoformat()}".replace("  ", " "))
                   for e in rows]
    else:
        rows = db.session.execute(select(InvoiceLine, Invoice).join(Invoice).where(
            Invoice.tenant_id == tenant_id, Invoice.organisation_id == organisation_id,
            Invoice.period_start <= end, Invoice.period_end >= start))
        entries = [(f"{invoice.number}/{line.position}", str(line.id),
                    f"{invoice.number} · {line.student_ref} · {line.course_type} · {line.part}"
                    ) for line, invoice in rows]
    return _unique_entries(entries)


def _unique_entries(entries: list[tuple[str, str, str]]) -> list[PopulationEntry]:
    """One entry per reference; references that collide get their distinguishing suffix."""
    seen: dict[str, int] = defaultdict(int)
    for ref, _suffix, _summary in entries:
        seen[ref] += 1
    unique = {(ref if seen[ref] == 1 else f"{ref}/{suffix}"): summary
              for ref, suffix, summary in entries}
    return [PopulationEntry(ref, unique[ref]) for ref in sorted(unique)]


def draw_spot_check(principal: Principal, organisation_id, kind: str, period_start, period_end, *,
                    count=None, percent=None, seed: str | None = None,
                    note: str = "") -> SpotCheck:
    """Draw and store a spot check: exactly one of ``count`` (at least 1) and ``percent``
    (above 0, at most 100); the seed entered (to reproduce a draw) or a new one."""
    tenant = principal.tenant
    require(can_manage_spot_checks, principal, tenant)
    organisation = _provider(principal, organisation_id)
    if kind not in {k.value for k in PopulationKind}:
        raise PartnershipError("population_kind", "invalid",
                               _l("Choose student records or invoice lines."))
    start = date_value(period_start, "period_start")
    end = date_value(period_end, "period_end")
    if end < start:
        raise PartnershipError("period_end", "before_start",
                               _l("The end of the period cannot be before its start."))
    count, percent = _size(count, percent)
    seed = _seed(seed)
    entries = population(principal, organisation.id, kind, start, end)
    if not entries:
        raise PartnershipError("population_kind", "empty", _l(
            "The provider has nothing of this kind in the period: there is nothing to draw from."))
    summaries = {entry.ref: entry.summary for entry in entries}
    refs = [entry.ref for entry in entries]
    sample = draw(refs, seed, count=count, percent=percent)
    spot_check = SpotCheck(
        tenant_id=tenant.id, organisation_id=organisation.id, population_kind=kind,
        period_start=start, period_end=end, seed=seed, sample_count=count, sample_percent=percent,
        population_size=len(refs), population_refs=refs, note=_note(note),
        status=SpotCheckStatus.OPEN, created_by_label=label_of(principal))
    spot_check.items = [
        SpotCheckItem(tenant_id=tenant.id, rank=rank, ref=ref, summary=summaries[ref][:400],
                      status=ItemStatus.PENDING, finding="", assessed_by_label="")
        for rank, ref in enumerate(sample, start=1)]
    db.session.add(spot_check)
    db.session.flush()
    record("partnership.spot_check_drawn", spot_check, principal,
           after={**_snapshot(spot_check), "sample": list(sample)})
    return spot_check


def redraw(principal: Principal, spot_check: SpotCheck) -> Comparison:
    """Recompute the draw from the stored seed and references and compare it with the stored
    sample; also report how the provider's population has changed since."""
    _visible(principal, spot_check)
    redrawn = draw(spot_check.population_refs, spot_check.seed, count=spot_check.sample_count,
                   percent=spot_check.sample_percent)
    now = {entry.ref for entry in population(
        principal, spot_check.organisation_id, spot_check.population_kind,
        spot_check.period_start, spot_check.period_end)}
    then = set(spot_check.population_refs)
    return Comparison(stored=tuple(item.ref for item in spot_check.items), redrawn=redrawn,
                      population_now=len(now), added_since=tuple(sorted(now - then)),
                      removed_since=tuple(sorted(then - now)))


# --- assessment ------------------------------------------------------------------------------


def assess_item(principal: Principal, item: SpotCheckItem, status: str, finding: str = "") -> None:
    """Record the assessment of a sampled item: no remark, a finding (described) or back to
    pending; the spot check must be open."""
    spot_check = item.spot_check
    _open_and_manageable(principal, spot_check)
    if status not in {s.value for s in ItemStatus}:
        raise PartnershipError("status", "invalid", _l("Choose an assessment."))
    text = finding.strip() if isinstance(finding, str) else ""
    if status == ItemStatus.FINDING and not text:
        raise PartnershipError("finding", "required", _l("Describe the finding."))
    if len(text) > FINDING_LENGTH:
        raise PartnershipError("finding", "too_long",
                               _l("Enter at most %(count)s characters.", count=FINDING_LENGTH))
    if status != ItemStatus.FINDING and _has_actions(principal, item):
        raise PartnershipError("status", "has_actions", _l(
            "This finding has corrective actions: it stays a finding."))
    before = _item_snapshot(item)
    item.status, item.finding = status, text
    item.assessed_on = None if status == ItemStatus.PENDING else today()
    item.assessed_by_label = "" if status == ItemStatus.PENDING else label_of(principal)
    db.session.flush()
    record("partnership.spot_check_assessed", item, principal, before=before,
           after=_item_snapshot(item))


def close_spot_check(principal: Principal, spot_check: SpotCheck) -> None:
    """Close an open spot check whose every item is assessed (actions stay tracked)."""
    _open_and_manageable(principal, spot_check)
    pending = [item.rank for item in spot_check.items if item.status == ItemStatus.PENDING]
    if pending:
        raise PartnershipError("status", "pending", _l(
            "Assess every sampled item before closing the spot check (%(count)s pending).",
            count=len(pending)))
    before = _snapshot(spot_check)
    spot_check.status, spot_check.closed_on = SpotCheckStatus.CLOSED, today()
    db.session.flush()
    record("partnership.spot_check_closed", spot_check, principal, before=before,
           after=_snapshot(spot_check))


def add_action(principal: Principal, item: SpotCheckItem, description: str, owner: str,
               owner_party: str, due_on) -> FollowUpAction:
    """A corrective action after the item's finding."""
    _visible(principal, item.spot_check)
    require(can_manage_spot_checks, principal, principal.tenant)
    if item.status != ItemStatus.FINDING:
        raise PartnershipError("description", "no_finding",
                               _l("Corrective actions follow a finding only."))
    return follow_up.create(principal, ActionSource.SPOT_CHECK, item.id,
                            item.spot_check.organisation_id, description, owner, owner_party,
                            due_on)


# --- helpers ---------------------------------------------------------------------------------


def _provider(principal: Principal, organisation_id) -> Organisation:
    try:
        organisation = db.session.get(Organisation, int(organisation_id or 0))
    except (TypeError, ValueError):
        organisation = None
    if (organisation is None or organisation.tenant_id != principal.tenant.id
            or organisation.kind != OrganisationKind.PROVIDER):
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    return organisation


def _size(count, percent) -> tuple[int | None, Decimal | None]:
    """Exactly one of a count (a whole number of at least 1) and a percentage (0 to 100)."""
    count = None if count in (None, "") else count
    percent = None if percent in (None, "") else percent
    if (count is None) == (percent is None):
        raise PartnershipError("sample_count", "required",
                               _l("Enter either a number of items or a percentage, not both."))
    if count is not None:
        try:
            number = int(str(count).strip())
        except ValueError:
            number = 0
        if number < 1:
            raise PartnershipError("sample_count", "invalid",
                                   _l("Enter a whole number of items of at least 1."))
        return number, None
    try:
        share = Decimal(str(percent).strip().replace(",", "."))
    except InvalidOperation:
        share = Decimal(-1)
    if not share.is_finite() or not 0 < share <= 100 or share != share.quantize(Decimal("0.01")):
        raise PartnershipError("sample_percent", "invalid", _l(
            "Enter a percentage above 0 and at most 100, with at most two decimals."))
    return None, share.quantize(Decimal("0.01"))


def _seed(seed: str | None) -> str:
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return new_seed()
    if not isinstance(seed, str) or seed != seed.strip() or len(seed) > SEED_LENGTH:
        raise PartnershipError("seed", "invalid", _l(
            "Enter a seed of at most 64 characters without spaces at its beginning or end."))
    return seed


def _note(note: str) -> str:
    text = note.strip() if isinstance(note, str) else ""
    if len(text) > NOTE_LENGTH:
        raise PartnershipError("note", "too_long",
                               _l("Enter at most %(count)s characters.", count=NOTE_LENGTH))
    return text


def _visible(principal: Principal, spot_check: SpotCheck) -> None:
    if (spot_check is None or principal is None or spot_check.tenant_id != principal.tenant.id
            or not sees_spot_check(spot_check)(principal)):
        raise PartnershipError("spot_check_id", "not_found", _l("No such spot check."))


def _open_and_manageable(principal: Principal, spot_check: SpotCheck) -> None:
    _visible(principal, spot_check)
    require(can_manage_spot_checks, principal, principal.tenant)
    if spot_check.status != SpotCheckStatus.OPEN:
        raise PartnershipError("status", "closed", _l("This spot check is closed."))


def _has_actions(principal: Principal, item: SpotCheckItem) -> bool:
    return bool(follow_up.actions_of_source(principal, ActionSource.SPOT_CHECK, item.id))


def _snapshot(spot_check: SpotCheck) -> dict:
    return {name: getattr(spot_check, name) for name in FIELDS}


def _item_snapshot(item: SpotCheckItem) -> dict:
    return {"spot_check_id": item.spot_check_id, "rank": item.rank, "ref": item.ref,
            "status": item.status, "finding": item.finding}
