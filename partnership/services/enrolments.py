"""Enrolments the providers report (what the compensation model prices): adding, changing and
deleting them, reporting grades, and importing them from a CSV or XLSX file.

Who may do what (checked here, whatever the page or API checked):

* enrolments of an authorised provider (one with an approved authorisation): its provider
  reporter (a person, or its API client with the scope ``report``) or a purchaser or admin
  (:func:`can_manage_enrolments_for`);
* reading: the broad roles see every enrolment of the tenant, a principal bound to an
  organisation only that organisation's (:func:`visible_query`); another's is not found.

Checks: the course ends on or after its start; the course type is priced by some version of
the compensation model; the quantity its price needs (course points or weeks, or a category for
a result-based price) is given, by the version valid when the course starts; the programme area
is one of :data:`~samverkan.partnership.services.authorisation.PROGRAMME_AREAS`; the student's
reference is pseudonymous (a text such as an identity number is refused). Grades: completion and
the day grades were reported, not in the future nor before the course started.

Import (:func:`import_rows`): every row is checked first, each problem with its row number
(the header is row 1); only a file without problems is written, all rows in one transaction.
A row whose provider, student, course code and start match a stored enrolment updates it.
Every write is audited.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from samverkan.partnership.authorisation_models import (
    ApplicationStatus,
    AuthorisationApplication,
)
from samverkan.partnership.permissions import (
    bound_to,
    is_provider_reporter,
    is_purchaser,
    sees_everything,
)
from samverkan.partnership.purchasing_models import Enrolment
from samverkan.partnership.services import compensation, compensation_admin, payouts
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.partnership.services.common import (
    PartnershipError,
    PartnershipPermissionError,
    date_value,
    decimal_value,
    label_of,
    record,
    require,
    today,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Organisation, OrganisationKind, Tenant
from samverkan.tenants.permissions import Principal, Rule, has_scope

ENROLMENT_FIELDS = ["organisation_id", "student_ref", "course_type", "course_code", "course_name",
                    "programme_area", "starts_on", "ends_on", "course_points", "weeks",
                    "category", "completed", "grades_reported_on"]
COLUMNS = ("business_id", "student_ref", "course_type", "course_code", "course_name",
           "programme_area", "starts_on", "ends_on", "course_points", "weeks", "category",
           "completed", "grades_reported_on")
MAX_ROWS = 5000
MAX_ERRORS = 200
QUANTITY_LIMIT = Decimal("1e8")
# A Swedish personal identity number (with or without century and separator) or a Finnish one.
IDENTITY_NUMBER = re.compile(r"\d{6}(\d{2})?[-+A]?\d{3}[0-9A-Z]", re.IGNORECASE)
SORTS = {"starts_on": Enrolment.starts_on, "ends_on": Enrolment.ends_on,
         "student_ref": Enrolment.student_ref, "course_type": Enrolment.course_type,
         "provider": Enrolment.organisation_id}
TRUE_TEXTS = {"1", "yes", "y", "true", "ja", "kyllä", "x"}
FALSE_TEXTS = {"", "0", "no", "n", "false", "nej", "ei"}


def can_manage_enrolments_for(organisation_id: int | None) -> Rule:
    """Add, change, delete and report grades of this provider's enrolments."""
    return is_purchaser | (is_provider_reporter & bound_to(organisation_id) & has_scope("report"))


def sees_enrolments_of(organisation_id: int | None) -> Rule:
    return sees_everything | bound_to(organisation_id)


@dataclass
class EnrolmentData:
    """An enrolment as entered; numbers and dates may be texts."""

    organisation_id: int | None
    student_ref: str
    course_type: str
    starts_on: date | str | None
    ends_on: date | str | None
    course_code: str = ""
    course_name: str = ""
    programme_area: str | None = None
    course_points: Decimal | str | None = None
    weeks: Decimal | str | None = None
    category: str | None = None


# --- reading ---------------------------------------------------------------------------------


def authorised_providers(tenant: Tenant) -> list[Organisation]:
    """Providers with an approved authorisation, by name."""
    ids = set(db.session.scalars(select(AuthorisationApplication.organisation_id).where(
        AuthorisationApplication.tenant_id == tenant.id,
        AuthorisationApplication.status == ApplicationStatus.APPROVED)))
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id, Organisation.id.in_(ids),
        Organisation.kind == OrganisationKind.PROVIDER).order_by(Organisation.id)))


