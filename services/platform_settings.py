"""Platform settings (SPEC §6): maintenance mode, registration open/closed, the default trial
length and the platform AI key, changed by admins from the bot and audited.

Every update reads them, so they are served from a per-process snapshot
(``SettingsCache``): a write through this process's sessions drops it at once, and it also
expires after ``ttl`` seconds for writes made by other processes (several webhook workers, a
CLI). The AI key is stored encrypted (``services.crypto``) and only decrypted into the
snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.crypto import DecryptionFailed, SecretBox
from services.db.base import utcnow
from services.db.models import Invite, PlatformSetting
from services.db.tracking import on_end
from services.errors import InvalidInput

MAINTENANCE = "maintenance"
REGISTRATION_OPEN = "registration_open"
TRIAL_DAYS = "trial_days"
AI_KEY = "ai_key"

MAX_TRIAL_DAYS = 90
_AI_KEY_MIN, _AI_KEY_MAX = 20, 300


@dataclass(frozen=True, slots=True)
class PlatformSettings:
    """What the platform runs with now; defaults when nothing was ever set."""

    maintenance: bool = False
    registration_open: bool = True
    trial_days: int | None = None  # None: each plan's own trial length
    ai_key: str | None = field(default=None, repr=False)  # decrypted; None: the env key
    ai_key_broken: bool = False  # stored but undecryptable with the configured keys


DEFAULTS = PlatformSettings()


async def load(session: AsyncSession, *, box: SecretBox | None = None) -> PlatformSettings:
    """Every setting from the database (one query)."""
    rows = {k: v for k, v in await session.execute(
        select(PlatformSetting.key, PlatformSetting.value))}
    ai_key: str | None = None
    broken = False
    stored = rows.get(AI_KEY)
    if isinstance(stored, str):
        if box is None:
            broken = True
        else:
            try:
                ai_key = box.decrypt(stored)
            except DecryptionFailed:
                broken = True
    trial = rows.get(TRIAL_DAYS)
    return PlatformSettings(
        maintenance=bool(rows.get(MAINTENANCE, DEFAULTS.maintenance)),
        registration_open=bool(rows.get(REGISTRATION_OPEN, DEFAULTS.registration_open)),
        trial_days=int(trial) if isinstance(trial, int) else None,
        ai_key=ai_key, ai_key_broken=broken,
    )


async def _put(session: AsyncSession, *, key: str, value: Any, actor_id: int | None) -> None:
    row = await session.get(PlatformSetting, key)
    if value is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(PlatformSetting(key=key, value=value, updated_by=actor_id))
    else:
        row.value, row.updated_by = value, actor_id
    await session.flush()


async def set_maintenance(session: AsyncSession, *, actor_id: int | None, on: bool) -> None:
    """Turn maintenance mode on (non-admins get a maintenance notice) or off."""
    await _put(session, key=MAINTENANCE, value=on, actor_id=actor_id)
    await audit.record(session, action="admin.settings.maintenance", user_id=actor_id, on=on)


async def set_registration(session: AsyncSession, *, actor_id: int | None, open_: bool
                           ) -> None:
    """Open or close registration of new users."""
    await _put(session, key=REGISTRATION_OPEN, value=open_, actor_id=actor_id)
    await audit.record(session, action="admin.settings.registration", user_id=actor_id,
                       open=open_)


def parse_trial_days(raw: str) -> int | None:
    """Whole days 1…90, or ``0``/``-`` for "each plan's own"."""
    text = raw.strip()
    if text in {"-", "—", "0"}:
        return None
    if not text.isdigit():
        raise InvalidInput(field="trial_days", reason="number")
    days = int(text)
    if not 1 <= days <= MAX_TRIAL_DAYS:
        raise InvalidInput(field="trial_days", reason="range")
    return days


async def set_trial_days(session: AsyncSession, *, actor_id: int, days: int | None) -> None:
    """The length of new trials (every plan), or None for each plan's own."""
    if days is not None and not 1 <= days <= MAX_TRIAL_DAYS:
        raise InvalidInput(field="trial_days", reason="range")
    await _put(session, key=TRIAL_DAYS, value=days, actor_id=actor_id)
    await audit.record(session, action="admin.settings.trial_days", user_id=actor_id,
                       days=days)


def check_ai_key(raw: str) -> str:
    """A plausible API key: one token, printable ASCII, 20…300 characters."""
    key = raw.strip()
    if (not _AI_KEY_MIN <= len(key) <= _AI_KEY_MAX or not key.isascii() or not key.isprintable()
            or any(c.isspace() for c in key)):
        raise InvalidInput(field="ai_key", reason="format")
    return key


async def set_ai_key(session: AsyncSession, *, actor_id: int, key: str | None,
                     box: SecretBox) -> None:
    """Store the platform AI key encrypted (None removes it: the env key applies again).
    The audit entry records only the key's last four characters."""
    value = box.encrypt(check_ai_key(key)) if key is not None else None
    await _put(session, key=AI_KEY, value=value, actor_id=actor_id)
    await audit.record(session, action="admin.settings.ai_key", user_id=actor_id,
                       set=key is not None, tail=key.strip()[-4:] if key else None)


async def trial_days(session: AsyncSession) -> int | None:
    """The platform trial length, read directly (trials start rarely)."""
    value = await session.scalar(
        select(PlatformSetting.value).where(PlatformSetting.key == TRIAL_DAYS))
    return int(value) if isinstance(value, int) else None


async def invite_open(session: AsyncSession, *, token: str) -> bool:
    """A team invite with this token can still be accepted (lets an invitee in while
    registration is closed; a made-up token does not)."""
    now = utcnow()
    found = await session.scalar(select(Invite.id).where(
        Invite.token == token, Invite.used_at.is_(None), Invite.revoked_at.is_(None),
        Invite.expires_at > now))
    return found is not None


async def clear(session: AsyncSession) -> None:
    """Back to every default (the CLI's reset)."""
    await session.execute(delete(PlatformSetting))


Listener = Callable[[PlatformSettings], None]


class SettingsCache:
    """The settings snapshot of one process: loaded on first use, dropped when this process
    writes a setting, reloaded at most every ``ttl`` seconds otherwise."""

    def __init__(self, *, box: SecretBox | None = None, ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._box = box
        self._ttl = ttl
        self._clock = clock
        self._value: PlatformSettings | None = None
        self._loaded_at = 0.0
        self._listeners: list[Listener] = []

    @property
    def box(self) -> SecretBox | None:
        return self._box

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every freshly loaded snapshot."""
        self._listeners.append(listener)

    def peek(self) -> PlatformSettings | None:
        """The snapshot if one is loaded (no I/O)."""
        return self._value

    async def get(self, session: AsyncSession) -> PlatformSettings:
        """The current settings; a database read only when the snapshot is gone or stale."""
        value = self._value
        if value is not None and self._clock() - self._loaded_at < self._ttl:
            return value
        value = await load(session, box=self._box)
        self._value, self._loaded_at = value, self._clock()
        for listener in self._listeners:
            listener(value)
        return value

    def invalidate(self) -> None:
        self._value = None

    def on_change(self, session: Any, objects: list[Any], tables: set[str]) -> None:
        """Drop the snapshot when a write touches the settings, now and at transaction end
        (so a reader in between cannot re-cache the old value for long)."""
        if "platform_settings" in tables or any(isinstance(o, PlatformSetting)
                                                for o in objects):
            self.invalidate()
            on_end(session, self.invalidate)
