"""Typed wizard drafts kept in FSM data (persisted, so a restart never loses them)."""

from __future__ import annotations

from typing import Generic, TypeVar

from aiogram.fsm.context import FSMContext
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class DraftSlot(Generic[M]):
    """One feature's draft under its own key, so features never overwrite each other's."""

    def __init__(self, key: str, model: type[M]) -> None:
        self.key = key
        self.model = model

    async def load(self, state: FSMContext) -> M:
        """The saved draft, or a fresh one."""
        return self.model.model_validate((await state.get_data()).get(self.key) or {})

    async def save(self, state: FSMContext, draft: M) -> None:
        await state.update_data({self.key: draft.model_dump()})

    async def finish(self, state: FSMContext) -> None:
        """Drop this draft and leave the wizard; other features' drafts stay."""
        data = await state.get_data()
        data.pop(self.key, None)
        await state.set_data(data)
        await state.set_state(None)