def providers_for(tenant: Tenant, principal: Principal) -> list[Organisation]:
    """The authorised providers whose enrolments the principal may manage."""
    return [o for o in authorised_providers(tenant)
            if can_manage_enrolments_for(o.id)(principal)]


def visible_providers(tenant: Tenant, principal: Principal) -> list[Organisation]:
    """Providers the principal may filter by: every provider, or its own."""
    query = select(Organisation).where(Organisation.tenant_id == tenant.id,
                                       Organisation.kind == OrganisationKind.PROVIDER)
    if not sees_everything(principal):
        query = query.where(Organisation.id == (principal.organisation_id or -1))
    return list(db.session.scalars(query.order_by(Organisation.id)))


def visible_query(tenant: Tenant, principal: Principal, *, organisation_id: int | None = None,
                  period_start: date | None = None, period_end: date | None = None,
                  course_type: str = "", completed: bool | None = None,
                  sort: str = "-starts_on") -> Select:
    """The enrolments the principal sees, filtered (a period: the course runs in it) and
    sorted by a key of :data:`SORTS` (``-`` first for descending)."""
    query = select(Enrolment).where(Enrolment.tenant_id == tenant.id)
    if not sees_everything(principal):
        query = query.where(Enrolment.organisation_id == (principal.organisation_id or -1))
    if organisation_id is not None:
        query = query.where(Enrolment.organisation_id == organisation_id)
    if period_end is not None:
        query = query.where(Enrolment.starts_on <= period_end)
    if period_start is not None:
        query = query.where(Enrolment.ends_on >= period_start)
    if course_type:
        query = query.where(Enrolment.course_type == course_type)
    if completed is not None:
        query = query.where(Enrolment.completed.is_(completed))
    column = SORTS.get(sort.lstrip("-"), Enrolment.starts_on)
    order = column.desc() if sort.startswith("-") else column.asc()
    return query.order_by(order, Enrolment.student_ref, Enrolment.id)


def get_visible_enrolment(tenant: Tenant, principal: Principal, enrolment_id) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id) if enrolment_id else None
    if (enrolment is None or enrolment.tenant_id != tenant.id
            or not sees_enrolments_of(enrolment.organisation_id)(principal)):
        raise PartnershipError("enrolment_id", "not_found", _l("No such enrolment."))
    return enrolment


# --- checking --------------------------------------------------------------------------------


def _authorised(tenant: Tenant, principal: Principal, organisation_id) -> int:
    """The id of an authorised provider the principal may manage enrolments of."""
    try:
        organisation_id = int(organisation_id)
    except (TypeError, ValueError):
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider.")) from None
    require(can_manage_enrolments_for(organisation_id), principal, tenant)
    if organisation_id not in {o.id for o in authorised_providers(tenant)}:
        raise PartnershipError("organisation_id", "not_authorised", _l(
            "Only a provider with an approved authorisation reports enrolments."))
    return organisation_id


def _text(value: Any, name: str, limit: int, *, required: bool, message=None) -> str:
    text = (value or "").strip() if isinstance(value, str) else ("" if value is None else
                                                                str(value).strip())
    if required and not text:
        raise PartnershipError(name, "required", message if message is not None else _l(
            "This field is required."))
    if len(text) > limit:
        raise PartnershipError(name, "too_long", _l(
            "A text is at most %(count)s characters.", count=limit))
    return text


