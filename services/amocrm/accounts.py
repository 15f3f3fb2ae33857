"""Connecting an AmoCRM account: the OAuth flow, tokens (encrypted, refreshed under a row
lock), the mapping editors, status, the sync log and disconnecting.

``finish_connect`` and ``access_token`` take a sessionmaker: they call AmoCRM between
transactions (a token pair must be stored the moment it arrives, since the refresh token it
replaced is already spent).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import plans
from services.amocrm import hooks
from services.amocrm.client import AmoAuthError, AmoClient, AmoError, AmoValidationError
from services.amocrm.mapping import (
    BP_ID_FIELD_NAME,
    LEAD_FIELDS,
    TARGETS,
    WON,
    default_mapping,
)
from services.amocrm.runtime import AmoRuntime
from services.db.models import AmoAccount, AmoLink, AmoQueueItem, AmoSyncLog, Customer, Lead
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied

_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
FULL_SYNC_LIMIT = 5000  # records queued on connect, newest first
BASE_WEBHOOK_EVENTS = ["add_lead", "update_lead", "status_lead", "add_contact",
                       "update_contact"]
WEBHOOK_EVENTS = ["add_lead", "update_lead", "status_lead", "delete_lead", "restore_lead",
                  "add_contact", "update_contact", "delete_contact", "restore_contact"]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_subdomain(raw: str) -> str:
    """``acme``, ``acme.amocrm.ru`` or ``https://acme.kommo.com/…`` → ``acme``."""
    text = raw.strip().lower()
    text = re.sub(r"^https?://", "", text).split("/", 1)[0]
    text = text.split(".", 1)[0]
    if not _SUBDOMAIN.match(text):
        raise InvalidInput(field="subdomain", reason="subdomain")
    return text


_CODE = re.compile(r"[A-Za-z0-9._~\-]{16,4096}")


@dataclass(frozen=True, slots=True)
class AuthReply:
    """What the owner pasted: the code alone, or the redirect URL (then its state and
    referer are checked like the redirect endpoint checks them)."""

    code: str
    state: str | None = None
    referer: str | None = None


def parse_auth_reply(raw: str) -> AuthReply:
    """``def502…`` (the code AmoCRM shows a private integration), or the whole address the
    browser landed on (``https://…/amocrm/oauth?code=…&state=…&referer=acme.amocrm.ru``), or
    just its query string."""
    text = raw.strip()
    if "code=" in text:
        query = urlparse(text).query if "?" in text else text.lstrip("?#")
        values = parse_qs(query)
        code = (values.get("code") or [""])[0].strip()
        if not _CODE.fullmatch(code):
            raise InvalidInput(field="code", reason="format")
        state, referer = values.get("state"), values.get("referer")
        return AuthReply(code, state[0] if state else None, referer[0] if referer else None)
    if not _CODE.fullmatch(text):
        raise InvalidInput(field="code", reason="format")
    return AuthReply(text)


def parse_client_value(raw: str, *, field: str) -> str:
    text = raw.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]{8,128}", text):
        raise InvalidInput(field=field, reason="format")
    return text


async def plan_allows(session: AsyncSession, *, business_id: int) -> bool:
    """AmoCRM is a Growth-and-up feature (``features.amocrm`` of the plan)."""
    view = await plans.business_subscription(session, business_id=business_id)
    plan = await plans.get_plan(session, view.plan_code)
    return bool(dict(plan.features or {}).get("amocrm"))


async def require_plan(session: AsyncSession, *, business_id: int) -> None:
    if not await plan_allows(session, business_id=business_id):
        raise PermissionDenied(permission="plan_feature", feature="amocrm")


async def add_log(session: AsyncSession, *, business_id: int, direction: str, action: str,
                  entity: str | None = None, local_id: int | None = None,
                  amo_id: int | None = None, ok: bool = True, detail: str | None = None,
                  at: datetime | None = None) -> None:
    session.add(AmoSyncLog(business_id=business_id, direction=direction, action=action,
                           entity=entity, local_id=local_id, amo_id=amo_id, ok=ok,
                           detail=(detail or None) and detail[:300],
                           **({"at": at} if at else {})))
    await session.flush()


async def get_account(session: AsyncSession, *, business_id: int) -> AmoAccount | None:
    return await session.scalar(select(AmoAccount).where(AmoAccount.business_id == business_id))


# --------------------------------------------------------------------------- OAuth


