"""AmoCRM's HTTP endpoints on the aiohttp app: the OAuth redirect that finishes a connection
and the webhook AmoCRM posts changes to (an unguessable per-account secret in the path)."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from bot.amocrm_jobs import OAUTH_PATH, WEBHOOK_PATH, queue_connected_notice, runtime_of
from services.amocrm.accounts import digest, finish_connect
from services.amocrm.client import AmoError
from services.amocrm.sync import handle_webhook
from services.db.base import utcnow
from services.errors import DomainError

log = logging.getLogger(__name__)


PAGE_LOCALES = ("uz", "ru", "en")


def _page(status: int, lines: list[str]) -> web.Response:
    body = ("<!doctype html><meta charset='utf-8'><title>BiznesPilot · AmoCRM</title>"
            + "".join(f"<h2>{escape(line)}</h2>" for line in lines))
    return web.Response(status=status, text=body, content_type="text/html")


def _texts(app: Any, key: str, locales: tuple[str, ...]) -> list[str]:
    """The page's sentence in each locale (the browser tells us nothing we can trust)."""
    out = []
    for locale in locales:
        with app.i18n.context(), app.i18n.use_locale(locale):
            out.append({
                "failed": _("AmoCRM: the authorisation was not completed. Please start again "
                            "from the bot."),
                "refused": _("AmoCRM refused the authorisation. Try again from the bot."),
                "stale": _("This authorisation link is not valid any more. Start again from "
                           "the bot."),
                "done": _("AmoCRM is connected. You can return to Telegram."),
            }[key])
    return out


async def oauth_view(request: web.Request) -> web.Response:
    from bot.web import APP_KEY

    app = request.app[APP_KEY]
    runtime = runtime_of(app)
    code, state = request.query.get("code"), request.query.get("state")
    if not code or not state:
        return _page(400, _texts(app, "failed", PAGE_LOCALES))
    try:
        done = await finish_connect(app.sessionmaker, runtime, state=state, code=code,
                                    referer=request.query.get("referer"))
    except AmoError as exc:
        log.warning("amocrm oauth failed: %s", exc)
        return _page(502, _texts(app, "refused", PAGE_LOCALES))
    except DomainError:
        return _page(400, _texts(app, "stale", PAGE_LOCALES))
    async with app.sessionmaker.begin() as session:
        locale = await queue_connected_notice(app, session, user_id=done.connected_by,
                                              subdomain=done.subdomain, queued=done.queued)
    worker = app.extras.get("amocrm_worker")
    if worker is not None:
        worker.wake()
    return _page(200, _texts(app, "done", (locale,)))


async def webhook_view(request: web.Request) -> web.Response:
    from bot.web import APP_KEY

    app = request.app[APP_KEY]
    try:
        form = await request.post()
    except Exception:
        return web.Response(status=400, text="bad form")
    pairs = [(k, v) for k, v in form.items() if isinstance(v, str)]
    try:
        async with app.sessionmaker.begin() as session:
            result = await handle_webhook(session, key_hash=digest(request.match_info["key"]),
                                          pairs=pairs, now=utcnow())
    except DomainError:
        return web.Response(status=404, text="unknown account")
    except Exception:  # AmoCRM retries account webhooks
        log.exception("amocrm webhook failed")
        return web.Response(status=500, text="error")
    return web.json_response({"created": result.created, "updated": result.updated,
                              "skipped": result.skipped, "deleted": result.deleted})


def add_amocrm_routes(web_app: web.Application) -> None:
    web_app.router.add_get(OAUTH_PATH, oauth_view)
    web_app.router.add_post(WEBHOOK_PATH, webhook_view)
