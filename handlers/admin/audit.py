"""/audit: the latest admin and security events, filtered by user id and action prefix."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import moment
from bot.middlewares.permissions import PUBLIC
from handlers.ui import h
from services.admin import accounts
from services.db.models import User

router = Router(name="admin.audit")
DETAIL_KEYS = ("target_user_id", "ticket_id", "days", "before", "after", "reason", "on", "open",
               "set", "tail")


def parse_filters(args: str | None) -> tuple[int | None, str | None]:
    """``/audit 123 admin.user``: a number filters by user, a word by action prefix."""
    user_id = action = None
    for token in (args or "").split():
        if token.isdigit():
            user_id = int(token)
        else:
            action = token
    return user_id, action


@router.message(Command("audit"), flags={"perm": PUBLIC})
async def cmd_audit(message: Message, command: CommandObject, session: AsyncSession,
                    user: User, locale: str) -> None:
    user_id, action = parse_filters(command.args)
    rows = await accounts.audit_entries(session, user_id=user_id, action=action)
    lines = [_("📜 <b>Audit log</b> — latest {count}").format(count=len(rows))]
    if user_id is not None or action:
        lines.append(_("Filter: user {user}, action {action}").format(
            user=user_id or "*", action=h(action or "*")))
    lines.append("")
    for row in rows:
        details = ", ".join(f"{k}={h(row.details[k])}" for k in DETAIL_KEYS
                            if row.details.get(k) is not None)
        lines.append(f"• {moment(row.created_at, locale, user.timezone)} · "
                     f"<code>{h(row.action)}</code> · {row.user_id or '—'}"
                     + (f" · biz {row.business_id}" if row.business_id else "")
                     + (f" · {details}" if details else ""))
    if not rows:
        lines.append(_("Nothing recorded yet."))
    lines += ["", _("Filters: /audit &lt;user id&gt; &lt;action prefix&gt;, e.g. /audit 123 "
                    "admin.user")]
    await message.answer("\n".join(lines)[:4000])
