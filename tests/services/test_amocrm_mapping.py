"""AmoCRM mapping, webhook parsing and the client against the fake — no database."""

from __future__ import annotations

import pytest

from services.amocrm import mapping as mp
from services.amocrm.client import (
    AmoAuthError,
    AmoClient,
    AmoNotFound,
    AmoServerError,
    AmoValidationError,
    RateLimiter,
)
from tests.fakes.amocrm import PIPELINE_ID, STATUSES, FakeAmoCRM, ManualClock

PIPELINES = [{"id": PIPELINE_ID, "name": "Sales", "is_main": True, "is_archive": False,
              "statuses": [{"id": i, "name": n, "sort": s, "type": t}
                           for i, n, s, t in STATUSES]}]


def test_default_mapping_spreads_open_statuses_and_fixes_won_lost() -> None:
    mapping = mp.default_mapping(PIPELINES, bp_id_field=77, responsible_user_id=5)
    assert mapping["pipeline_id"] == PIPELINE_ID
    assert mapping["statuses"] == {"3101": "awareness", "3102": "interest",
                                   "3103": "consideration", "3104": "intent",
                                   "142": "won", "143": "lost"}
    assert mapping["fields"]["phone"] == "PHONE" and mapping["fields"]["bp_id"] == 77
    two = [{**PIPELINES[0], "statuses": PIPELINES[0]["statuses"][:2]}]
    assert mp.default_mapping(two)["statuses"]["3102"] == "consideration"


def test_statuses_map_both_ways() -> None:
    mapping = mp.default_mapping(PIPELINES)
    assert mp.amo_status(mapping, PIPELINES, stage="intent", status="qualified") == 3104
    assert mp.amo_status(mapping, PIPELINES, stage="purchase", status="new") == 3104
    assert mp.amo_status(mapping, PIPELINES, stage="awareness", status="won") == 142
    assert mp.amo_status(mapping, PIPELINES, stage="interest", status="lost") == 143
    assert mp.target_of(mapping, 142) == "won" and mp.target_of(mapping, 999) is None
    assert mp.local_state("won", stage="intent", status="qualified") == ("purchase", "won")
    assert mp.local_state("lost", stage="intent", status="new") == ("intent", "lost")
    assert mp.local_state("interest", stage="awareness", status="new") == ("interest",
                                                                          "contacted")
    assert mp.local_state("awareness", stage="intent", status="won") == ("awareness", "new")


def test_only_changed_fields_are_patched() -> None:
    mapping = mp.default_mapping(PIPELINES)
    mapping["fields"]["utm_source"] = 11
    values = mp.lead_values(name="Aziza", price=0, status_id=3101, phone="+998901234567",
                            email=None, utm_source="insta", utm_medium=None,
                            utm_campaign=None, source="chatbot")
    assert mp.lead_patch(mapping, 5, mp.changed(values, values)) is None
    diff = mp.changed({**values, "utm_source": "tg"}, values)
    assert mp.lead_patch(mapping, 5, diff) == {
        "id": 5, "custom_fields_values": [{"field_id": 11, "values": [{"value": "tg"}]}]}
    body = mp.complex_lead(mapping, values, mark="bp-1-lead-2")
    assert body["_embedded"]["contacts"][0]["custom_fields_values"] == [
        {"field_code": "PHONE", "values": [{"value": "+998901234567", "enum_code": "WORK"}]}]
    assert body["request_id"] == "bp-1-lead-2" and body["status_id"] == 3101


