"""Start-up objects are frozen out of the garbage collector once the process serves."""

from __future__ import annotations

import gc

from bot.runner import settle_heap
from bot.sales_runtime import chat_of


def test_settle_heap_freezes_what_exists() -> None:
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


def test_chat_of_a_raw_update() -> None:
    message = {"chat": {"id": 42, "type": "private"}}
    assert chat_of({"update_id": 1, "message": message}) == 42
    assert chat_of({"update_id": 1, "callback_query": {"id": "x", "message": message}}) == 42
    assert chat_of({"update_id": 1, "callback_query": {"id": "x"}}) is None  # inline
    assert chat_of({"update_id": 1, "my_chat_member": {"chat": {"id": "7"}}}) is None
    assert chat_of(["not", "an", "update"]) is None
