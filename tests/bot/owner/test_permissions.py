"""Every owner-bot handler declares its permission; the role matrix is SPEC §1's."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator

import pytest_asyncio
from aiogram import Dispatcher, Router

from bot.app import build_app, build_owner_dispatcher
from bot.config import Settings
from bot.middlewares.permissions import BUSINESS, PUBLIC, PermissionMiddleware
from services.teams import ROLE_PERMISSIONS, Permission, Role

# SPEC §1, one row per permission. manage_profile ("edit the business") is not in the SPEC
# table; it sits with the manager rights because managers run the day-to-day marketing.
MATRIX = """
permission           owner admin manager member viewer
view_analytics         x     x      x      x      x
manage_leads           x     x      x      x      .
manage_orders          x     x      x      .      .
manage_chatbot         x     x      x      .      .
generate_reports       x     x      x      .      .
manage_profile         x     x      x      .      .
manage_integrations    x     x      .      .      .
manage_team            x     x      .      .      .
billing                x     .      .      .      .
delete_business        x     .      .      .      .
"""


def _matrix() -> dict[Role, set[Permission]]:
    header, *rows = [line.split() for line in MATRIX.strip().splitlines()]
    roles = [Role(name) for name in header[1:]]
    granted: dict[Role, set[Permission]] = {role: set() for role in roles}
    for name, *marks in rows:
        for role, mark in zip(roles, marks, strict=True):
            if mark == "x":
                granted[role].add(Permission(name))
    return granted


def test_role_permissions_match_the_spec_matrix() -> None:
    rows = [line.split()[0] for line in MATRIX.strip().splitlines()[1:]]
    assert sorted(rows) == sorted(p.value for p in Permission)  # the table covers them all
    expected = _matrix()
    assert set(ROLE_PERMISSIONS) == set(Role) == set(expected)
    for role in Role:
        assert ROLE_PERMISSIONS[role] == expected[role], role


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for sub in router.sub_routers:
        yield from _routers(sub)


@pytest_asyncio.fixture
async def owner_dispatcher(settings: Settings) -> AsyncIterator[Dispatcher]:
    """The owner dispatcher exactly as production builds it (on the test database)."""
    app = await build_app(settings, migrate=False)
    built = build_owner_dispatcher(app)
    yield await built if inspect.isawaitable(built) else built
    await app.close()


def test_every_handler_declares_a_permission(owner_dispatcher: Dispatcher) -> None:
    allowed_words = {BUSINESS, PUBLIC}
    checked: list[str] = []
    missing: list[str] = []
    for router in _routers(owner_dispatcher):
        for event, observer in router.observers.items():
            # Errors are answered by the error router; the dispatcher's own update observer
            # only feeds the others.
            if event == "error" or (router is owner_dispatcher and event == "update"):
                continue
            for handler in observer.handlers:
                name = f"{router.name}.{event}:{handler.callback.__name__}"
                perm = handler.flags.get("perm")
                if not (isinstance(perm, Permission) or perm in allowed_words):
                    missing.append(f"{name} perm={perm!r}")
                # A flag means nothing unless the middleware runs for that kind of event.
                middlewares = owner_dispatcher.observers[event].middleware._middlewares
                if not any(isinstance(m, PermissionMiddleware) for m in middlewares):
                    missing.append(f"{name}: no PermissionMiddleware on {event}")
                checked.append(name)
    assert missing == []
    names = "\n".join(checked)
    for expected in ("team.message:cmd_team", "team.message:cmd_start_invite",
                     "team.callback_query:on_remove_confirmed", "plan.message:cmd_plan",
                     "settings.callback_query:on_set_language", "onboarding.message:cmd_start"):
        assert expected in names


def test_team_changes_need_manage_team(owner_dispatcher: Dispatcher) -> None:
    flags = {
        handler.callback.__name__: handler.flags["perm"]
        for router in _routers(owner_dispatcher) if router.name == "team"
        for observer in router.observers.values() for handler in observer.handlers
    }
    assert flags["cmd_team"] == flags["on_list"] == BUSINESS
    for name in ("on_invite", "on_invite_role", "on_member", "on_set_role", "on_remove",
                 "on_remove_confirmed", "on_revoke"):
        assert flags[name] == Permission.MANAGE_TEAM, name
    for name in ("cmd_start_invite", "on_accept", "on_decline"):
        assert flags[name] == PUBLIC, name