def test_webhook_form_is_parsed_in_index_order() -> None:
    pairs = [("leads[status][1][id]", "9"), ("leads[status][0][id]", "8"),
             ("leads[status][0][status_id]", "142"), ("leads[status][0][pipeline_id]", "3001"),
             ("leads[status][0][old_status_id]", "3101"),
             ("leads[status][0][last_modified]", "1764579600"),
             ("leads[status][0][custom_fields][0][id]", "77"),
             ("leads[status][0][custom_fields][0][values][0][value]", "bp-1-lead-2"),
             ("contacts[add][0][id]", "31"), ("contacts[add][0][name]", "Aziza"),
             ("contacts[add][0][custom_fields][0][code]", "PHONE"),
             ("contacts[add][0][custom_fields][0][values][0][value]", "+998 90 123 45 67"),
             ("account[id]", "29001"), ("account[subdomain]", "acme")]
    form = mp.parse_form(pairs)
    assert form["account"] == {"id": "29001", "subdomain": "acme"}
    events = mp.webhook_events(form)
    assert [(e.entity, e.action, e.record.id) for e in events] == [
        ("leads", "status", 8), ("leads", "status", 9), ("contacts", "add", 31)]
    lead = events[0].record
    assert (lead.status_id, lead.modified, lead.fields) == (142, 1764579600,
                                                            {"77": "bp-1-lead-2"})
    assert mp.phone_of(events[2].record, {}) == "+998 90 123 45 67"
    assert mp.webhook_events(mp.parse_form([("leads[add][0][name]", "no id")])) == []


async def test_rate_limiter_never_lets_more_than_seven_into_a_second() -> None:
    clock = ManualClock()
    limiter = RateLimiter(7, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(30):
        await limiter.acquire()
        starts.append(clock())
    assert all(b - a >= 1.0 for a, b in zip(starts, starts[7:], strict=False))
    assert starts[-1] - starts[0] < 4.1  # and no slower than it must be


async def test_client_retries_429_and_5xx_then_raises_typed_errors() -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock, rate=3) as fake:
        fake.add_account("acme")
        client = AmoClient(subdomain="acme", base_url=fake.base_template, rate=10,
                           max_retries=3, backoff=0.5, clock=clock, sleep=clock.sleep)
        with pytest.raises(AmoAuthError):  # an unknown bearer is 401, not retried
            await client.request("GET", "/api/v4/account", token="x")
        code = fake.authorize("acme")
        pair = await client.exchange_code(client_id="client-id-0001",
                                          client_secret="client-secret-0001", code=code,
                                          redirect_uri="http://x/amocrm/oauth")
        with pytest.raises(AmoAuthError):  # the code is single-use
            await client.exchange_code(client_id="client-id-0001",
                                       client_secret="client-secret-0001", code=code,
                                       redirect_uri="http://x/amocrm/oauth")
        # a client allowed 10/s against a server allowing 3/s: 429s, backed off, all served
        for _ in range(6):
            await client.request("GET", "/api/v4/account", token=pair.access_token)
        assert fake.rate_limited >= 1 and clock.slept
        fake.rate = 100
        fake.fail("/api/v4/leads/pipelines", 503, times=2)
        body = await client.request("GET", "/api/v4/leads/pipelines", token=pair.access_token)
        assert body["_embedded"]["pipelines"][0]["id"] == PIPELINE_ID
        fake.fail("/api/v4/leads/pipelines", 500, times=9)
        with pytest.raises(AmoServerError):
            await client.request("GET", "/api/v4/leads/pipelines", token=pair.access_token)
        with pytest.raises(AmoValidationError) as bad:
            await client.request("POST", "/api/v4/leads/complex", token=pair.access_token,
                                 json=[{"name": ""}])
        assert "Validation" in bad.value.detail
        with pytest.raises(AmoNotFound):
            await client.request("GET", "/api/v4/nothing", token=pair.access_token)
        fresh = await client.refresh(client_id="client-id-0001",
                                     client_secret="client-secret-0001",
                                     refresh_token=pair.refresh_token, redirect_uri="http://x")
        assert fresh.access_token != pair.access_token
        with pytest.raises(AmoAuthError):  # the refresh token was single-use
            await client.refresh(client_id="client-id-0001", client_secret="client-secret-0001",
                                 refresh_token=pair.refresh_token, redirect_uri="http://x")
        await client.close()
