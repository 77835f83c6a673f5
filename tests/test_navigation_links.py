"""Every link of the main navigation and of the section tabs that a role is shown opens for that
role: no tab leads to a refusal. On the demo data, for the roles of the demo in Falun and in
Kustregionen."""

from __future__ import annotations

import re

import pytest

from samverkan.platform.demo import DEMO_PASSWORD, seed

NAV = re.compile(r'<nav class="(?:main-nav|tabs[^"]*)"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="(/t/[^"?#]+)"')
MEMBERS = [
    ("counsellor@example.org", "falun"), ("purchaser@example.org", "falun"),
    ("lernia@example.org", "falun"), ("viewer@example.org", "kustregionen"),
    ("owner.korsholm@example.org", "kustregionen"), ("provider@example.org", "kustregionen"),
]


@pytest.fixture
def demo(app):
    with app.app_context():
        seed()
    return app


def _links(html: str) -> set[str]:
    return {href for block in NAV.findall(html) for href in HREF.findall(block)}


def test_every_navigation_link_a_role_is_shown_opens(demo, sign_in_as):
    refused = []
    for email, slug in MEMBERS:
        client = demo.test_client()
        sign_in_as(client, email, DEMO_PASSWORD)
        seen: set[str] = set()
        queue = [f"/t/{slug}/", f"/t/{slug}/partnership"]
        while queue:
            path = queue.pop()
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code != 200:
                refused.append(f"{email}: {path} answers {response.status_code}")
                continue
            queue.extend(_links(response.get_data(as_text=True)) - seen)
        assert len(seen) > 2, f"{email}: no navigation found"
    assert not refused, "\n".join(refused)
