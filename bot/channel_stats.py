"""The hourly reading of the owners' own Telegram channels (``getChatMemberCount``)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import marketing

log = logging.getLogger(__name__)


async def read_channel_members(sessionmaker: async_sessionmaker[AsyncSession], bot: Bot) -> int:
    """Store one members snapshot per active registered channel; returns how many were read.

    Each reading is its own short transaction, so a slow or failing channel neither holds a
    transaction open across the network call nor loses the others' readings.
    """
    async with sessionmaker() as session:
        targets = await marketing.telegram_sync_targets(session)
    read = 0
    for target in targets:
        try:
            members = await bot.get_chat_member_count(target.chat_id)
        except TelegramAPIError as exc:  # removed meanwhile, chat gone, flood: try next hour
            log.info("channel %s: members not read: %s", target.chat_id, exc)
            continue
        async with sessionmaker.begin() as session:
            await marketing.record_snapshot(session, business_id=target.business_id,
                                            channel_id=target.channel_id, members=members)
        read += 1
    return read
