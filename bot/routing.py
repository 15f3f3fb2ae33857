"""A routing index: which feature routers could take a message or a button press at all.

aiogram offers an event to every router in turn, and every router checks each of its
handlers' filters — so the cost of one update grows with the number of features, and a
plain message with no wizard open walks every handler to reach the fallback. Almost every
handler, though, can only match a known command, a known callback-data prefix or a known FSM
state. ``RoutingIndex`` reads those facts off the registered filters once, at start-up, and
the dispatcher then offers the event only to the routers that could match it, in their
original order. The index over-approximates: a router whose handlers it cannot read
(a handler with no such filter, or an outer middleware) is always offered the event, and the
real filters still decide — so routing is exactly aiogram's, only cheaper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from inspect import isclass
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

INDEXED = ("message", "callback_query")
# Service messages that carry no command but belong to one feature are indexed under a
# pseudo-command that no typed text can produce (a command never contains a space).
SUCCESSFUL_PAYMENT = "successful payment"


class SuccessfulPayment(Filter):
    """Messages carrying ``successful_payment`` (indexed, so they skip other routers)."""

    async def __call__(self, message: Message) -> bool:
        return message.successful_payment is not None


@dataclass
class Claims:
    """What one router can take for one update type; ``always`` when that is unknowable."""

    always: bool = False
    commands: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    states: set[str | None] = field(default_factory=set)

    def merge(self, other: Claims) -> None:
        self.always |= other.always
        self.commands |= other.commands
        self.prefixes |= other.prefixes
        self.states |= other.states

    def accepts(self, command: str | None, prefix: str | None, state: str | None) -> bool:
        return (self.always or state in self.states
                or (command is not None and command in self.commands)
                or (prefix is not None and prefix in self.prefixes))


def _original(event_filter: FilterObject) -> Any:
    """The filter as registered (``run_sync_filters_inline`` wraps sync ones)."""
    callback = event_filter.callback
    return getattr(callback, "__wrapped_filter__", callback)


def _state_names(states: Iterable[Any]) -> set[str | None] | None:
    """The raw states a state filter allows, or None when it allows any state."""
    names: set[str | None] = set()
    for state in states:
        if state is None or isinstance(state, str):
            if state == "*":
                return None
            names.add(state)
        elif isinstance(state, State):
            if state.state == "*":
                return None
            names.add(state.state)
        elif isclass(state) and issubclass(state, StatesGroup):
            names.update(state.__all_states_names__)
        elif isinstance(state, StatesGroup):
            names.update(type(state).__all_states_names__)
        else:
            return None
    return names


def _commands(command: Command) -> set[str] | None:
    if command.prefix != "/":
        return None
    names: set[str] = set()
    for pattern in command.commands:
        if isinstance(pattern, re.Pattern):
            return None
        names.add(str(pattern).lower())
    return names


def _filter_claims(filters: Sequence[FilterObject] | None) -> Claims | None:
    """The narrowest claim one filter list guarantees (all of them must pass), or None."""
    for event_filter in filters or ():
        original = _original(event_filter)
        if isinstance(original, SuccessfulPayment):
            return Claims(commands={SUCCESSFUL_PAYMENT})
        if isinstance(original, Command):
            commands = _commands(original)
            if commands is not None:
                return Claims(commands=commands)
        elif (isinstance(original, CallbackQueryFilter)
              and original.callback_data.__separator__ == ":"):
            return Claims(prefixes={original.callback_data.__prefix__})
    for event_filter in filters or ():
        original = _original(event_filter)
        states = None
        if isinstance(original, StateFilter):
            states = _state_names(original.states)
        elif isinstance(original, State):
            states = _state_names([original])
        if states is not None:
            return Claims(states=states)
    return None


def _handler_claims(handler: HandlerObject) -> Claims:
    return _filter_claims(handler.filters) or Claims(always=True)


def router_claims(router: Router, update_type: str) -> Claims:
    """Everything ``router`` and its sub-routers could take for ``update_type``."""
    observer: TelegramEventObserver = router.observers[update_type]
    if len(observer.outer_middleware):
        return Claims(always=True)
    root = _filter_claims(observer._handler.filters)
    if root is not None:  # a failing root filter skips the sub-routers too
        return root
    claims = Claims()
    for handler in observer.handlers:
        claims.merge(_handler_claims(handler))
    for sub in router.sub_routers:
        claims.merge(router_claims(sub, update_type))
    return claims


def _command_of(text: str | None) -> str | None:
    if not text or text[0] != "/":
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


class RoutingIndex:
    """The dispatcher's top-level routers with their claims, per indexed update type."""

    def __init__(self, routers: Sequence[Router]) -> None:
        self.routers = list(routers)
        self.claims = {kind: [router_claims(r, kind) for r in self.routers] for kind in INDEXED}

    def candidates(self, update_type: str, event: TelegramObject,
                   raw_state: str | None) -> list[Router]:
        """The routers that could handle ``event``, in mounting order."""
        command = prefix = None
        if isinstance(event, Message):
            command = (SUCCESSFUL_PAYMENT if event.successful_payment is not None
                       else _command_of(event.text or event.caption))
        elif isinstance(event, CallbackQuery) and event.data:
            prefix = event.data.partition(":")[0]
        return [router for router, claims in zip(self.routers, self.claims[update_type],
                                                 strict=True)
                if claims.accepts(command, prefix, raw_state)]


class IndexedDispatcher(Dispatcher):
    """A Dispatcher that offers messages and callbacks only to the routers that could match.

    ``index()`` must be called once every router is included. The body mirrors
    ``aiogram.Router._propagate_event`` (aiogram is pinned) with the sub-router loop narrowed;
    ``tests/bot/test_routing.py`` holds it to aiogram's routing.
    """

    routing_index: RoutingIndex | None = None

    def index(self) -> RoutingIndex:
        self.routing_index = RoutingIndex(self.sub_routers)
        return self.routing_index

    async def _propagate_event(self, observer: TelegramEventObserver | None, update_type: str,
                               event: TelegramObject, **kwargs: Any) -> Any:
        index = self.routing_index
        if index is None or update_type not in INDEXED or observer is None:
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        result, data = await observer.check_root_filters(event, **kwargs)
        if not result:
            return UNHANDLED
        kwargs.update(data)
        response = await observer.trigger(event, **kwargs)
        if response is REJECTED:
            return UNHANDLED
        if response is not UNHANDLED:
            return response
        for router in index.candidates(update_type, event, kwargs.get("raw_state")):
            response = await router.propagate_event(update_type=update_type, event=event,
                                                    **kwargs)
            if response is not UNHANDLED:
                break
        return response