async def start_connect(session: AsyncSession, runtime: AmoRuntime, *, business_id: int,
                        user_id: int, subdomain: str, client_id: str,
                        client_secret: str) -> str:
    """Save the integration's credentials (secret encrypted) and return the authorisation
    link; the OAuth redirect finishes the connection."""
    await require_plan(session, business_id=business_id)
    sub = parse_subdomain(subdomain)
    cid = parse_client_value(client_id, field="client_id")
    csecret = parse_client_value(client_secret, field="client_secret")
    state = secrets.token_urlsafe(24)
    account = await get_account(session, business_id=business_id)
    if account is not None and account.status == "connected":
        raise Conflict(reason="already_connected")
    if account is None:
        account = AmoAccount(business_id=business_id, mapping={}, pipelines=[])
        session.add(account)
    elif account.subdomain != sub:  # another AmoCRM account: the old ids mean nothing there
        await session.execute(delete(AmoQueueItem).where(
            AmoQueueItem.business_id == business_id))
        await session.execute(delete(AmoLink).where(AmoLink.business_id == business_id))
        account.reconciled_at = None
    account.subdomain, account.client_id = sub, cid
    account.client_secret_encrypted = runtime.box.encrypt(csecret)
    account.oauth_state_hash = digest(state)
    account.webhook_key_hash = digest(secrets.token_urlsafe(32))
    account.status, account.connected_by = "pending", user_id
    await session.flush()
    query = urlencode({"client_id": cid, "state": state, "mode": "post_message"})
    return f"{runtime.config.auth_url}?{query}"


@dataclass(frozen=True, slots=True)
class Connected:
    business_id: int
    account_id: int
    connected_by: int | None
    subdomain: str
    queued: int


async def finish_connect(sessionmaker: async_sessionmaker[AsyncSession], runtime: AmoRuntime,
                         *, code: str, state: str | None = None, referer: str | None = None,
                         business_id: int | None = None) -> Connected:
    """Exchange the code, store the tokens, read the account, pipelines and lead fields,
    register the webhook (when AmoCRM can reach us), set the default mapping and queue the
    full sync.

    The OAuth redirect passes ``state`` (single-use, it names the account). A code the owner
    pasted into the bot passes ``business_id`` (the chat proves who it is) and the state too
    when they pasted the whole redirect URL: it must then be this business's. Either way the
    connection must be in progress (a state is outstanding), so a code works once."""
    if state is None and business_id is None:
        raise NotFound(entity="amocrm_state")
    async with sessionmaker.begin() as session:
        query = select(AmoAccount).where(AmoAccount.oauth_state_hash.is_not(None))
        if state is not None:
            query = query.where(AmoAccount.oauth_state_hash == digest(state))
        if business_id is not None:
            query = query.where(AmoAccount.business_id == business_id)
        account = await session.scalar(query)
        if account is None:
            raise NotFound(entity="amocrm_state")
        if referer and parse_subdomain(referer) != account.subdomain:
            raise InvalidInput(field="referer", reason="subdomain")
        account_id, business_id = account.id, account.business_id
        subdomain, client_id = account.subdomain, account.client_id
        secret = runtime.box.decrypt(account.client_secret_encrypted)
    client = runtime.client(subdomain)
    pair = await client.exchange_code(client_id=client_id, client_secret=secret, code=code,
                                      redirect_uri=runtime.config.redirect_uri)
    webhook_key = secrets.token_urlsafe(32)
    async with sessionmaker.begin() as session:  # the pair first: it is the only copy
        account = await _locked(session, account_id)
        _store_pair(runtime, account, pair.access_token, pair.refresh_token, pair.expires_in)
        account.oauth_state_hash = None
        account.webhook_key_hash = digest(webhook_key)
    token = pair.access_token
    info = await client.request("GET", "/api/v4/account", token=token)
    pipelines = await fetch_pipelines(client, token)
    lead_fields = await _lead_fields(client, token)
    bp_field = next((f["id"] for f in lead_fields if f["name"] == BP_ID_FIELD_NAME), None)
    if bp_field is None:
        made = await client.request("POST", "/api/v4/leads/custom_fields", token=token,
                                    json=[{"name": BP_ID_FIELD_NAME, "type": "text"}])
        bp_field = int(made["_embedded"]["custom_fields"][0]["id"])
    if runtime.config.webhooks:
        destination = runtime.webhook_url(webhook_key)
        try:
            await client.request("POST", "/api/v4/webhooks", token=token, json={
                "destination": destination, "settings": WEBHOOK_EVENTS})
        except AmoValidationError:  # an account that refuses the delete/restore events:
            # the first pass's set (deletions are then found by the reconciliation's sweep)
            await client.request("POST", "/api/v4/webhooks", token=token, json={
                "destination": destination, "settings": BASE_WEBHOOK_EVENTS})
    async with sessionmaker.begin() as session:
        account = await _locked(session, account_id)
        account.amo_account_id = int(info["id"])
        account.amo_user_id = int(info["current_user_id"]) if info.get("current_user_id") \
            else None
        account.pipelines = pipelines
        mapping = default_mapping(pipelines, bp_id_field=bp_field,
                                  responsible_user_id=account.amo_user_id)
        mapping["lead_fields"] = [f for f in lead_fields if f["type"] in ("text", "url")]
        account.mapping = mapping
        account.status, account.connected_at = "connected", runtime.now()
        account.last_error = None
        account.webhook_registered = runtime.config.webhooks
        # items that waited while the account was refused go now
        await session.execute(update(AmoQueueItem).where(
            AmoQueueItem.account_id == account_id, AmoQueueItem.status == "pending")
            .values(due_at=runtime.now()))
        queued = await queue_full_sync(session, business_id=business_id, account_id=account_id)
        await add_log(session, business_id=business_id, direction="system", action="connected",
                      detail=subdomain)
        if not runtime.config.webhooks:
            await add_log(session, business_id=business_id, direction="system",
                          action="webhook_skipped", detail=runtime.config.webhook_base)
        return Connected(business_id, account_id, account.connected_by, subdomain, queued)


