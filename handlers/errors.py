"""The one error handler: domain errors become a localized reply; anything else is logged with
the update id and the user gets a short apology — never silence."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.types import ErrorEvent, Update
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _

from bot.formatting import number
from handlers import labels
from services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InviteInvalid,
    LimitExceeded,
    NoBusiness,
    NotFound,
    PermissionDenied,
    SubscriptionInactive,
)

log = logging.getLogger(__name__)


def _number(value: object) -> str:
    """A range bound in the user's locale (``1 000 000``, not ``1000000``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value, get_i18n().current_locale)
    return str(value)


def describe_invalid(exc: InvalidInput) -> str:
    """The user-facing message for a validation error."""
    reason, params = exc.reason, exc.params
    messages = {
        "empty": _("This can't be empty. Please type it again."),
        "too_long": _("That is too long: at most {max} characters.").format(
            max=params.get("max", "")),
        "phone": _("That doesn't look like a phone number. Example: +998 90 123 45 67"),
        "email": _("That doesn't look like an e-mail address. Example: info@example.uz"),
        "url": _("That doesn't look like a website address. Example: example.uz"),
        "date": _("Please type a date like 24.11.2026."),
        "date_range": _("That date is out of range."),
        "past": _("That date is already in the past."),
        "number": _("Please type a whole number, e.g. 1 500 000 or 1.5 mln."),
        "count": _("Please type a whole number, e.g. 12."),
        "range": _("The number must be between {min} and {max}.").format(
            min=_number(params.get("min", "")), max=_number(params.get("max", ""))),
        "choice": _("Please choose one of the buttons."),
        "timezone": _("Unknown time zone. Type a name like Asia/Tashkent or an offset like "
                      "+5."),
        "too_many": _("You have reached the maximum of {max}.").format(
            max=params.get("max", "")),
    }
    return messages.get(reason, _("That value is not valid. Please try again."))


def describe(exc: DomainError) -> str:
    """The user-facing message for any domain error."""
    if isinstance(exc, InvalidInput):
        return describe_invalid(exc)
    if isinstance(exc, PermissionDenied):
        return _("⛔ Your role ({role}) can't {action}. Ask the business owner or an admin."
                 ).format(role=labels.role(str(exc.params.get("role", ""))),
                          action=labels.permission(str(exc.params.get("permission", ""))))
    if isinstance(exc, LimitExceeded):
        return _("📈 Your {plan} plan allows {limit} for “{resource}”, and it is used up. "
                 "Upgrade in /plan to add more.").format(
            plan=str(exc.params.get("plan", "")).title(), limit=exc.params.get("limit"),
            resource=labels.resource(str(exc.params.get("resource", ""))))
    if isinstance(exc, SubscriptionInactive):
        return _("🔒 Your trial or subscription has ended, so the business is read-only. "
                 "Renew it in /plan to make changes.")
    if isinstance(exc, NoBusiness):
        return _("You don't have a business yet. Send /start to create one.")
    if isinstance(exc, InviteInvalid):
        return {
            "expired": _("This invite link has expired. Ask for a new one."),
            "used": _("This invite link has already been used."),
            "revoked": _("This invite link was revoked."),
        }.get(str(exc.params.get("reason")), _("This invite link is not valid."))
    if isinstance(exc, Conflict):
        return {
            "already_member": _("You are already a member of this business."),
            "self": _("You can't change your own role."),
        }.get(str(exc.params.get("reason")), _("That can't be done right now."))
    if isinstance(exc, NotFound):
        return _("Not found: it may have been deleted, or it belongs to another business.")
    return _("That can't be done right now.")


async def _reply(bot: Bot, update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
        return
    chat_id = None
    if update.message is not None:
        chat_id = update.message.chat.id
    if chat_id is not None:
        await bot.send_message(chat_id, text)


async def on_error(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> None:
    update, exc = event.update, event.exception
    # The locale middleware's context has already exited; re-enter it with the same locale.
    locale = data.get("locale") or i18n.default_locale
    with i18n.context(), i18n.use_locale(locale):
        if isinstance(exc, DomainError):
            text = describe(exc)
        else:
            log.exception("update %s failed", update.update_id, exc_info=exc)
            text = _("😔 Sorry, something went wrong on our side. Please try again in a "
                     "minute; we have logged the problem.")
        try:
            await _reply(bot, update, text)
        except Exception:  # the apology itself failed (blocked, network): log, don't loop
            log.warning("could not send the error reply for update %s", update.update_id)
