"""The routing index: what it reads off the filters, and that it routes exactly as aiogram."""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Message, Update

from bot.app import run_sync_filters_inline
from bot.routing import IndexedDispatcher, RoutingIndex, router_claims


class WizardSG(StatesGroup):
    name = State()
    size = State()


class OtherSG(StatesGroup):
    only = State()


class ItemCB(CallbackData, prefix="it1"):
    item_id: int


class NavCB(CallbackData, prefix="nv1"):
    action: str


def _routers(log: list[str]) -> list[Router]:
    """A small owner bot: commands, a wizard on a state-gated sub-router, callbacks, a
    catch-all, and a router with an outer middleware."""
    features = Router(name="features")
    steps = Router(name="features.steps")
    steps.message.filter(StateFilter(WizardSG))
    features.include_router(steps)

    def record(name: str) -> Any:
        async def handler(event: Any) -> None:
            log.append(name)
        return handler

    features.message.register(record("cmd_items"), Command("items"))
    features.message.register(record("start_deep"), CommandStart(deep_link=True))
    features.callback_query.register(record("on_item"), ItemCB.filter(F.item_id > 0))
    features.callback_query.register(record("on_nav_wizard"), NavCB.filter(),
                                     StateFilter(WizardSG))
    steps.message.register(record("name_entered"), WizardSG.name, F.text)
    steps.message.register(record("step_invalid"))

    other = Router(name="other")
    other.message.register(record("cmd_start"), CommandStart())
    other.message.register(record("other_only"), OtherSG.only)
    other.callback_query.register(record("on_nav_other"), NavCB.filter(), OtherSG.only)

    class Passthrough(BaseMiddleware):
        async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
            return await handler(event, data)

    watched = Router(name="watched")
    watched.message.outer_middleware(Passthrough())
    watched.message.register(record("watched_cmd"), Command("watch"))

    fallback = Router(name="fallback")
    fallback.message.register(record("idle_text"), StateFilter(None))
    fallback.message.register(record("any_text"))
    fallback.callback_query.register(record("stale_button"))
    return [features, other, watched, fallback]


def test_claims_are_read_off_the_filters() -> None:
    features, other, watched, fallback = _routers([])
    claims = router_claims(features, "message")
    assert claims.commands == {"items", "start"}
    assert claims.states == set(WizardSG.__all_states_names__)  # the sub-router's root filter
    assert not claims.always
    assert router_claims(features, "callback_query").prefixes == {"it1", "nv1"}
    assert router_claims(other, "message").states == {"OtherSG:only"}
    assert router_claims(watched, "message").always  # an outer middleware must always run
    fallback_claims = router_claims(fallback, "message")
    assert fallback_claims.always and None in fallback_claims.states


def test_a_plain_message_outside_any_wizard_skips_every_feature() -> None:
    features, other, watched, fallback = _routers([])
    index = RoutingIndex([features, other, watched, fallback])
    hello = Message.model_validate({"message_id": 1, "date": 0, "text": "hello",
                                    "chat": {"id": 1, "type": "private"}})
    assert index.candidates("message", hello, None) == [watched, fallback]
    assert index.candidates("message", hello, "WizardSG:size") == [features, watched, fallback]
    items = hello.model_copy(update={"text": "/Items@bp_bot now"})
    assert index.candidates("message", items, None) == [features, watched, fallback]


def _message(n: int, text: str) -> Update:
    return Update.model_validate({"update_id": n, "message": {
        "message_id": n, "date": int(time.time()), "text": text,
        "chat": {"id": 7, "type": "private"}, "from": {"id": 7, "is_bot": False,
                                                         "first_name": "A"}}})


def _callback(n: int, data: str) -> Update:
    return Update.model_validate({"update_id": n, "callback_query": {
        "id": str(n), "chat_instance": "c", "data": data,
        "from": {"id": 7, "is_bot": False, "first_name": "A"}}})


async def _route_all(dp_class: type[Dispatcher], events: list[tuple[str | None, Update]]
                     ) -> list[str]:
    log: list[str] = []
    dp = dp_class(storage=MemoryStorage())
    dp.include_routers(*_routers(log))
    if isinstance(dp, IndexedDispatcher):
        dp.index()
    run_sync_filters_inline(dp)
    bot = Bot("42:TEST")
    for state, update in events:
        await dp.fsm.storage.set_state(key=_key(bot), state=state)
        before = len(log)
        await dp.feed_update(bot, update)
        if len(log) == before:
            log.append("unhandled")
    await bot.session.close()
    return log


def _key(bot: Bot) -> Any:
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=42, chat_id=7, user_id=7)


async def test_routing_is_exactly_aiograms() -> None:
    """Every combination of state and event lands on the same handler with and without the
    index."""
    states = [None, "WizardSG:name", "WizardSG:size", "OtherSG:only", "GoneSG:old"]
    texts = ["hello", "/items", "/ITEMS", "/start", "/start abc", "/watch", "/unknown", "/"]
    datas = ["it1:5", "it1:0", "nv1:back", "xx1:1", "it1:oops"]
    events: list[tuple[str | None, Update]] = []
    counter = itertools.count(1)
    for state in states:
        events += [(state, _message(next(counter), t)) for t in texts]
        events += [(state, _callback(next(counter), d)) for d in datas]
    plain = await _route_all(Dispatcher, events)
    indexed = await _route_all(IndexedDispatcher, events)
    assert indexed == plain
    assert {"cmd_items", "start_deep", "cmd_start", "name_entered", "step_invalid",
            "other_only", "on_item", "on_nav_wizard", "on_nav_other", "watched_cmd",
            "idle_text", "any_text", "stale_button"} <= set(plain)


async def test_the_owner_bot_is_indexed_narrowly(tg: Any) -> None:
    """Only the fallback router takes any message; the others claim commands and states."""
    index = tg.app.extras["owner_dispatcher"].routing_index
    assert index is not None
    always = [r.name for r, c in zip(index.routers, index.claims["message"], strict=True)
              if c.always]
    assert always == ["fallback"]