async def fetch_pipelines(client: AmoClient, token: str) -> list[dict[str, Any]]:
    """Pipelines with their statuses, trimmed to what the mapping needs."""
    body = await client.request("GET", "/api/v4/leads/pipelines", token=token) or {}
    out = []
    for p in (body.get("_embedded") or {}).get("pipelines") or []:
        statuses = [{"id": int(s["id"]), "name": str(s.get("name", "")),
                     "sort": int(s.get("sort", 0)), "type": int(s.get("type", 0))}
                    for s in (p.get("_embedded") or {}).get("statuses") or []]
        out.append({"id": int(p["id"]), "name": str(p.get("name", "")),
                    "is_main": bool(p.get("is_main")), "is_archive": bool(p.get("is_archive")),
                    "statuses": statuses})
    return out


async def _lead_fields(client: AmoClient, token: str) -> list[dict[str, Any]]:
    body = await client.request("GET", "/api/v4/leads/custom_fields", token=token) or {}
    return [{"id": int(f["id"]), "name": str(f.get("name", "")), "type": str(f.get("type", ""))}
            for f in (body.get("_embedded") or {}).get("custom_fields") or []]


async def queue_full_sync(session: AsyncSession, *, business_id: int, account_id: int) -> int:
    """Queue every lead and customer not yet linked (newest first, up to a cap)."""
    queued = 0
    for entity, model in (("customer", Customer), ("lead", Lead)):
        linked = select(AmoLink.local_id).where(AmoLink.business_id == business_id,
                                                AmoLink.entity == entity,
                                                AmoLink.amo_id.is_not(None))
        ids = await session.scalars(
            select(model.id).where(model.business_id == business_id,
                                   model.id.not_in(linked))
            .order_by(model.id.desc()).limit(FULL_SYNC_LIMIT))
        for local_id in ids:
            queued += await hooks.enqueue(session, business_id=business_id,
                                          account_id=account_id, kind="upsert",
                                          entity=entity, local_id=int(local_id))
    return queued


async def _locked(session: AsyncSession, account_id: int) -> AmoAccount:
    """The account row, locked for this transaction. The no-op UPDATE comes first: on
    PostgreSQL it takes the row lock; on SQLite it takes the write lock before anything is
    read, so a transaction that waits on an HTTP call (a refresh) can never lose its write to
    a stale snapshot, and a second process waits instead of spending the refresh token too."""
    await session.execute(update(AmoAccount).where(AmoAccount.id == account_id)
                          .values(token_version=AmoAccount.token_version))
    account = await session.scalar(select(AmoAccount).where(AmoAccount.id == account_id)
                                   .with_for_update())
    if account is None:
        raise NotFound(entity="amocrm_account", id=account_id)
    return account


def _store_pair(runtime: AmoRuntime, account: AmoAccount, access: str, refresh: str,
                expires_in: int) -> None:
    account.access_token_encrypted = runtime.box.encrypt(access)
    account.refresh_token_encrypted = runtime.box.encrypt(refresh)
    account.expires_at = runtime.now() + timedelta(seconds=expires_in)
    account.token_version = (account.token_version or 0) + 1


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    version: int


