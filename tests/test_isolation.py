"""Route isolation: no route carrying a tenant lets a member of tenant A reach tenant B.

The routes come from the app's URL map: every rule with a ``slug`` argument (pages under
``/t/<slug>/``, API under ``/api/v1/t/<slug>/``), with every method it allows. Tenants A and B
each get members of every role, organisations of every kind, and one object for every kind of
id the routes take (see ``ARGS``). Then, for every rule and method:

- each member of A (one per role), asking for B's URL with B's object ids, gets 403 or 404;
- each member of A, asking for A's URL with B's object ids, gets 403 or 404, and exactly what
  the same URL gets with an id that exists nowhere (so nothing reveals that B's object exists);
- on API routes, a bearer token of an API client of A gets 401, 403 or 404 for both;
- without signing in, pages send to the sign-in page and the API answers 401 (a public page
  of ``PUBLIC_ENDPOINTS`` opens for anyone instead, and must change nothing);
- no response mentions tenant B by name, and no table changes (every row is compared).

A route with a URL argument that ``ARGS`` does not know fails the test, naming the route, and
so does a tenant route that was not exercised: a new route cannot slip through. To cover a
new kind of id, add one line to ``ARGS``: how to make such an object in a given tenant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.routing.converters import IntegerConverter

from samverkan.platform.api import API_PREFIX
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Membership, OrganisationKind, Role

TENANT_ARG = "slug"
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
MISSING_ID = 987_654_321
ROLES = [role.value for role in Role]
BOUND_ROLES = {Role.OWNER_REPRESENTATIVE.value: OrganisationKind.MUNICIPALITY.value,
               Role.PROVIDER_REPORTER.value: OrganisationKind.PROVIDER.value}


# --- objects the routes take ids of ----------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """How to make, in a given tenant, the object a URL argument names, and its URL value."""

    make: Callable  # (world, tenant) -> object
    value: Callable = lambda obj, is_int: obj.id  # (object, integer converter?) -> URL value
    # The value is itself a secret that grants access (an invitation link): holding B's link
    # legitimately opens B's page, so only wrong-tenant and made-up values are checked.
    capability: bool = False


def _membership(world, tenant):
    user = world.factory.user(tenant=tenant, roles=["viewer"])
    with world.app.app_context(), tenant_scope(tenant.id):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        db.session.expunge(membership)
        return membership


ARGS: dict[str, Arg] = {
    "organisation_id": Arg(lambda w, t: w.factory.organisation(t, kind="provider")),
    "invitation_id": Arg(lambda w, t: w.factory.invitation(t)[0]),
    "token": Arg(lambda w, t: w.factory.invitation(t), value=lambda pair, _: pair[1],
                 capability=True),
    "api_client_id": Arg(lambda w, t: w.factory.api_client(t)[0]),
    "client_id": Arg(lambda w, t: w.factory.api_client(t)[0],
                     value=lambda c, is_int: c.id if is_int else c.client_id),
    "member_id": Arg(_membership),
    "membership_id": Arg(_membership),
    "user_id": Arg(lambda w, t: _membership(w, t), value=lambda m, _: m.user_id),
    # Owner steering: one run of its services per tenant makes every kind of object.
    **{name: Arg(lambda w, t: w.factory.ownership_steering_once(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("goal_id", "goal"), ("meeting_id", "meeting"), ("item_id", "item"),
                         ("strategy_id", "strategy"), ("stake_id", "stake"), ("theme_id", "theme"),
                         ("report_id", "report"))},
    # Partnership: one run of its services per tenant makes every kind of object.
    **{name: Arg(lambda w, t: w.factory.partnership_rows(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("agreement_id", "agreement"), ("party_id", "party"),
                         ("version_id", "version"), ("commitment_id", "commitment"),
                         ("indicator_id", "indicator"), ("period_id", "period"),
                         ("outcome_id", "report"), ("document_id", "document"),
                         ("run_id", "run"))},
    # Association projects: one project per tenant, with one of each of its parts.
    **{name: Arg(lambda w, t: w.factory.project_rows(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("project_id", "project"), ("participant_id", "participant"),
                         ("funding_id", "funding"), ("milestone_id", "milestone"),
                         ("event_id", "event"), ("project_document_id", "document"))},
    # The shared indicator library: an indicator template (its id and code) per tenant.
    "template_id": Arg(lambda w, t: w.factory.library_rows(t), value=lambda ids, _: ids["template"]),
    "code": Arg(lambda w, t: w.factory.library_rows(t), value=lambda ids, _: ids["code"]),
    # Authorisation of providers: a criterion and an application answering it.
    **{name: Arg(lambda w, t: w.factory.authorisation_rows(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("criterion_id", "criterion"), ("application_id", "application"))},
    # An attachment of that application's answer (its file is not stored: a download is 404).
    "attachment_id": Arg(lambda w, t: w.factory.purchasing_rows(t),
                         value=lambda ids, _: ids["attachment"]),
    # A provider's invoice with a line.
    "invoice_id": Arg(lambda w, t: w.factory.purchasing_rows(t),
                      value=lambda ids, _: ids["invoice"]),
    # The compensation model: a version and a provider's enrolment.
    **{name: Arg(lambda w, t: w.factory.purchasing_rows(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("model_version_id", "version"), ("enrolment_id", "enrolment"))},
    # Training orders: an employer's sent order and a provider's offer on it.
    **{name: Arg(lambda w, t: w.factory.training_order_rows(t),
                 value=lambda ids, _, key=key: ids[key])
       for name, key in (("order_id", "order"), ("offer_id", "offer"))},
    # Quality dialogues: an agenda item, a dialogue, an observation and an agreed action.
    **{name: Arg(lambda w, t: w.factory.dialogue_rows(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("dialogue_id", "dialogue"), ("agenda_item_id", "agenda_item"),
                         ("observation_id", "observation"), ("dialogue_action_id", "action"))},
    # Spot checks: a spot check with a sampled item, and a follow-up action.
    **{name: Arg(lambda w, t: w.factory.spot_check_rows(t), value=lambda ids, _, key=key: ids[key])
       for name, key in (("spot_check_id", "spot_check"), ("sample_id", "item"),
                         ("action_id", "action"))},
}


# Public pages of a tenant (readable without signing in, e.g. the register of authorised
# providers): checked only to open for anyone and to change nothing.
PUBLIC_ENDPOINTS = {"partnership.authorisation_register", "tenants.accessibility_statement"}


# --- the two tenants -------------------------------------------------------------------------


class World:
    """Tenants A and B with members of every role, organisations and API clients."""

    def __init__(self, app, factory, sign_in, kind: str = "municipality"):
        self.app = app
        self.factory = factory
        self.a = factory.tenant("iso-a", kind=kind, name={"sv": "Alfakommun", "fi": "Alfakunta"})
        self.b = factory.tenant("iso-b", kind=kind, name={"sv": "Betakommun", "fi": "Betakunta"})
        self.organisations = {}
        for tenant in (self.a, self.b):
            for kind in OrganisationKind:
                self.organisations[tenant.slug, kind.value] = factory.organisation(
                    tenant, kind=kind.value, name={"sv": f"{kind.value} {tenant.slug}",
                                                   "fi": f"{kind.value} {tenant.slug}"})
            for role in ROLES:
                bound = BOUND_ROLES.get(role)
                factory.user(f"{role}@{tenant.slug}.example.org", tenant=tenant, roles=[role],
                             organisation=self.organisations[tenant.slug, bound] if bound else None)
        self.clients = {}
        for role in ROLES:
            client = app.test_client()
            sign_in(client, f"{role}@{self.a.slug}.example.org")
            self.clients[role] = client
        self.anonymous = app.test_client()
        # API clients of A: one acting for A's provider, one for nobody in particular.
        self.bearers = {}
        for label, organisation in (("provider client", self.organisations["iso-a", "provider"]),
                                    ("plain client", None)):
            api_client, _secret = factory.api_client(self.a, organisation=organisation)
            self.bearers[label] = factory.api_token(api_client, scope="read report")[1]
        self._objects: dict[tuple[str, str], object] = {}

    def obj(self, name: str, tenant):
        key = (name, tenant.slug)
        if key not in self._objects:
            self._objects[key] = ARGS[name].make(self, tenant)
        return self._objects[key]

    def values(self, rule, tenant, objects_of, *, missing: bool = False) -> dict:
        """URL values: ``tenant``'s slug, ids of ``objects_of``'s objects (or made-up ids)."""
        values = {TENANT_ARG: tenant.slug}
        for name in sorted(rule.arguments - {TENANT_ARG}):
            is_int = isinstance(rule._converters.get(name), IntegerConverter)
            if missing:
                values[name] = MISSING_ID if is_int else f"no-such-{name}-0123456789abcdef"
            else:
                values[name] = ARGS[name].value(self.obj(name, objects_of), is_int)
        return values


def tenant_rules(app) -> list:
    rules = [rule for rule in app.url_map.iter_rules() if TENANT_ARG in rule.arguments]
    return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def is_api(rule) -> bool:
    return rule.rule.startswith(API_PREFIX + "/")


def url(rule, values: dict) -> str:
    return rule.build(values, append_unknown=False)[1]


def describe(rule, method: str) -> str:
    return f"{method} {rule.rule} ({rule.endpoint})"


# --- plausible request bodies ----------------------------------------------------------------

GENERIC_FORM = {
    "confirm": "y", "name": "Isolation test", "email": "isolation@example.org",
    "roles": "viewer", "kind": "provider", "name_sv": "Isoleringstest", "name_fi": "Eristystesti",
    "scopes": "read", "password": "isolation test password", "reason": "isolation test",
}
GENERIC_JSON = {"name": {"sv": "Isoleringstest", "fi": "Eristystesti"}, "kind": "provider"}


class _FormParser(HTMLParser):
    """The fields of the POST forms of a page, with the values a person would submit."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action"), "fields": {}}
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            if tag == "option" and self._form is not None and self._select:
                fields = self._form["fields"]
                if not fields.get(self._select) and attrs.get("value"):
                    fields[self._select] = attrs["value"]
            return
        name, fields = attrs["name"], self._form["fields"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                fields.setdefault(name, attrs.get("value") or "y")
            elif kind not in ("submit", "button", "file"):
                fields[name] = attrs.get("value") or GENERIC_FORM.get(name, "Isolation test")
        elif tag == "textarea":
            fields[name] = "Isolation test"
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_body(world, rule) -> dict:
    """The form a member of A would submit at A's own URL, else a generic form."""
    if "GET" not in rule.methods:
        return dict(GENERIC_FORM)
    own = url(rule, world.values(rule, world.a, world.a))
    try:
        response = world.clients["admin"].get(own)
    except Exception:  # a broken page is another test's finding; use the generic form here
        return dict(GENERIC_FORM)
    if response.status_code != 200 or response.mimetype != "text/html":
        return dict(GENERIC_FORM)
    parser = _FormParser()
    parser.feed(response.get_data(as_text=True))
    forms = [f for f in parser.forms if f["action"] in (None, "", own)] or parser.forms
    return {**GENERIC_FORM, **forms[0]["fields"]} if forms else dict(GENERIC_FORM)


def _example(schema: dict, spec: dict):
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "example" in schema:
        return schema["example"]
    kind = schema.get("type")
    if schema.get("enum"):
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {name: _example(prop, spec) for name, prop in schema.get("properties", {}).items()
                if not prop.get("readOnly")}
    return {"string": "Isolation test", "integer": 1, "number": 1, "boolean": False,
            "array": []}.get(kind)


def api_body(spec: dict, rule, method: str):
    """The documented example (or one built from the schema) of the request body."""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
    operation = spec.get("paths", {}).get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return dict(GENERIC_JSON)
    return content.get("example") or _example(content.get("schema", {}), spec) or GENERIC_JSON


class Raised:
    """Stands in for the response of a request that raised (reported as a problem)."""

    def __init__(self, error: Exception):
        self.status_code = f"an exception ({type(error).__name__}: {error})"
        self.headers = {}

    def get_data(self, as_text=False):
        return ""


def send(client, method: str, path: str, body, *, api: bool, headers: dict | None = None):
    if api and method in ("PUT", "PATCH", "DELETE"):
        # Updates need If-Match (else 428 before anything is looked up): send a plausible one.
        headers = {"If-Match": '"0123456789abcdef0123456789abcdef"', **(headers or {})}
    try:
        if method == "GET":
            return client.open(path, method=method, headers=headers)
        if api:
            return client.open(path, method=method, json=body, headers=headers)
        return client.open(path, method=method, data=body, headers=headers)
    except Exception as error:  # the test reports it with the route and goes on
        return Raised(error)


# --- the tests -------------------------------------------------------------------------------


def test_every_url_argument_of_a_tenant_route_has_a_factory(app):
    unknown = [
        f"{rule.rule} ({rule.endpoint}): {name}"
        for rule in tenant_rules(app)
        for name in sorted(rule.arguments - {TENANT_ARG})
        if name not in ARGS
    ]
    assert not unknown, (
        "tenant routes with URL arguments the isolation test cannot fill; add them to ARGS in "
        "tests/test_isolation.py:\n  " + "\n  ".join(unknown)
    )


def test_the_isolation_test_finds_the_tenant_routes(app):
    rules = tenant_rules(app)
    assert any(not is_api(rule) for rule in rules), "no tenant pages found in the URL map"
    assert any(is_api(rule) for rule in rules), "no tenant API routes found in the URL map"
    for rule in app.url_map.iter_rules():
        inside = rule.rule.startswith("/t/") or rule.rule.startswith(API_PREFIX + "/t/")
        assert not inside or TENANT_ARG in rule.arguments, f"{rule.rule} has no tenant slug"


@dataclass
class Findings:
    problems: list[str]
    exercised: set[tuple[str, str]]
    requests: int = 0


def check_isolation(app, world: World, snapshots, rules) -> Findings:
    """Run every check of the module docstring on ``rules``; return what went wrong."""
    spec = app.test_client().get(f"{API_PREFIX}/openapi.json").get_json()
    found = Findings([], set())
    b_names = list(world.b.name.values())

    def check(label, response, allowed: set[int], rule, method, *, sign_in_redirect=False):
        found.requests += 1
        status = response.status_code
        ok = status in allowed
        if not ok and sign_in_redirect and status in (301, 302, 303, 307, 308):
            ok = response.headers.get("Location", "").split("?")[0].endswith("/signin")
        if not ok:
            found.problems.append(
                f"{describe(rule, method)}: {label} got {status}, expected {sorted(allowed)}"
                f"{' or a redirect to sign-in' if sign_in_redirect else ''}")
        leaked = [name for name in b_names if name in response.get_data(as_text=True)]
        if leaked:
            found.problems.append(f"{describe(rule, method)}: {label}: the response names "
                                  f"tenant B ({leaked})")
        return status

    def same_as_nowhere(label, with_b, client, method, a_made_up, body, api, headers, rule):
        found.requests += 1
        nowhere = send(client, method, a_made_up, body, api=api, headers=headers).status_code
        if with_b != nowhere:
            found.problems.append(
                f"{describe(rule, method)}: {label} got {with_b} for B's ids but {nowhere} for "
                f"ids that exist nowhere (so B's objects show through)")

    for rule in rules:
        names = rule.arguments - {TENANT_ARG}
        if names - set(ARGS):
            continue  # reported by test_every_url_argument_of_a_tenant_route_has_a_factory
        if rule.endpoint in PUBLIC_ENDPOINTS and not names:
            # A public page of a tenant: anyone reads it; it takes no ids and changes nothing.
            for method in methods_of(rule):
                before, found.requests = snapshots.take(), found.requests + 1
                status = send(world.anonymous, method, url(rule, {TENANT_ARG: world.b.slug}),
                              None, api=False).status_code
                # an empty form sent to a public page (a feedback form) is refused as invalid
                if status != 200 and not (method in STATE_CHANGING and status == 400):
                    found.problems.append(f"{describe(rule, method)}: public page got {status}")
                changes = snapshots.changes(before, snapshots.take())
                if changes:
                    found.problems.append(f"{describe(rule, method)}: the database changed: "
                                          f"{changes}")
                found.exercised.add((rule.rule, method))
            continue
        api = is_api(rule)
        capability = any(ARGS[name].capability for name in names)
        refused = {401, 403, 404} if api else {403, 404}
        b_url = url(rule, world.values(rule, world.b, world.b))
        b_made_up = url(rule, world.values(rule, world.b, world.b, missing=True))
        a_with_b_ids = url(rule, world.values(rule, world.a, world.b)) if names else None
        a_made_up = url(rule, world.values(rule, world.a, world.a, missing=True)) if names else None
        for method in methods_of(rule):
            body = api_body(spec, rule, method) if api else page_body(world, rule)
            before = snapshots.take()
            # People: members of A in every role (their session; on the API too).
            for role, client in world.clients.items():
                who = f"a member of A ({role})"
                if not capability:
                    check(f"{who} on B's URL", send(client, method, b_url, body, api=api),
                          refused, rule, method)
                check(f"{who} on B's URL with a made-up id",
                      send(client, method, b_made_up, body, api=api), refused, rule, method)
                if a_with_b_ids:
                    label = f"{who} on A's URL with B's ids"
                    with_b = check(label, send(client, method, a_with_b_ids, body, api=api),
                                   refused, rule, method)
                    same_as_nowhere(label, with_b, client, method, a_made_up, body, api, None,
                                    rule)
            # Machines: bearer tokens of A's API clients.
            if api:
                for name, bearer in world.bearers.items():
                    auth = {"Authorization": f"Bearer {bearer}"}
                    if not capability:
                        check(f"A's {name} on B's URL",
                              send(world.anonymous, method, b_url, body, api=True, headers=auth),
                              refused, rule, method)
                    if a_with_b_ids:
                        label = f"A's {name} on A's URL with B's ids"
                        with_b = check(label, send(world.anonymous, method, a_with_b_ids, body,
                                                   api=True, headers=auth), refused, rule, method)
                        same_as_nowhere(label, with_b, world.anonymous, method, a_made_up, body,
                                        True, auth, rule)
            # Nobody signed in.
            check("someone not signed in on B's URL",
                  send(world.anonymous, method, b_made_up if capability else b_url, body, api=api),
                  {401, 404} if api else {404}, rule, method, sign_in_redirect=not api)
            changes = snapshots.changes(before, snapshots.take())
            if changes:
                found.problems.append(f"{describe(rule, method)}: the database changed: {changes}")
            found.exercised.add((rule.rule, method))
    return found


def test_a_member_of_one_tenant_cannot_reach_another(app, factory, sign_in_as, snapshots,
                                                     summary):
    world = World(app, factory, sign_in_as)
    rules = tenant_rules(app)
    found = check_isolation(app, world, snapshots, rules)

    expected = {(rule.rule, method) for rule in rules for method in methods_of(rule)}
    not_exercised = sorted(expected - found.exercised)
    capabilities = sorted({rule.rule for rule in rules
                           if any(ARGS[n].capability for n in rule.arguments if n in ARGS)})
    summary(f"isolation: {len(rules)} tenant routes "
            f"({sum(not is_api(r) for r in rules)} pages, {sum(is_api(r) for r in rules)} API), "
            f"{len(found.exercised)}/{len(expected)} route x method pairs checked with "
            f"{len(ROLES)} roles and {len(world.bearers)} API clients, {found.requests} requests")
    if capabilities:
        summary("isolation: capability URLs (a secret in the URL; only wrong-tenant and made-up "
                f"values checked): {', '.join(capabilities)}")
    assert not not_exercised, "tenant routes not exercised:\n  " + "\n  ".join(
        f"{method} {rule}" for rule, method in not_exercised)
    assert not found.problems, (f"{len(found.problems)} isolation problems:\n  "
                                + "\n  ".join(found.problems))


ASSOCIATION_ENDPOINTS = re.compile(r"project|librar|benchmark")


def test_association_routes_are_isolated_between_associations(app, factory, sign_in_as,
                                                               snapshots, summary):
    """The coordinator's routes (projects, library, benchmarks) reached in earnest: A and B are
    associations here, so a coordinator of A passes the role checks and only the tenant stops
    it (the test above, between municipalities, is refused earlier for these routes)."""
    world = World(app, factory, sign_in_as, kind="association")
    own_projects = world.clients["coordinator"].get(f"/t/{world.a.slug}/projects")
    assert own_projects.status_code == 200, "a coordinator of A cannot open A's projects"
    rules = [rule for rule in tenant_rules(app) if ASSOCIATION_ENDPOINTS.search(rule.endpoint)]
    assert len(rules) >= 10
    found = check_isolation(app, world, snapshots, rules)
    summary(f"isolation between associations: {len(rules)} project, library and benchmark "
            f"routes, {len(found.exercised)} route x method pairs, {found.requests} requests")
    assert not found.problems, (f"{len(found.problems)} isolation problems:\n  "
                                + "\n  ".join(found.problems))


def test_the_isolation_check_catches_a_leaky_route(app, factory, sign_in_as, snapshots):
    """A route that forgets its tenant (reads by id in platform scope, writes across tenants)
    is reported; so the checks above are not vacuous."""
    from samverkan.platform.db import platform_scope
    from samverkan.tenants.models import Organisation

    def leaky(organisation_id):
        from flask import request

        with platform_scope("a deliberately broken view"):
            organisation = db.session.get(Organisation, organisation_id)
            if organisation is None:
                return "nothing", 404
            if request.method == "POST":
                organisation.is_archived = True
                db.session.commit()
            return f"{organisation.name['sv']} of tenant {organisation.tenant_id}"

    app.add_url_rule("/t/<slug>/leaky/<int:organisation_id>", "leaky", leaky,
                     methods=["GET", "POST"])
    world = World(app, factory, sign_in_as)
    rules = [rule for rule in tenant_rules(app) if rule.endpoint == "leaky"]
    found = check_isolation(app, world, snapshots, rules)
    assert found.exercised == {(rules[0].rule, "GET"), (rules[0].rule, "POST")}
    text = "\n".join(found.problems)
    assert "GET /t/<slug>/leaky/<int:organisation_id> (leaky): a member of A (viewer) on B's URL " \
           "got 200" in text
    assert "on A's URL with B's ids got 200 for B's ids but 404" in text
    assert "POST /t/<slug>/leaky/<int:organisation_id> (leaky): the database changed" in text


def test_an_unknown_url_argument_is_reported(app):
    app.add_url_rule("/t/<slug>/widgets/<int:widget_id>", "widget", lambda widget_id: "")
    with pytest.raises(AssertionError, match=r"/t/<slug>/widgets/<int:widget_id> \(widget\): "
                                             r"widget_id"):
        test_every_url_argument_of_a_tenant_route_has_a_factory(app)


@pytest.mark.parametrize("role", ROLES)
def test_own_tenant_pages_still_open_for_members(app, factory, sign_in_as, role):
    """The refusals above are about the other tenant: the own tenant's start page opens."""
    world_tenant = factory.tenant("own")
    organisation = factory.organisation(world_tenant, kind=BOUND_ROLES.get(role, "provider"))
    factory.user(f"{role}@own.example.org", tenant=world_tenant, roles=[role],
                 organisation=organisation if role in BOUND_ROLES else None)
    client = app.test_client()
    sign_in_as(client, f"{role}@own.example.org")
    assert client.get("/t/own/").status_code == 200
    assert client.get(f"{API_PREFIX}/t/own/me").status_code == 200