def _quantity(value: Any, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = decimal_value(value, name, places=2, limit=QUANTITY_LIMIT)
    if number < 0:
        raise PartnershipError(name, "negative", _l("A quantity cannot be negative."))
    return number


def _component(tenant: Tenant, course_type: str, starts_on: date) -> dict:
    """The price component of the course type: of the version valid when the course starts,
    else of the newest version pricing it."""
    versions = compensation_admin.versions_of(tenant)
    chosen = compensation.choose_model([payouts.model_of(v) for v in versions], starts_on)
    ordered = ([v for v in versions if chosen is not None and v.version == chosen.version]
               + versions)
    for version in ordered:
        for item in version.components or []:
            if item["course_type"] == course_type:
                return item
    raise PartnershipError("course_type", "unknown", _l(
        "No version of the compensation model prices the course type %(course_type)s.",
        course_type=course_type))


def clean(tenant: Tenant, data: EnrolmentData) -> dict:
    """The columns of an enrolment from ``data`` (organisation not checked here)."""
    student_ref = _text(data.student_ref, "student_ref", 64, required=True,
                        message=_l("Enter the student's pseudonymous reference."))
    if IDENTITY_NUMBER.search(student_ref.replace(" ", "")):
        raise PartnershipError("student_ref", "identity", _l(
            "Use a pseudonymous reference, never a personal identity number."))
    course_type = _text(data.course_type, "course_type", 50, required=True,
                        message=_l("Choose the course type."))
    starts_on = date_value(data.starts_on, "starts_on")
    ends_on = date_value(data.ends_on, "ends_on")
    if ends_on < starts_on:
        raise PartnershipError("ends_on", "before_start",
                               _l("The course cannot end before it starts."))
    area = _text(data.programme_area, "programme_area", 50, required=False) or None
    if area is not None and area not in PROGRAMME_AREAS:
        raise PartnershipError("programme_area", "invalid", _l("Choose a programme area."))
    points = _quantity(data.course_points, "course_points")
    weeks = _quantity(data.weeks, "weeks")
    category = _text(data.category, "category", 50, required=False) or None
    component = _component(tenant, course_type, starts_on)
    if component.get("result_prices") and category not in component["result_prices"]:
        raise PartnershipError("category", "required", _l(
            "The course type %(course_type)s is priced by result: choose one of the "
            "categories %(categories)s.", course_type=course_type,
            categories=", ".join(sorted(component["result_prices"]))))
    if component["basis"] == compensation.Basis.COURSE_POINT and points is None:
        raise PartnershipError("course_points", "required", _l(
            "The course type %(course_type)s is paid per course point: enter the course "
            "points.", course_type=course_type))
    if component["basis"] == compensation.Basis.WEEK and weeks is None:
        raise PartnershipError("weeks", "required", _l(
            "The course type %(course_type)s is paid per week: enter the number of weeks.",
            course_type=course_type))
    return {"student_ref": student_ref, "course_type": course_type,
            "course_code": _text(data.course_code, "course_code", 50, required=False),
            "course_name": _text(data.course_name, "course_name", 200, required=False),
            "programme_area": area, "starts_on": starts_on, "ends_on": ends_on,
            "course_points": points, "weeks": weeks, "category": category}


def _unique(tenant: Tenant, organisation_id: int, content: dict,
            enrolment_id: int | None = None) -> None:
    other = db.session.scalar(select(Enrolment.id).where(
        Enrolment.tenant_id == tenant.id, Enrolment.organisation_id == organisation_id,
        Enrolment.student_ref == content["student_ref"],
        Enrolment.course_code == content["course_code"],
        Enrolment.starts_on == content["starts_on"]))
    if other is not None and other != enrolment_id:
        raise PartnershipError("student_ref", "duplicate", _l(
            "This student is already enrolled on this course from this day."))


def _grades(enrolment_starts: date, completed: bool, reported_on: date | None) -> None:
    if reported_on is None:
        if completed:
            raise PartnershipError("grades_reported_on", "required", _l(
                "Enter the day the grades were reported."))
        return
    if reported_on > today():
        raise PartnershipError("grades_reported_on", "future",
                               _l("The date cannot be in the future."))
    if reported_on < enrolment_starts:
        raise PartnershipError("grades_reported_on", "before_start", _l(
            "Grades cannot be reported before the course starts."))


# --- writing ---------------------------------------------------------------------------------


def create_enrolment(tenant: Tenant, principal: Principal, data: EnrolmentData) -> Enrolment:
    organisation_id = _authorised(tenant, principal, data.organisation_id)
    content = clean(tenant, data)
    _unique(tenant, organisation_id, content)
    enrolment = Enrolment(tenant_id=tenant.id, organisation_id=organisation_id, completed=False,
                          reported_by_label=label_of(principal), **content)
    db.session.add(enrolment)
    db.session.flush()
    record("partnership.enrolment_created", enrolment, principal, after=_snapshot(enrolment))
    return enrolment


def update_enrolment(tenant: Tenant, principal: Principal, enrolment: Enrolment,
                     data: EnrolmentData) -> None:
    """Change an enrolment (its provider stays)."""
    _own(tenant, enrolment)
    _authorised(tenant, principal, enrolment.organisation_id)
    content = clean(tenant, data)
    _unique(tenant, enrolment.organisation_id, content, enrolment.id)
    if enrolment.grades_reported_on is not None:
        _grades(content["starts_on"], enrolment.completed, enrolment.grades_reported_on)
    before = _snapshot(enrolment)
    for name, value in content.items():
        setattr(enrolment, name, value)
    db.session.flush()
    record("partnership.enrolment_updated", enrolment, principal, before=before,
           after=_snapshot(enrolment))


def delete_enrolment(tenant: Tenant, principal: Principal, enrolment: Enrolment) -> None:
    _own(tenant, enrolment)
    require(can_manage_enrolments_for(enrolment.organisation_id), principal, tenant)
    before, enrolment_id = _snapshot(enrolment), enrolment.id
    db.session.delete(enrolment)
    db.session.flush()
    record("partnership.enrolment_deleted", None, principal, entity_type="Enrolment",
           entity_id=enrolment_id, before=before)


def report_grades(tenant: Tenant, principal: Principal, enrolment: Enrolment, completed: bool,
                  reported_on: date | None) -> None:
    """Record whether the student completed the course and the day grades were reported (no
    day: grades not reported yet)."""
    _own(tenant, enrolment)
    require(can_manage_enrolments_for(enrolment.organisation_id), principal, tenant)
    _grades(enrolment.starts_on, completed, reported_on)
    before = {"completed": enrolment.completed,
              "grades_reported_on": enrolment.grades_reported_on}
    enrolment.completed = bool(completed)
    enrolment.grades_reported_on = reported_on
    db.session.flush()
    record("partnership.grades_reported", enrolment, principal, before=before,
           after={"completed": enrolment.completed,
                  "grades_reported_on": enrolment.grades_reported_on})


# --- import ----------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    field: str
    message: Any


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def read_file(data: bytes, filename: str) -> list[list[str]]:
    """The rows of an uploaded CSV (UTF-8, ``;`` or ``,``) or XLSX file as texts."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise PartnershipError("file", "format", _l("Upload a CSV or XLSX file."))
    while rows and not any(cell for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise PartnershipError("file", "empty", _l("The file is empty."))
    if len(rows) - 1 > MAX_ROWS:
        raise PartnershipError("file", "too_many", _l(
            "A file can have at most %(count)s rows.", count=MAX_ROWS))
    return rows


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PartnershipError("file", "encoding", _l("Save the CSV file as UTF-8.")) from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return [[cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise PartnershipError("file", "unreadable",
                               _l("The file is not a readable XLSX workbook.")) from error
    try:
        return [[_cell(value) for value in row]
                for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "date") and callable(value.date):  # a datetime cell
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _header(row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        key = name.strip().lstrip("\ufeff").lower().replace(" ", "_")
        if key in COLUMNS and key not in columns:
            columns[key] = index
    needed = {"student_ref", "course_type", "starts_on", "ends_on"}
    if not needed <= set(columns):
        raise PartnershipError("file", "header", _l(
            "The first row must name the columns, at least student_ref, course_type, starts_on "
            "and ends_on. Download the template to see the format."))
    return columns


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_TEXTS:
        return True
    if value in FALSE_TEXTS:
        return False
    raise PartnershipError("completed", "invalid", _l("Write 1 (yes) or 0 (no)."))


def import_rows(tenant: Tenant, principal: Principal, rows: list[list[str]],
                default_organisation_id: int | None) -> ImportResult:
    """Check every row, then write all of them or none (see the module docstring)."""
    columns = _header(rows[0])
    providers = {o.id: o for o in providers_for(tenant, principal)}
    by_business_id = {(o.business_id or "").upper(): o.id for o in providers.values()
                      if o.business_id}
    if not providers:
        raise PartnershipPermissionError("organisation_id", "forbidden", _l(
            "You may not report enrolments for any authorised provider."))
    result = ImportResult()
    planned: list[tuple[int, int, dict, bool, date | None]] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = {name: (row[index] if index < len(row) else "") for name, index in
                 columns.items()}
        try:
            business_id = cells.get("business_id", "").strip().upper()
            if business_id:
                if business_id not in by_business_id:
                    raise PartnershipError("business_id", "unknown", _l(
                        "No authorised provider you may report for has the business id "
                        "%(business_id)s.", business_id=business_id))
                organisation_id = by_business_id[business_id]
            elif default_organisation_id in providers:
                organisation_id = default_organisation_id
            else:
                raise PartnershipError("business_id", "required", _l(
                    "Name the provider's business id or choose the provider."))
            content = clean(tenant, EnrolmentData(
                organisation_id=organisation_id,
                **{name: cells.get(name, "") for name in (
                    "student_ref", "course_type", "starts_on", "ends_on", "course_code",
                    "course_name", "programme_area", "course_points", "weeks", "category")}))
            completed = _flag(cells.get("completed", ""))
            reported_on = date_value(cells.get("grades_reported_on", ""), "grades_reported_on",
                                     required=False)
            _grades(content["starts_on"], completed, reported_on)
            key = (organisation_id, content["student_ref"], content["course_code"],
                   content["starts_on"])
            if key in seen:
                raise PartnershipError("student_ref", "duplicate", _l(
                    "The same enrolment is on row %(row)s too.", row=seen[key]))
            seen[key] = number
            planned.append((number, organisation_id, content, completed, reported_on))
        except PartnershipError as error:
            if len(result.errors) < MAX_ERRORS:
                result.errors.append(RowError(number, error.field, error.message))
    if result.errors or not planned:
        if not planned and not result.errors:
            result.errors.append(RowError(2, "file", _l("The file has no enrolments.")))
        return result
    for _number, organisation_id, content, completed, reported_on in planned:
        _write_row(tenant, principal, organisation_id, content, completed, reported_on, result)
    record("partnership.enrolments_imported", None, principal, entity_type="Enrolment",
           after={"created": result.created, "updated": result.updated})
    return result


def _write_row(tenant: Tenant, principal: Principal, organisation_id: int, content: dict,
               completed: bool, reported_on: date | None, result: ImportResult) -> None:
    existing = db.session.scalar(select(Enrolment).where(
        Enrolment.tenant_id == tenant.id, Enrolment.organisation_id == organisation_id,
        Enrolment.student_ref == content["student_ref"],
        Enrolment.course_code == content["course_code"],
        Enrolment.starts_on == content["starts_on"]))
    if existing is None:
        enrolment = Enrolment(tenant_id=tenant.id, organisation_id=organisation_id,
                              completed=completed, grades_reported_on=reported_on,
                              reported_by_label=label_of(principal), **content)
        db.session.add(enrolment)
        db.session.flush()
        record("partnership.enrolment_created", enrolment, principal,
               after=_snapshot(enrolment))
        result.created += 1
        return
    before = _snapshot(existing)
    for name, value in content.items():
        setattr(existing, name, value)
    existing.completed, existing.grades_reported_on = completed, reported_on
    db.session.flush()
    after = _snapshot(existing)
    if after != before:
        record("partnership.enrolment_updated", existing, principal, before=before, after=after)
    result.updated += 1


def template_rows(tenant: Tenant) -> list[list]:
    """Example rows for the import template: one per course type of the latest version (at
    most three), with the quantity or category its price needs."""
    latest = compensation_admin.latest_version(tenant)
    components = (latest.components if latest is not None else None) or [
        {"course_type": "vocational", "basis": "course_point"}]
    year = today().year - 1
    rows = []
    for number, item in enumerate(components[:3], start=1):
        basis = item.get("basis")
        category = next(iter(item.get("result_prices") or {}), "")
        rows.append(["", f"S-{1000 + number}", item["course_type"], f"C-{number}", "", "",
                     f"{year}-01-13", f"{year}-03-21",
                     "100" if basis == compensation.Basis.COURSE_POINT else "",
                     "10" if basis == compensation.Basis.WEEK else "", category, "0", ""])
    return rows


# --- helpers ---------------------------------------------------------------------------------


def _own(tenant: Tenant, enrolment: Enrolment | None) -> None:
    if enrolment is None or enrolment.tenant_id != tenant.id:
        raise PartnershipError("enrolment_id", "not_found", _l("No such enrolment."))


def _snapshot(enrolment: Enrolment) -> dict:
    return {name: getattr(enrolment, name) for name in ENROLMENT_FIELDS}
