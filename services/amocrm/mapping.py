"""Pure mapping between BiznesPilot records and AmoCRM entities (no I/O).

The mapping lives in ``AmoAccount.mapping``::

    {"pipeline_id": 1, "statuses": {"<status id>": "<target>"}, "fields": {...},
     "responsible_user_id": 5}

A target is a funnel stage (``services.sales.STAGES``) or ``won`` / ``lost``. Fields: ``phone``
and ``email`` are contact system codes; ``utm_source``/``utm_medium``/``utm_campaign``/``source``
and ``bp_id`` (our idempotency marker) are lead custom field ids or None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.sales import STAGES

WON, LOST = 142, 143
TARGETS = (*STAGES, "won", "lost")
LEAD_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "source")
BP_ID_FIELD_NAME = "BiznesPilot ID"
TAG = "BiznesPilot"


def marker(business_id: int, entity: str, local_id: int) -> str:
    """The idempotency key written into a created deal (request id and the bp_id field)."""
    return f"bp-{business_id}-{entity}-{local_id}"


def statuses_of(pipelines: list[dict[str, Any]], pipeline_id: int | None
                ) -> list[dict[str, Any]]:
    for pipeline in pipelines:
        if pipeline.get("id") == pipeline_id:
            return sorted(pipeline.get("statuses") or [], key=lambda s: s.get("sort", 0))
    return []


def main_pipeline(pipelines: list[dict[str, Any]]) -> int | None:
    live = [p for p in pipelines if not p.get("is_archive")]
    for pipeline in live:
        if pipeline.get("is_main"):
            return int(pipeline["id"])
    return int(live[0]["id"]) if live else None


def default_statuses(pipelines: list[dict[str, Any]], pipeline_id: int | None
                     ) -> dict[str, str]:
    """142 won, 143 lost; the open statuses spread in order over awareness → intent (the
    first one, usually "incoming", is awareness)."""
    open_stages = STAGES[:4]
    statuses: dict[str, str] = {}
    open_ids = [int(s["id"]) for s in statuses_of(pipelines, pipeline_id)
                if int(s["id"]) not in (WON, LOST)]
    for index, status_id in enumerate(open_ids):
        position = index * len(open_stages) // max(1, len(open_ids))
        statuses[str(status_id)] = open_stages[min(position, len(open_stages) - 1)]
    statuses[str(WON)], statuses[str(LOST)] = "won", "lost"
    return statuses


def default_mapping(pipelines: list[dict[str, Any]], *, bp_id_field: int | None = None,
                    responsible_user_id: int | None = None) -> dict[str, Any]:
    """Sensible defaults: the main pipeline with ``default_statuses``; contact PHONE/EMAIL;
    no UTM fields until the owner picks them."""
    pipeline_id = main_pipeline(pipelines)
    return {"pipeline_id": pipeline_id, "statuses": default_statuses(pipelines, pipeline_id),
            "fields": {"phone": "PHONE", "email": "EMAIL", "utm_source": None,
                       "utm_medium": None, "utm_campaign": None, "source": None,
                       "bp_id": bp_id_field},
            "responsible_user_id": responsible_user_id}


def target_of(mapping: dict[str, Any], status_id: int | None) -> str | None:
    """What an AmoCRM status means here (None: unmapped, e.g. another pipeline)."""
    if status_id is None:
        return None
    if status_id == WON:
        return "won"
    if status_id == LOST:
        return "lost"
    found = (mapping.get("statuses") or {}).get(str(status_id))
    return str(found) if found in TARGETS else None


def local_state(target: str, *, stage: str, status: str) -> tuple[str, str]:
    """The lead's (stage, status) after AmoCRM moved it to ``target``."""
    if target == "won":
        return "purchase", "won"
    if target == "lost":
        return stage, "lost"
    new_status = "new" if target == STAGES[0] else (
        status if status in ("contacted", "qualified") else "contacted")
    return target, new_status


def amo_status(mapping: dict[str, Any], pipelines: list[dict[str, Any]], *, stage: str,
               status: str) -> int | None:
    """The AmoCRM status for a lead: won → 142, lost → 143, else the first status mapped to
    its stage (or to the nearest earlier stage)."""
    if status == "won":
        return WON
    if status == "lost":
        return LOST
    order = statuses_of(pipelines, mapping.get("pipeline_id"))
    targets = mapping.get("statuses") or {}
    index = STAGES.index(stage) if stage in STAGES else 0
    for wanted in reversed(STAGES[: index + 1]):
        for s in order:
            if targets.get(str(s["id"])) == wanted:
                return int(s["id"])
    opened = [int(s["id"]) for s in order if int(s["id"]) not in (WON, LOST)]
    return opened[0] if opened else None


