"""A local fake AmoCRM (PROTOCOLS.md §5), one account per subdomain, over real HTTP.

``async with FakeAmoCRM(clock=...) as fake:`` serves ``{fake.base_url}/{subdomain}/…`` on
127.0.0.1; point ``AmoConfig.base_url`` at ``fake.base_template``. It speaks:

- OAuth ``POST /oauth2/access_token``: single-use authorisation codes and single-use refresh
  tokens (a spent one answers 400), access tokens that expire (``expires_in`` on the fake
  clock, or ``expire_access_tokens()``); a bad or expired bearer answers 401;
- ``/api/v4/account``, ``leads/pipelines``, ``leads/custom_fields``, ``leads`` (GET with
  ``query``/``filter[updated_at][from]``/paging, 204 when empty; PATCH), ``leads/complex``
  (≤ 50, a flat array answer), ``contacts`` (GET ``query``, POST, PATCH), ``leads/{id}/notes``,
  ``tasks`` (a task needs ``complete_till`` and a responsible user), ``webhooks``;
- at most ``rate`` requests per second per account on ``clock``, else 429;
- scripted faults: ``fail(path, status, times)``, ``lose_answer(path)`` (do the work, then
  never answer: an unknown outcome), ``after(path, action)`` (e.g. expire the tokens between
  two calls);
- webhooks: each change through the API, or ``edit_lead`` (a manual edit in AmoCRM), queues
  the form-encoded ``leads[add|update|status][0][…]`` payload; ``deliver()`` POSTs them to the
  registered destinations.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

PIPELINE_ID = 3001
STATUSES = [(3101, "Incoming", 10, 1), (3102, "Contacted", 20, 0),
            (3103, "Offer sent", 30, 0), (3104, "Negotiation", 40, 0),
            (142, "Won", 10000, 0), (143, "Lost", 11000, 0)]
WHOLESALE_ID = 4001
WHOLESALE = [(4101, "New request", 10, 1), (4102, "Price list sent", 20, 0),
             (142, "Won", 10000, 0), (143, "Lost", 11000, 0)]


@dataclass
class Account:
    subdomain: str
    account_id: int
    client_id: str
    client_secret: str
    user_id: int = 7001
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    starts: deque[float] = field(default_factory=deque)


class FakeAmoCRM:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, rate: int = 7,
                 expires_in: int = 86400) -> None:
        self.clock, self.rate, self.expires_in = clock, rate, expires_in
        self.accounts: dict[str, Account] = {}
        self.codes: dict[str, str] = {}  # code -> subdomain
        self.access: dict[str, tuple[str, float]] = {}  # token -> (subdomain, expires at)
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> subdomain
        self.requests: list[tuple[str, str]] = []
        self.rate_limited = 0
        self.refreshes = 0
        self.complex_sizes: list[int] = []  # leads per accepted complex call
        self.ignore_id_filter = False  # a server that ignores ``filter[id][]`` (safety test)
        self.faults: list[dict[str, Any]] = []
        self.pending_webhooks: list[tuple[str, list[tuple[str, str]]]] = []
        self._ids = itertools.count(50001)
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._after: list[tuple[str, Callable[[], None]]] = []
        self.base_url = ""

    @property
    def base_template(self) -> str:
        return self.base_url + "/{subdomain}"

    async def __aenter__(self) -> FakeAmoCRM:
        app = web.Application()
        app.router.add_route("*", "/{sub}/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ test controls

    def add_account(self, subdomain: str = "acme", *, account_id: int = 29001,
                    client_id: str = "client-id-0001",
                    client_secret: str = "client-secret-0001") -> Account:
        account = Account(subdomain, account_id, client_id, client_secret)
        self.accounts[subdomain] = account
        return account

    def authorize(self, subdomain: str = "acme") -> str:
        """The code AmoCRM puts in the redirect after the user allows access."""
        code = secrets.token_hex(16)
        self.codes[code] = subdomain
        return code

    def expire_access_tokens(self) -> None:
        for token, (sub, _) in list(self.access.items()):
            self.access[token] = (sub, self.clock() - 1)

    def fail(self, path: str, status: int, times: int = 1, method: str | None = None) -> None:
        self.faults.append({"path": path, "status": status, "times": times, "method": method})

    def lose_answer(self, path: str, method: str = "POST") -> asyncio.Event:
        """Do the next such request's work, then hang; the event is set once the work is
        done (the worker "crashes" there)."""
        done = asyncio.Event()
        self.faults.append({"path": path, "status": 0, "times": 1, "method": method,
                            "lose": done})
        return done

    def after(self, path: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, right after the next successful request to ``path``."""
        self._after.append((path, action))

    def edit_lead(self, subdomain: str, lead_id: int, *, action: str = "update",
                  **changes: Any) -> None:
        """A salesperson edits a deal in AmoCRM: it changes and a webhook is queued."""
        lead = self.accounts[subdomain].leads[lead_id]
        old = dict(lead)
        lead.update(changes)
        lead["updated_at"] = int(self.wall()) + 1
        self._queue_lead_hook(self.accounts[subdomain], action, lead, old)

    def delete_lead(self, subdomain: str, lead_id: int, *, hook: bool = True) -> None:
        """A salesperson deletes a deal (``hook=False``: the webhook is lost or none is
        registered, so only the reconciliation can notice)."""
        account = self.accounts[subdomain]
        lead = account.leads.pop(lead_id)
        if hook:
            self._queue_delete_hook(account, "leads", [
                ("id", str(lead_id)), ("status_id", str(lead["status_id"])),
                ("pipeline_id", str(lead["pipeline_id"]))])

    def delete_contact(self, subdomain: str, contact_id: int, *, hook: bool = True) -> None:
        account = self.accounts[subdomain]
        account.contacts.pop(contact_id)
        if hook:
            self._queue_delete_hook(account, "contacts", [("id", str(contact_id)),
                                                          ("type", "contact")])

    def _queue_delete_hook(self, account: Account, entity: str,
                           fields: list[tuple[str, str]]) -> None:
        for url in account.webhooks:
            pairs = [(f"{entity}[delete][0][{k}]", v) for k, v in fields]
            pairs += [("account[id]", str(account.account_id)),
                      ("account[subdomain]", account.subdomain)]
            self.pending_webhooks.append((url, pairs))

    def add_contact_manually(self, subdomain: str, *, name: str, phone: str) -> dict[str, Any]:
        account = self.accounts[subdomain]
        contact = self._new_contact(account, {"name": name, "custom_fields_values": [
            {"field_code": "PHONE", "values": [{"value": phone, "enum_code": "WORK"}]}]})
        return contact

    async def deliver(self) -> list[int]:
        """POST every queued webhook to its destination; the answer statuses."""
        statuses = []
        hooks, self.pending_webhooks = self.pending_webhooks, []
        async with aiohttp.ClientSession() as http:
            for url, pairs in hooks:
                async with http.post(url, data=pairs) as response:
                    statuses.append(response.status)
        return statuses

    def wall(self) -> float:
        return time.time()

    # ------------------------------------------------------------------ HTTP

    def _fault(self, method: str, path: str) -> dict[str, Any] | None:
        for fault in self.faults:
            if fault["times"] > 0 and path.endswith(fault["path"]) and \
                    fault["method"] in (None, method):
                fault["times"] -= 1
                return fault
        return None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        sub = request.match_info["sub"]
        path = "/" + request.match_info["path"]
        account = self.accounts.get(sub)
        self.requests.append((request.method, path))
        if account is None:
            return _problem(404, "Account not found")
        now = self.clock()
        while account.starts and now - account.starts[0] >= 1.0:
            account.starts.popleft()
        if len(account.starts) >= self.rate:
            self.rate_limited += 1
            return _problem(429, "Too Many Requests")
        account.starts.append(now)
        fault = self._fault(request.method, path)
        if fault is not None and not fault.get("lose"):
            return _problem(fault["status"], "Scripted failure")
        body: Any = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return _problem(400, "Bad JSON")
        if path == "/oauth2/access_token":
            return self._oauth(account, body or {})
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        owner = self.access.get(token)
        if owner is None or owner[0] != sub or owner[1] <= self.clock():
            return _problem(401, "Unauthorized")
        response = self._api(account, request.method, path, request.query, body)
        for hook in list(self._after):
            if path.endswith(hook[0]) and response.status < 300:
                self._after.remove(hook)
                hook[1]()
        if fault is not None:  # the work is done; the answer never comes
            fault["lose"].set()
            await self._closing.wait()
        return response

    def _pair(self, sub: str) -> dict[str, Any]:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        self.access[access] = (sub, self.clock() + self.expires_in)
        self.refresh_tokens[refresh] = sub
        return {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": access,
                "refresh_token": refresh}

    def _oauth(self, account: Account, body: dict[str, Any]) -> web.Response:
        if body.get("client_id") != account.client_id or \
                body.get("client_secret") != account.client_secret:
            return _problem(401, "Client authentication failed")
        grant = body.get("grant_type")
        if grant == "authorization_code":
            if self.codes.pop(str(body.get("code")), None) != account.subdomain:
                return _problem(400, "Authorization code has been revoked", hint="code")
            return web.json_response(self._pair(account.subdomain))
        if grant == "refresh_token":
            if self.refresh_tokens.pop(str(body.get("refresh_token")), None) != \
                    account.subdomain:
                return _problem(400, "Token has been revoked", hint="refresh_token")
            self.refreshes += 1
            return web.json_response(self._pair(account.subdomain))
        return _problem(400, "Unsupported grant type")

    def _api(self, account: Account, method: str, path: str, query: Any,
             body: Any) -> web.Response:
        if path == "/api/v4/account" and method == "GET":
            return _hal({"id": account.account_id, "subdomain": account.subdomain,
                         "current_user_id": account.user_id})
        if path == "/api/v4/leads/pipelines" and method == "GET":
            pipelines = []
            for pid, name, rows in ((PIPELINE_ID, "Sales", STATUSES),
                                    (WHOLESALE_ID, "Wholesale", WHOLESALE)):
                statuses = [{"id": i, "name": n, "sort": s, "type": t, "pipeline_id": pid,
                             "is_editable": i not in (142, 143)} for i, n, s, t in rows]
                pipelines.append({"id": pid, "name": name, "sort": len(pipelines) + 1,
                                  "is_main": pid == PIPELINE_ID, "is_archive": False,
                                  "account_id": account.account_id,
                                  "_embedded": {"statuses": statuses}})
            return _hal({"_embedded": {"pipelines": pipelines}})
        if path == "/api/v4/leads/custom_fields":
            if method == "POST":
                made = [{"id": next(self._ids), "name": f["name"], "type": f["type"]}
                        for f in body]
                account.fields.extend(made)
                return _hal({"_embedded": {"custom_fields": made}})
            return _hal({"_embedded": {"custom_fields": account.fields}})
        if path == "/api/v4/webhooks" and method == "POST":
            account.webhooks.append(str(body["destination"]))
            return _hal({"destination": body["destination"], "settings": body["settings"]})
        if path == "/api/v4/leads/complex" and method == "POST":
            return self._complex(account, body)
        one = re.fullmatch(r"/api/v4/leads/(\d+)", path)
        if one and method == "GET":
            found = account.leads.get(int(one.group(1)))
            return _hal(found) if found else _problem(404, "Lead not found")
        if path == "/api/v4/leads":
            if method == "PATCH":
                return self._patch_leads(account, body)
            return self._list(account.leads.values(), "leads", query)
        if path == "/api/v4/contacts":
            if method == "POST":
                made = [self._new_contact(account, c) for c in body]
                return _hal({"_embedded": {"contacts": [
                    {"id": c["id"], "request_id": c.get("request_id", "0")} for c in made]}})
            if method == "PATCH":
                for change in body:
                    contact = account.contacts.get(int(change["id"]))
                    if contact is None:
                        return _problem(400, "No such contact")
                    contact.update({k: v for k, v in change.items() if k != "id"})
                    contact["updated_at"] = int(self.wall())
                return _hal({"_embedded": {"contacts": [{"id": c["id"]} for c in body]}})
            return self._list(account.contacts.values(), "contacts", query)
        if path.startswith("/api/v4/leads/") and path.endswith("/notes"):
            lead_id = int(path.split("/")[4])
            if lead_id not in account.leads:
                return _problem(404, "Lead not found")
            if method == "POST":
                made = []
                for note in body:
                    if note.get("note_type") != "common" or not (note.get("params") or {}).get(
                            "text"):
                        return _problem(400, "Validation error", errors=[{"path": "params"}])
                    made.append({"id": next(self._ids), "entity_id": lead_id, **note})
                account.notes.extend(made)
                return _hal({"_embedded": {"notes": [{"id": n["id"]} for n in made]}})
            notes = [n for n in account.notes if n["entity_id"] == lead_id]
            return _hal({"_embedded": {"notes": notes}}) if notes else web.Response(status=204)
        if path == "/api/v4/tasks":
            if method == "POST":
                made = []
                for task in body:
                    if not task.get("complete_till") or not task.get("responsible_user_id"):
                        return _problem(400, "Validation error",
                                        errors=[{"path": "complete_till"}])
                    made.append({"id": next(self._ids), **task})
                account.tasks.extend(made)
                return _hal({"_embedded": {"tasks": [{"id": t["id"]} for t in made]}})
            entity = query.get("filter[entity_id][]")
            tasks = [t for t in account.tasks if entity is None or
                     str(t["entity_id"]) == entity]
            return _hal({"_embedded": {"tasks": tasks}}) if tasks else web.Response(status=204)
        return _problem(404, "Not found")

    def _list(self, items: Any, key: str, query: Any) -> web.Response:
        rows = sorted(items, key=lambda r: r["id"])
        text = query.get("query")
        if text:
            rows = [r for r in rows if text in r.get("name", "") or any(
                text == v.get("value") for cf in r.get("custom_fields_values") or []
                for v in cf.get("values") or [])]
        wanted = {int(i) for i in query.getall("filter[id][]", [])}
        if wanted and not self.ignore_id_filter:
            rows = [r for r in rows if r["id"] in wanted]
        since = query.get("filter[updated_at][from]")
        if since:
            rows = [r for r in rows if r["updated_at"] >= int(since)]
        limit = min(250, int(query.get("limit", 50)))
        page = int(query.get("page", 1))
        rows = rows[(page - 1) * limit: page * limit]
        if not rows:
            return web.Response(status=204)
        return _hal({"_page": page, "_embedded": {key: rows}})

    def _new_contact(self, account: Account, data: dict[str, Any]) -> dict[str, Any]:
        contact = {"id": next(self._ids), "name": data.get("name") or "",
                   "custom_fields_values": data.get("custom_fields_values") or [],
                   "updated_at": int(self.wall())}
        if data.get("request_id"):
            contact["request_id"] = data["request_id"]
        account.contacts[contact["id"]] = contact
        return contact

    def _complex(self, account: Account, body: Any) -> web.Response:
        if not isinstance(body, list) or not 1 <= len(body) <= 50:
            return _problem(400, "Validation error", errors=[{"path": "", "detail": "≤ 50"}])
        for lead in body:
            if not isinstance(lead.get("name"), str) or not lead["name"]:
                return _problem(400, "Validation error", errors=[{"path": "name"}])
            contacts = (lead.get("_embedded") or {}).get("contacts") or []
            if len(contacts) > 1:
                return _problem(400, "Validation error", errors=[{"path": "contacts"}])
        answers = []
        self.complex_sizes.append(len(body))
        for index, data in enumerate(body):
            contacts = (data.get("_embedded") or {}).get("contacts") or []
            contact_id = None
            if contacts:
                contact_id = contacts[0].get("id") or self._new_contact(account,
                                                                        contacts[0])["id"]
            lead = {"id": next(self._ids), "name": data["name"],
                    "price": int(data.get("price") or 0),
                    "status_id": int(data.get("status_id") or STATUSES[0][0]),
                    "pipeline_id": int(data.get("pipeline_id") or PIPELINE_ID),
                    "custom_fields_values": data.get("custom_fields_values") or [],
                    "updated_at": int(self.wall()),
                    "_embedded": {"contacts": [{"id": contact_id}] if contact_id else [],
                                  "tags": (data.get("_embedded") or {}).get("tags") or []}}
            account.leads[lead["id"]] = lead
            self._queue_lead_hook(account, "add", lead, None)
            answers.append({"id": lead["id"], "contact_id": contact_id, "company_id": None,
                            "request_id": [str(index)], "merged": False})
        return web.json_response(answers)

    def _patch_leads(self, account: Account, body: Any) -> web.Response:
        for change in body:
            lead = account.leads.get(int(change["id"]))
            if lead is None:
                return _problem(400, "Validation error", errors=[{"path": "id"}])
        for change in body:
            lead = account.leads[int(change["id"])]
            old = dict(lead)
            lead.update({k: v for k, v in change.items() if k != "id"})
            lead["updated_at"] = int(self.wall())
            self._queue_lead_hook(account, "update", lead, old)
        return _hal({"_embedded": {"leads": [{"id": c["id"]} for c in body]}})

    def _queue_lead_hook(self, account: Account, action: str, lead: dict[str, Any],
                         old: dict[str, Any] | None) -> None:
        actions = [action]
        if old is not None and old.get("status_id") != lead.get("status_id"):
            actions.append("status")
        for url in account.webhooks:
            for act in actions:
                prefix = f"leads[{act}][0]"
                pairs = [(f"{prefix}[id]", str(lead["id"])), (f"{prefix}[name]", lead["name"]),
                         (f"{prefix}[status_id]", str(lead["status_id"])),
                         (f"{prefix}[pipeline_id]", str(lead["pipeline_id"])),
                         (f"{prefix}[price]", str(lead.get("price", 0))),
                         (f"{prefix}[last_modified]", str(lead["updated_at"]))]
                if old is not None and act == "status":
                    pairs += [(f"{prefix}[old_status_id]", str(old.get("status_id"))),
                              (f"{prefix}[old_pipeline_id]", str(old.get("pipeline_id")))]
                for i, cf in enumerate(lead.get("custom_fields_values") or []):
                    if cf.get("field_id") is None:
                        continue
                    pairs += [(f"{prefix}[custom_fields][{i}][id]", str(cf["field_id"])),
                              (f"{prefix}[custom_fields][{i}][values][0][value]",
                               str(cf["values"][0]["value"]))]
                pairs += [("account[id]", str(account.account_id)),
                          ("account[subdomain]", account.subdomain)]
                self.pending_webhooks.append((url, pairs))


def _hal(body: dict[str, Any]) -> web.Response:
    return web.json_response(body, content_type="application/hal+json")


def _problem(status: int, title: str, *, hint: str | None = None,
             errors: list[dict[str, Any]] | None = None) -> web.Response:
    body: dict[str, Any] = {"title": title, "status": status,
                            "type": "https://httpstatus.es/" + str(status)}
    if hint:
        body["hint"] = hint
    if errors:
        body["validation-errors"] = [{"request_id": "0", "errors": errors}]
    return web.json_response(body, status=status, content_type="application/problem+json")


class ManualClock:
    """A monotonic clock that moves only when something sleeps on it (no real waiting)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.value

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.value += max(0.0, seconds)
        await asyncio.sleep(0)
