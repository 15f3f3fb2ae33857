"""The models and the Alembic migrations must describe the same schema, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.db.base import Base
from tests.conftest import Database


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(database: Database) -> None:
    async with database.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], f"models and migrations disagree: {diff}"


async def test_every_tenant_table_indexes_business_id_first(database: Database) -> None:
    def check(connection: Connection) -> list[str]:
        insp = inspect(connection)
        missing = []
        for table in insp.get_table_names():
            columns = {c["name"] for c in insp.get_columns(table)}
            if "business_id" not in columns or table == "businesses":
                continue
            leading = [i["column_names"][0] for i in insp.get_indexes(table)]
            leading += [u["column_names"][0] for u in insp.get_unique_constraints(table)]
            leading += insp.get_pk_constraint(table)["constrained_columns"][:1]
            if "business_id" not in leading:
                missing.append(table)
        return missing

    async with database.engine.connect() as conn:
        assert await conn.run_sync(check) == []