# --------------------------------------------------------------------------- values


def lead_values(*, name: str, price: int, status_id: int | None, phone: str | None,
                email: str | None, utm_source: str | None, utm_medium: str | None,
                utm_campaign: str | None, source: str | None) -> dict[str, Any]:
    """The compared snapshot of a deal (what ``AmoLink.synced`` holds)."""
    return {"name": name, "price": price, "status_id": status_id, "phone": phone,
            "email": email, "utm_source": utm_source, "utm_medium": utm_medium,
            "utm_campaign": utm_campaign, "source": source}


def contact_values(*, name: str, phone: str | None, email: str | None) -> dict[str, Any]:
    return {"name": name, "phone": phone, "email": email}


def changed(values: dict[str, Any], synced: dict[str, Any]) -> dict[str, Any]:
    """Fields whose value differs from the last agreed one."""
    return {k: v for k, v in values.items() if k not in synced or synced[k] != v}


def _system(code: str, value: str) -> dict[str, Any]:
    return {"field_code": code, "values": [{"value": value, "enum_code": "WORK"}]}


def contact_fields(mapping: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    fields = mapping.get("fields") or {}
    out = []
    if values.get("phone") and fields.get("phone"):
        out.append(_system(str(fields["phone"]), str(values["phone"])))
    if values.get("email") and fields.get("email"):
        out.append(_system(str(fields["email"]), str(values["email"])))
    return out


def lead_fields(mapping: dict[str, Any], values: dict[str, Any],
                mark: str | None = None) -> list[dict[str, Any]]:
    fields = mapping.get("fields") or {}
    out = []
    for name in LEAD_FIELDS:
        if name in values and fields.get(name) and values[name] is not None:
            out.append({"field_id": int(fields[name]), "values": [{"value": values[name]}]})
    if mark and fields.get("bp_id"):
        out.append({"field_id": int(fields["bp_id"]), "values": [{"value": mark}]})
    return out


def complex_lead(mapping: dict[str, Any], values: dict[str, Any], *, mark: str,
                 contact_id: int | None = None) -> dict[str, Any]:
    """One element of a ``POST /api/v4/leads/complex`` body."""
    body: dict[str, Any] = {"name": values["name"], "price": int(values.get("price") or 0),
                            "request_id": mark,
                            "custom_fields_values": lead_fields(mapping, values, mark)}
    if mapping.get("pipeline_id"):
        body["pipeline_id"] = int(mapping["pipeline_id"])
    if values.get("status_id"):
        body["status_id"] = int(values["status_id"])
    contact: dict[str, Any] | None = None
    if contact_id:
        contact = {"id": contact_id}
    elif values.get("phone") or values.get("email") or values.get("contact_name"):
        contact = {"name": values.get("contact_name") or values["name"],
                   "custom_fields_values": contact_fields(mapping, values)}
    body["_embedded"] = {"tags": [{"name": TAG}], **({"contacts": [contact]} if contact else {})}
    if not body["custom_fields_values"]:
        del body["custom_fields_values"]
    return body


def lead_patch(mapping: dict[str, Any], amo_id: int, diff: dict[str, Any]
               ) -> dict[str, Any] | None:
    """A ``PATCH /api/v4/leads`` element for the changed deal fields (None: nothing)."""
    body: dict[str, Any] = {"id": amo_id}
    if "name" in diff:
        body["name"] = diff["name"]
    if "price" in diff:
        body["price"] = int(diff["price"] or 0)
    if diff.get("status_id"):
        body["status_id"] = int(diff["status_id"])
        if mapping.get("pipeline_id") and diff["status_id"] not in (WON, LOST):
            body["pipeline_id"] = int(mapping["pipeline_id"])
    custom = lead_fields(mapping, diff)
    if custom:
        body["custom_fields_values"] = custom
    return body if len(body) > 1 else None


def contact_patch(mapping: dict[str, Any], contact_id: int, diff: dict[str, Any],
                  *, name: str | None = None) -> dict[str, Any] | None:
    body: dict[str, Any] = {"id": contact_id}
    if name is not None:
        body["name"] = name
    custom = contact_fields(mapping, diff)
    if custom:
        body["custom_fields_values"] = custom
    return body if len(body) > 1 else None


# --------------------------------------------------------------------------- inbound


@dataclass
class AmoRecord:
    """A lead or contact as AmoCRM described it (webhook or API), normalised."""

    id: int
    name: str | None = None
    status_id: int | None = None
    pipeline_id: int | None = None
    price: int | None = None
    modified: int | None = None  # unix time
    fields: dict[str, str] = field(default_factory=dict)  # field id or code -> first value
    contact_ids: list[int] = field(default_factory=list)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def to_int(value: Any) -> int | None:
    """An id or number from AmoCRM (strings included), or None."""
    return _int(value)


def record_from_api(item: dict[str, Any]) -> AmoRecord:
    """``GET /api/v4/leads|contacts`` element → ``AmoRecord``."""
    fields: dict[str, str] = {}
    for cf in item.get("custom_fields_values") or []:
        values = cf.get("values") or []
        if not values:
            continue
        value = str(values[0].get("value", ""))
        if cf.get("field_id") is not None:
            fields[str(cf["field_id"])] = value
        if cf.get("field_code"):
            fields[str(cf["field_code"])] = value
    contacts = ((item.get("_embedded") or {}).get("contacts")) or []
    return AmoRecord(id=int(item["id"]), name=item.get("name"),
                     status_id=_int(item.get("status_id")),
                     pipeline_id=_int(item.get("pipeline_id")), price=_int(item.get("price")),
                     modified=_int(item.get("updated_at")), fields=fields,
                     contact_ids=[int(c["id"]) for c in contacts if _int(c.get("id"))])


def record_from_webhook(item: dict[str, Any]) -> AmoRecord | None:
    """One parsed webhook element (``leads[status][0]``…) → ``AmoRecord``."""
    amo_id = _int(item.get("id"))
    if amo_id is None:
        return None
    fields: dict[str, str] = {}
    for cf in _ordered(item.get("custom_fields")):
        values = _ordered(cf.get("values"))
        if not values:
            continue
        first = values[0]
        value = str(first.get("value", "")) if isinstance(first, dict) else str(first)
        if cf.get("id") is not None:
            fields[str(cf["id"])] = value
        if cf.get("code"):
            fields[str(cf["code"])] = value
    return AmoRecord(id=amo_id, name=item.get("name"), status_id=_int(item.get("status_id")),
                     pipeline_id=_int(item.get("pipeline_id")), price=_int(item.get("price")),
                     modified=_int(item.get("last_modified") or item.get("updated_at")),
                     fields=fields)


def _ordered(node: Any) -> list[Any]:
    """A PHP-style ``{"0": …, "1": …}`` node (or a list) as a list in index order."""
    if isinstance(node, list):
        return node
    if isinstance(node, dict):
        return [node[k] for k in sorted(node, key=lambda k: (_int(k) is None, _int(k) or 0))]
    return []


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style keys (``leads[status][0][id]=5``) into nested dicts."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + ([p for p in rest.rstrip("]").split("][")] if rest else [])
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return root


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    entity: str  # leads / contacts
    action: str  # add / update / status / restore / delete
    record: AmoRecord


def webhook_events(form: dict[str, Any]) -> list[WebhookEvent]:
    """The lead and contact events of a parsed webhook form, in order."""
    events = []
    for entity in ("leads", "contacts"):
        actions = form.get(entity)
        if not isinstance(actions, dict):
            continue
        for action in ("add", "update", "status", "restore", "delete"):
            for item in _ordered(actions.get(action)):
                record = record_from_webhook(item) if isinstance(item, dict) else None
                if record is not None:
                    events.append(WebhookEvent(entity, action, record))
    return events


def phone_of(record: AmoRecord, mapping: dict[str, Any]) -> str | None:
    code = (mapping.get("fields") or {}).get("phone") or "PHONE"
    return record.fields.get(str(code))


def email_of(record: AmoRecord, mapping: dict[str, Any]) -> str | None:
    code = (mapping.get("fields") or {}).get("email") or "EMAIL"
    return record.fields.get(str(code))
