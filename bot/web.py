"""The aiohttp application: the one composition point for HTTP routes (payment callbacks
now; Telegram webhooks and CRM callbacks join here later via ``ROUTE_GROUPS``).

Every view opens its own transaction; a payment that settles an invoice queues the receipt
in that same transaction, so "paid" and "receipt queued" commit together.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.amocrm_web import add_amocrm_routes
from bot.billing_notices import owner_bot_id, queue_receipt
from bot.sales_runtime import add_telegram_routes
from services.billing import click, payme
from services.billing.invoices import InvoiceView

log = logging.getLogger(__name__)

APP_KEY: web.AppKey[Any] = web.AppKey("app", object)
MAX_BODY = 64 * 1024

PAYME_PATH = "/payments/payme"
CLICK_PREPARE_PATH = "/payments/click/prepare"
CLICK_COMPLETE_PATH = "/payments/click/complete"


def payme_messages(app: Any, code: int) -> dict[str, str]:
    """The payer-facing error text Payme shows, in its three languages."""
    from aiogram.utils.i18n import gettext as _

    texts: dict[str, str] = {}
    for lang in ("ru", "uz", "en"):
        with app.i18n.context(), app.i18n.use_locale(lang):
            texts[lang] = {
                payme.PaymeCode.WRONG_AMOUNT: _("The amount does not match the invoice."),
                payme.PaymeCode.TRANSACTION_NOT_FOUND: _("Transaction not found."),
                payme.PaymeCode.CANNOT_CANCEL: _("This payment can no longer be cancelled."),
                payme.PaymeCode.CANNOT_PERFORM: _("This operation can't be performed."),
                payme.PaymeCode.ORDER_NOT_FOUND: _("Invoice not found."),
                payme.PaymeCode.ORDER_BUSY: _("This invoice is already paid or being paid."),
                payme.PaymeCode.INSUFFICIENT_PRIVILEGE: _("Access denied."),
            }.get(payme.PaymeCode(code) if code in set(payme.PaymeCode) else
                  payme.PaymeCode.SYSTEM_ERROR,
                  _("Payment service error. Please try again later."))
    return texts


async def _settled(app: Any, session: Any, invoice: InvoiceView | None) -> None:
    if invoice is not None:
        await queue_receipt(session, i18n=app.i18n, bot_id=owner_bot_id(app), invoice=invoice)


async def payme_view(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    if request.method != "POST":
        return web.json_response({"jsonrpc": "2.0", "id": None, "result": None, "error": {
            "code": int(payme.PaymeCode.NOT_POST), "message": payme_messages(
                app, payme.PaymeCode.NOT_POST), "data": None}})
    body = await request.content.read(MAX_BODY + 1)
    key = app.settings.payme_key.get_secret_value() if app.settings.payme_key else None
    try:
        async with app.sessionmaker.begin() as session:
            reply = await payme.handle(
                session, body=b"" if len(body) > MAX_BODY else body,
                authorization=request.headers.get("Authorization"), key=key,
                remote=request.remote)
            await _settled(app, session, reply.settled)
    except Exception:  # a database hiccup: Payme retries on a system error
        log.exception("payme callback failed")
        reply = payme.PaymeReply(request_id=None, error=payme.PaymeCode.SYSTEM_ERROR)
    messages = payme_messages(app, reply.error) if reply.error is not None else None
    return web.json_response(reply.body(messages))


def _click_view(action: str) -> Callable[[web.Request], Any]:
    async def view(request: web.Request) -> web.Response:
        app = request.app[APP_KEY]
        settings = app.settings
        try:
            form = await request.post()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        except Exception:  # not a form body: Click's "error in request"
            fields = {}
        secret = settings.click_secret_key.get_secret_value() \
            if settings.click_secret_key else None
        try:
            async with app.sessionmaker.begin() as session:
                reply = await click.handle(session, fields=fields, action=action,
                                           service_id=settings.click_service_id,
                                           secret_key=secret, remote=request.remote)
                await _settled(app, session, reply.settled)
        except Exception:
            log.exception("click callback failed")
            reply = click.ClickReply({"error": int(click.ClickCode.UPDATE_FAILED),
                                      "error_note": click.NOTES[click.ClickCode.UPDATE_FAILED]})
        return web.json_response(reply.body, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    return view


def add_payment_routes(web_app: web.Application) -> None:
    web_app.router.add_route("*", PAYME_PATH, payme_view)
    web_app.router.add_post(CLICK_PREPARE_PATH, _click_view(click.PREPARE))
    web_app.router.add_post(CLICK_COMPLETE_PATH, _click_view(click.COMPLETE))


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


# Each feature that serves HTTP adds one function here that mounts its routes.
ROUTE_GROUPS: list[Callable[[web.Application], None]] = [add_payment_routes,
                                                         add_amocrm_routes,
                                                         add_telegram_routes]


def build_web_app(app: Any) -> web.Application:
    """The aiohttp application with every route group mounted; ``app`` is the bot.app.App."""
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[APP_KEY] = app
    web_app.router.add_get("/health", health)
    for add_routes in ROUTE_GROUPS:
        add_routes(web_app)
    return web_app


async def start_web(app: Any, host: str, port: int) -> web.AppRunner:
    """Serve the web app on ``host:port`` until the runner is cleaned up."""
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web server on http://%s:%d", host, port)
    return runner
