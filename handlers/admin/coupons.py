"""Admin coupon commands: ``/coupons``, ``/coupon_new CODE percent|fixed VALUE [max_uses]
[YYYY-MM-DD]`` and ``/coupon_off CODE``."""

from __future__ import annotations

from datetime import UTC, datetime, time

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, money, number
from bot.middlewares.permissions import PUBLIC
from handlers.errors import describe
from handlers.ui import h
from services import audit
from services.billing import coupons
from services.db.models import User
from services.errors import DomainError

router = Router(name="admin.coupons")
# Only platform admins get here: the admin gate (``handlers.admin.get_routers``) filters.


def coupon_line(coupon: coupons.CouponView, locale: str) -> str:
    value = (f"{coupon.value}%" if coupon.kind == coupons.CouponKind.PERCENT
             else money(coupon.value, locale))
    uses = (_("{used} of {max} used").format(used=number(coupon.used_count, locale),
                                             max=number(coupon.max_uses, locale))
            if coupon.max_uses is not None
            else _("{used} used").format(used=number(coupon.used_count, locale)))
    line = f"<code>{h(coupon.code)}</code> — {value} · {uses}"
    if coupon.expires_at is not None:
        line += " · " + _("until {date}").format(date=day(coupon.expires_at.date(), locale))
    if not coupon.is_active:
        line += " · " + _("off")
    return line



def usage() -> str:
    return _("Usage: /coupon_new CODE percent|fixed VALUE [max uses] [YYYY-MM-DD]\n"
             "Example: /coupon_new SPRING25 percent 25 100 2027-03-31")


@router.message(Command("coupons"), flags={"perm": PUBLIC})
async def cmd_coupons(message: Message, session: AsyncSession, locale: str) -> None:
    rows = await coupons.list_coupons(session)
    if not rows:
        await message.answer(_("No coupons yet.") + "\n" + usage())
        return
    lines = [_("🎟 <b>Coupons</b>")] + [coupon_line(c, locale) for c in rows[:50]]
    await message.answer("\n".join(lines))


def _parse(args: str | None) -> tuple[str, str, int, int | None, datetime | None] | None:
    parts = (args or "").split()
    if len(parts) < 3 or parts[1].lower() not in set(coupons.CouponKind):
        return None
    try:
        value = int(parts[2].replace("_", ""))
        max_uses = None
        expires = None
        for extra in parts[3:5]:
            if "-" in extra:
                expires = datetime.combine(datetime.strptime(extra, "%Y-%m-%d").date(),
                                           time.max, tzinfo=UTC)
            else:
                max_uses = int(extra)
    except ValueError:
        return None
    return parts[0], parts[1].lower(), value, max_uses, expires


@router.message(Command("coupon_new"), flags={"perm": PUBLIC})
async def cmd_coupon_new(message: Message, command: CommandObject, session: AsyncSession,
                         user: User, locale: str) -> None:
    parsed = _parse(command.args)
    if parsed is None:
        await message.answer(usage())
        return
    code, kind, value, max_uses, expires = parsed
    try:
        coupon = await coupons.create_coupon(session, code=code, kind=kind, value=value,
                                             max_uses=max_uses, expires_at=expires,
                                             created_by=user.id)
    except DomainError as exc:
        text = (_("A coupon with this code already exists.")
                if exc.params.get("reason") == "coupon_exists" else describe(exc))
        await message.answer(text + "\n" + usage())
        return
    await audit.record(session, action="admin.coupon_created", user_id=user.id,
                       code=coupon.code, kind=kind, value=value)
    await message.answer(_("✅ Coupon created: {line}").format(line=coupon_line(coupon, locale)))


@router.message(Command("coupon_off"), flags={"perm": PUBLIC})
async def cmd_coupon_off(message: Message, command: CommandObject, session: AsyncSession,
                         user: User, locale: str) -> None:
    code = (command.args or "").strip()
    if not code:
        await message.answer(_("Usage: /coupon_off CODE"))
        return
    coupon = await coupons.deactivate(session, code=code)
    await audit.record(session, action="admin.coupon_disabled", user_id=user.id,
                       code=coupon.code)
    await message.answer(_("Coupon switched off: {line}").format(
        line=coupon_line(coupon, locale)))
