"""AmoCRM runtime glue: building the runtime, the queue worker (started by ``biznespilot
run`` like the outbox sender), the scheduled reconciliation, and the owner's notices.

Notices are rendered here (not in ``handlers``) because the OAuth redirect and the jobs send
them outside any handler, so each enters the owner's locale explicitly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from aiogram.utils.i18n import gettext as _
from sqlalchemy import select

from services import outbox
from services.amocrm.client import AmoError
from services.amocrm.runtime import AmoConfig, AmoRuntime, is_public_url
from services.amocrm.sync import Processor, reconcile, recover_interrupted
from services.crypto import SecretBox
from services.db.base import utcnow
from services.db.models import AmoAccount, User
from services.users import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)
RUNTIME_KEY = "amocrm"
OAUTH_PATH = "/amocrm/oauth"
WEBHOOK_PATH = "/amocrm/webhook/{key}"


def build_runtime(settings: Any, box: SecretBox) -> AmoRuntime:
    """The AmoCRM runtime; tokens and the client secret are encrypted with ``box``."""
    base = (settings.webhook_base_url or f"http://{settings.web_host}:{settings.web_port}")
    c = settings.amocrm
    webhooks = c.webhooks if c.webhooks is not None else is_public_url(
        settings.webhook_base_url)
    config = AmoConfig(base_url=c.base_url, auth_url=c.auth_url,
                       redirect_uri=base.rstrip("/") + OAUTH_PATH, webhook_base=base,
                       timeout=c.timeout_seconds, max_retries=c.max_retries,
                       backoff=c.backoff_seconds, rate=c.rate_per_second,
                       refresh_margin=c.refresh_margin_seconds, webhooks=webhooks)
    return AmoRuntime(config=config, box=box)


def runtime_of(app: Any) -> AmoRuntime:
    """The app's AmoCRM runtime, built on first use."""
    if RUNTIME_KEY not in app.extras:
        app.extras[RUNTIME_KEY] = build_runtime(app.settings, app.box)
    runtime: AmoRuntime = app.extras[RUNTIME_KEY]
    return runtime


class AmoWorker:
    """Processes the outbound queue until stopped; ``wake()`` starts a pass at once."""

    def __init__(self, app: Any, runtime: AmoRuntime, *, idle_seconds: float = 2.0) -> None:
        self.app, self.runtime = app, runtime
        self.processor = Processor(app.sessionmaker, runtime)
        self.idle_seconds = idle_seconds
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        # one process owns the queue in embedded mode: every claim left is from a dead run
        await recover_interrupted(self.app.sessionmaker, now=utcnow(), all_claims=True)
        while not self._stop.is_set():
            try:
                claimed = await self.processor.run_once()
            except Exception:  # a database hiccup: try again on the next tick
                log.exception("amocrm queue pass failed")
                claimed = 0
            if claimed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.idle_seconds)


async def reconcile_all(app: Any) -> int:
    """The scheduled reconciliation of every connected account; owners whose account needs
    re-authorising are told once."""
    runtime = runtime_of(app)
    async with app.sessionmaker() as session:
        ids = list(await session.scalars(select(AmoAccount.id).where(
            AmoAccount.status == "connected")))
    for account_id in ids:
        try:
            await reconcile(app.sessionmaker, runtime, account_id)
        except AmoError as exc:
            log.warning("amocrm reconcile of account %s failed: %s", account_id, exc)
    await notify_errors(app)
    await recover_interrupted(app.sessionmaker, now=utcnow())
    return len(ids)


async def notify_errors(app: Any) -> int:
    """One message per broken connection (dedup by the error's time)."""
    from bot.billing_notices import owner_bot_id

    sent = 0
    async with app.sessionmaker.begin() as session:
        rows = await session.execute(select(AmoAccount, User).join(
            User, User.id == AmoAccount.connected_by).where(AmoAccount.status == "error"))
        for account, user in rows.all():
            stamp = account.last_error_at or account.updated_at
            locale = user.language or DEFAULT_LANGUAGE
            with app.i18n.context(), app.i18n.use_locale(locale):
                text = _("⚠️ AmoCRM ({subdomain}) stopped syncing: the connection was refused. "
                         "Open /amocrm and connect it again.").format(
                    subdomain=account.subdomain)
            queued = await outbox.enqueue(
                session, bot_id=owner_bot_id(app), chat_id=user.id, kind="alert",
                payload=outbox.text_payload(text), business_id=account.business_id,
                dedup_key=f"amocrm-error:{account.id}:{int(stamp.timestamp())}")
            sent += queued is not None
    return sent


async def queue_connected_notice(app: Any, session: Any, *, user_id: int | None,
                                 subdomain: str, queued: int) -> str:
    """Tell the owner who connected; returns their locale (for the redirect page)."""
    from bot.billing_notices import owner_bot_id

    if user_id is None:
        return DEFAULT_LANGUAGE
    user = await session.get(User, user_id)
    locale = (user.language if user else None) or DEFAULT_LANGUAGE
    with app.i18n.context(), app.i18n.use_locale(locale):
        text = _("✅ AmoCRM {subdomain} is connected. {count} records are queued for the "
                 "first sync; /amocrm shows the progress.").format(subdomain=subdomain,
                                                                   count=queued)
    await outbox.enqueue(session, bot_id=owner_bot_id(app), chat_id=user_id, kind="alert",
                         payload=outbox.text_payload(text),
                         dedup_key=f"amocrm-connected:{subdomain}:{int(utcnow().timestamp())}")
    return locale


def reconcile_interval(app: Any) -> timedelta:
    return timedelta(minutes=app.settings.amocrm.reconcile_minutes)
