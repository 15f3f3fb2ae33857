"""Connection records: input parsing (no database), and connect / disconnect / reconnect with
encrypted tokens, audit entries and tenant isolation (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.crypto import SecretBox
from services.db.models import AuditLog, IntegrationConnection, MarketingChannel
from services.errors import InvalidInput, NotFound
from services.integrations import (
    Kind,
    connect,
    disconnect,
    get_connection,
    list_connections,
    parse_account_ref,
    parse_client_id,
    parse_kind,
    parse_secret,
)
from services.integrations.connections import decrypt
from tests.factories import make_owner

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_account_ids_are_checked_per_integration() -> None:
    assert parse_account_ref(Kind.GOOGLE_ADS, " 123-456-7890 ") == "1234567890"
    assert parse_account_ref(Kind.GA4, "properties/345678901") == "345678901"
    assert parse_account_ref(Kind.INSTAGRAM, "17841400000000") == "17841400000000"
    for kind, raw in ((Kind.GOOGLE_ADS, "12345"), (Kind.INSTAGRAM, "@cafe"),
                      (Kind.FACEBOOK, "12; drop")):
        with pytest.raises(InvalidInput):
            parse_account_ref(kind, raw)


def test_secrets_and_client_ids_are_one_word_of_sane_length() -> None:
    assert parse_secret("  " + "E" * 40 + "\n") == "E" * 40
    for raw in ("", "short", "two words " + "x" * 30, "x" * 3000):
        with pytest.raises(InvalidInput):
            parse_secret(raw)
    assert parse_client_id("12-ab.apps.googleusercontent.com").endswith(".com")
    with pytest.raises(InvalidInput):
        parse_client_id("12-ab.example.com")
    with pytest.raises(InvalidInput):
        parse_kind("tiktok")


async def test_connect_disconnect_and_reconnect(session: AsyncSession) -> None:
    business = await make_owner(session, 8201)
    other = await make_owner(session, 8202)
    box = SecretBox([SecretBox.generate_key()])
    token = "EAAG" + "t" * 40
    view = await connect(session, box=box, business_id=business.id, kind=Kind.INSTAGRAM,
                         account_ref="1784140001", account_name="@cafe",
                         credentials={"token": token}, user_id=8201, now=NOW)
    row = await session.get(IntegrationConnection, view.id)
    assert row is not None and token not in row.credentials_encrypted
    assert decrypt(box, row) == {"token": token}
    channel = await session.get(MarketingChannel, view.channel_id)
    assert channel is not None and channel.kind == "instagram"
    assert await list_connections(session, business_id=other.id, now=NOW) == []
    with pytest.raises(NotFound):
        await get_connection(session, business_id=other.id, kind=Kind.INSTAGRAM, now=NOW)

    row.last_success_at = NOW
    await disconnect(session, business_id=business.id, kind=Kind.INSTAGRAM, user_id=8201,
                     now=NOW)
    assert row.credentials_encrypted == ""
    assert await list_connections(session, business_id=business.id, now=NOW) == []
    later = NOW + timedelta(days=3)
    again = await connect(session, box=box, business_id=business.id, kind=Kind.INSTAGRAM,
                          account_ref="1784149999", account_name="@cafe2",
                          credentials={"token": token}, user_id=8201, now=later)
    assert again.id == view.id and again.last_success_at is None
    assert not again.stale(later + timedelta(hours=1))  # a fresh connection, not a gap
    assert again.stale(later + timedelta(hours=3))
    actions = list(await session.scalars(select(AuditLog.action).where(
        AuditLog.business_id == business.id, AuditLog.action.like("integration.%"))
        .order_by(AuditLog.id)))
    assert actions == ["integration.connect", "integration.disconnect", "integration.connect"]