async def access_token(sessionmaker: async_sessionmaker[AsyncSession], runtime: AmoRuntime,
                       account_id: int, *, stale: int | None = None) -> Token:
    """A usable access token: refreshed ``refresh_margin`` before expiry, or when ``stale``
    (the version a request just got 401 with) is still the stored one. The refresh runs
    under the account's row lock and the new pair is committed with it, so two workers never
    spend the single-use refresh token twice."""
    failure: AmoAuthError | None = None
    async with runtime.lock(account_id), sessionmaker.begin() as session:
        account = await _locked(session, account_id)
        if account.status == "error" or account.refresh_token_encrypted is None:
            raise AmoAuthError(status=401, detail="reauthorise")
        fresh = account.expires_at is not None and account.expires_at - timedelta(
            seconds=runtime.config.refresh_margin) > runtime.now()
        if account.access_token_encrypted and (
                (stale is None and fresh)
                or (stale is not None and stale != account.token_version)):
            return Token(runtime.box.decrypt(account.access_token_encrypted),
                         account.token_version)
        client = runtime.client(account.subdomain)
        try:
            pair = await client.refresh(
                client_id=account.client_id,
                client_secret=runtime.box.decrypt(account.client_secret_encrypted),
                refresh_token=runtime.box.decrypt(account.refresh_token_encrypted),
                redirect_uri=runtime.config.redirect_uri)
        except AmoAuthError as exc:  # committed below: the owner must re-authorise
            account.status, account.last_error = "error", f"auth: {exc.detail}"[:300]
            account.last_error_at = runtime.now()
            await add_log(session, business_id=account.business_id, direction="system",
                          action="auth_failed", ok=False, detail=exc.detail)
            failure = exc
        else:
            _store_pair(runtime, account, pair.access_token, pair.refresh_token,
                        pair.expires_in)
            await add_log(session, business_id=account.business_id, direction="system",
                          action="token_refreshed")
            return Token(pair.access_token, account.token_version)
    assert failure is not None
    raise failure


# --------------------------------------------------------------------------- owner views


@dataclass(frozen=True, slots=True)
class AccountStatus:
    subdomain: str
    status: str  # pending / connected / error
    connected_at: datetime | None
    last_sync_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    pending: int
    failed: int
    linked: int
    webhook: bool = True  # False: changes from AmoCRM arrive only by the reconciliation
    deleted: int = 0  # links whose twin was deleted (in AmoCRM, or closed after a local delete)


async def account_status(session: AsyncSession, *, business_id: int) -> AccountStatus | None:
    """The connection and queue at a glance, or None when not connected."""
    account = await get_account(session, business_id=business_id)
    if account is None:
        return None
    counts = dict((await session.execute(
        select(AmoQueueItem.status, func.count()).where(
            AmoQueueItem.business_id == business_id,
            AmoQueueItem.status.in_(("pending", "sending", "failed")))
        .group_by(AmoQueueItem.status))).all())
    links = dict((await session.execute(
        select(AmoLink.deleted_at.is_(None), func.count()).where(
            AmoLink.business_id == business_id, AmoLink.amo_id.is_not(None))
        .group_by(AmoLink.deleted_at.is_(None)))).all())
    return AccountStatus(account.subdomain, account.status, account.connected_at,
                         account.last_sync_at, account.last_error, account.last_error_at,
                         int(counts.get("pending", 0)) + int(counts.get("sending", 0)),
                         int(counts.get("failed", 0)), int(links.get(True, 0)),
                         webhook=bool(account.webhook_registered),
                         deleted=int(links.get(False, 0)))


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: datetime
    direction: str
    action: str
    entity: str | None
    local_id: int | None
    amo_id: int | None
    ok: bool
    detail: str | None


async def sync_log(session: AsyncSession, *, business_id: int, limit: int = 15
                   ) -> list[LogEntry]:
    """The newest sync log lines of this business."""
    rows = await session.scalars(select(AmoSyncLog).where(AmoSyncLog.business_id == business_id)
                                 .order_by(AmoSyncLog.id.desc()).limit(limit))
    return [LogEntry(r.at, r.direction, r.action, r.entity, r.local_id, r.amo_id, r.ok,
                     r.detail) for r in rows]


