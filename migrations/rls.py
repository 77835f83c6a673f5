"""Row-level security of tenant-owned tables, shared by the migrations that create them.

A table's policy ``tenant_isolation`` lets a row through when its ``tenant_id`` is the
transaction's ``app.tenant_id``, or when ``app.platform`` is ``on`` (platform code), for reading
and for writing alike. ``FORCE`` applies it to the table's owner too. PostgreSQL only: on other
databases these functions do nothing.
"""
from alembic import op

RULE = (
    "(tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
    " OR current_setting('app.platform', true) = 'on')"
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable(*tables: str) -> None:
    """Turn row-level security on for ``tables`` with the tenant isolation policy."""
    if not _postgresql():
        return
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING {RULE} WITH CHECK {RULE}")


def disable(*tables: str) -> None:
    """Drop the policy and turn row-level security off for ``tables``."""
    if not _postgresql():
        return
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
