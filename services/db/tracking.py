"""Session bookkeeping: whether a transaction wrote anything, and work to run when it ends.

The update middleware records an update id durably only with an update that changed data,
and per-process caches drop what a transaction touched both at flush and when the
transaction ends, so a concurrent reader never re-caches a row that is about to change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

WROTE = "wrote"
_ON_END = "on_end"
# Called with (session, changed ORM objects, table names of bulk statements) on every write.
ON_CHANGE = "on_change"


class TrackedSession(Session):
    """The sync session class behind every ``AsyncSession`` of the application."""


def on_end(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once when the current transaction commits or rolls back."""
    session.info.setdefault(_ON_END, []).append(callback)


def _notify(session: Session, objects: list[Any], tables: set[str]) -> None:
    for listener in session.info.get(ON_CHANGE, ()):
        listener(session, objects, tables)


@event.listens_for(TrackedSession, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True
    _notify(session, [*session.new, *session.dirty, *session.deleted], set())


@event.listens_for(TrackedSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
        table = getattr(state.statement, "table", None)
        _notify(state.session, [], {table.name} if table is not None else set())


def _ended(session: Session, *_args: Any) -> None:
    session.info.pop(WROTE, None)
    for callback in session.info.pop(_ON_END, ()):
        callback()


event.listen(TrackedSession, "after_commit", _ended)
event.listen(TrackedSession, "after_soft_rollback", _ended)