async def _connected(session: AsyncSession, business_id: int) -> AmoAccount:
    account = await get_account(session, business_id=business_id)
    if account is None or account.status == "pending":
        raise NotFound(entity="amocrm_account")
    return account


@dataclass(frozen=True, slots=True)
class StatusRow:
    id: int
    name: str
    target: str | None


async def status_rows(session: AsyncSession, *, business_id: int) -> list[StatusRow]:
    """The mapped pipeline's statuses and the stage each one means."""
    from services.amocrm.mapping import statuses_of, target_of

    account = await _connected(session, business_id)
    mapping = account.mapping or {}
    return [StatusRow(int(s["id"]), str(s["name"]), target_of(mapping, int(s["id"])))
            for s in statuses_of(account.pipelines or [], mapping.get("pipeline_id"))]


async def set_status_target(session: AsyncSession, *, business_id: int, status_id: int,
                            target: str) -> None:
    """Map one AmoCRM status of the pipeline to a funnel stage (142/143 stay won/lost)."""
    account = await _connected(session, business_id)
    if target not in TARGETS or status_id in (WON, WON + 1):
        raise InvalidInput(field="target", reason="choice")
    if status_id not in {r.id for r in await status_rows(session, business_id=business_id)}:
        raise NotFound(entity="amocrm_status", id=status_id)
    mapping = dict(account.mapping or {})
    mapping["statuses"] = {**(mapping.get("statuses") or {}), str(status_id): target}
    account.mapping = mapping
    await session.flush()


@dataclass(frozen=True, slots=True)
class PipelineRow:
    id: int
    name: str
    current: bool


async def pipeline_rows(session: AsyncSession, *, business_id: int) -> list[PipelineRow]:
    """The account's live pipelines; deals sync in the chosen one."""
    account = await _connected(session, business_id)
    current = (account.mapping or {}).get("pipeline_id")
    return [PipelineRow(int(p["id"]), str(p["name"]), int(p["id"]) == current)
            for p in account.pipelines or [] if not p.get("is_archive")]


async def set_pipeline(session: AsyncSession, *, business_id: int, pipeline_id: int) -> None:
    """Sync deals in this pipeline; its statuses get the default stages."""
    from services.amocrm.mapping import default_statuses

    account = await _connected(session, business_id)
    if pipeline_id not in {r.id for r in await pipeline_rows(session, business_id=business_id)}:
        raise NotFound(entity="amocrm_pipeline", id=pipeline_id)
    mapping = dict(account.mapping or {})
    mapping["pipeline_id"] = pipeline_id
    mapping["statuses"] = default_statuses(account.pipelines or [], pipeline_id)
    account.mapping = mapping
    await session.flush()


async def lead_field_choices(session: AsyncSession, *, business_id: int
                             ) -> tuple[dict[str, int | None], list[dict[str, Any]]]:
    """The current UTM/source field mapping and the AmoCRM text fields to choose from."""
    account = await _connected(session, business_id)
    mapping = account.mapping or {}
    fields = mapping.get("fields") or {}
    current = {name: fields.get(name) for name in LEAD_FIELDS}
    bp_id = fields.get("bp_id")
    return current, [f for f in mapping.get("lead_fields") or [] if f["id"] != bp_id]


async def set_lead_field(session: AsyncSession, *, business_id: int, name: str,
                         field_id: int | None) -> None:
    """Send a BiznesPilot value (``utm_source``…) to this AmoCRM field (None: not sent)."""
    account = await _connected(session, business_id)
    current, choices = await lead_field_choices(session, business_id=business_id)
    if name not in current or (field_id is not None and field_id not in
                               {int(f["id"]) for f in choices}):
        raise InvalidInput(field="field", reason="choice")
    mapping = dict(account.mapping or {})
    mapping["fields"] = {**(mapping.get("fields") or {}), name: field_id}
    account.mapping = mapping
    await session.flush()


async def disconnect(session: AsyncSession, *, business_id: int) -> bool:
    """Forget the account, its tokens, queue and links (AmoCRM keeps its data)."""
    account = await get_account(session, business_id=business_id)
    if account is None:
        return False
    await session.execute(delete(AmoQueueItem).where(AmoQueueItem.business_id == business_id))
    await session.execute(delete(AmoLink).where(AmoLink.business_id == business_id))
    await session.delete(account)
    await add_log(session, business_id=business_id, direction="system", action="disconnected",
                  detail=account.subdomain)
    return True


def error_text(exc: AmoError) -> str:
    return f"{exc.code} {exc.status}: {exc.detail}"[:300]
