"""AmoCRM's HTTP endpoints on the aiohttp app: the OAuth redirect that finishes a connection
and the webhook AmoCRM posts changes to (an unguessable per-account secret in the path)."""

from __future__ import annotations

import logging
from html import escape

from aiohttp import web

from bot.amocrm_jobs import OAUTH_PATH, WEBHOOK_PATH, queue_connected_notice, runtime_of
from services.amocrm.accounts import digest, finish_connect
from services.amocrm.client import AmoError
from services.amocrm.sync import handle_webhook
from services.db.base import utcnow
from services.errors import DomainError

log = logging.getLogger(__name__)


def _page(status: int, title: str) -> web.Response:
    body = (f"<!doctype html><meta charset='utf-8'><title>BiznesPilot</title>"
            f"<h2>{escape(title)}</h2>")
    return web.Response(status=status, text=body, content_type="text/html")


async def oauth_view(request: web.Request) -> web.Response:
    from bot.web import APP_KEY

    app = request.app[APP_KEY]
    runtime = runtime_of(app)
    code, state = request.query.get("code"), request.query.get("state")
    if runtime is None or not code or not state:
        return _page(400, "AmoCRM: the authorisation was not completed.")
    try:
        done = await finish_connect(app.sessionmaker, runtime, state=state, code=code,
                                    referer=request.query.get("referer"))
    except AmoError as exc:
        log.warning("amocrm oauth failed: %s", exc)
        return _page(502, "AmoCRM refused the authorisation. Try again from the bot.")
    except DomainError:
        return _page(400, "This authorisation link is not valid any more.")
    async with app.sessionmaker.begin() as session:
        await queue_connected_notice(app, session, user_id=done.connected_by,
                                     subdomain=done.subdomain, queued=done.queued)
    worker = app.extras.get("amocrm_worker")
    if worker is not None:
        worker.wake()
    return _page(200, "AmoCRM is connected. You can return to Telegram.")


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
                              "skipped": result.skipped})


def add_amocrm_routes(web_app: web.Application) -> None:
    web_app.router.add_get(OAUTH_PATH, oauth_view)
    web_app.router.add_post(WEBHOOK_PATH, webhook_view)
