from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.amocrm.callbacks import AmoAction, AmoCB
from handlers.owner.integrations.callbacks import IntegrationAction, IntegrationCB
from handlers.owner.integrations.texts import NAMES
from handlers.ui import with_home
from services.integrations import ConnectionView, Kind


def _button(text: str, action: IntegrationAction, kind: Kind) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=IntegrationCB(
        action=action, kind=kind.value).pack())


def list_keyboard(connections: list[ConnectionView], *, can_manage: bool
                  ) -> InlineKeyboardMarkup:
    """Connected: sync now and disconnect; not connected: connect."""
    b = InlineKeyboardBuilder()
    if can_manage:
        connected = {c.kind: c for c in connections}
        for kind in Kind:
            name = NAMES[kind]
            if kind in connected and connected[kind].status != "active":  # token expired
                b.row(_button(_("🔑 Reconnect {name}").format(name=name),
                              IntegrationAction.CONNECT, kind),
                      _button("🔌 " + name, IntegrationAction.DISCONNECT, kind))
            elif kind in connected:
                b.row(_button(_("🔄 Sync {name}").format(name=name), IntegrationAction.SYNC,
                              kind),
                      _button("🔌 " + name, IntegrationAction.DISCONNECT, kind))
            if kind in connected and connected[kind].foreign:
                b.row(_button(_("💱 {currency} rate for {name}").format(
                    currency=connected[kind].currency, name=name), IntegrationAction.RATE,
                    kind))
            else:
                b.row(_button(_("➕ Connect {name}").format(name=name),
                              IntegrationAction.CONNECT, kind))
    if connections:
        b.row(InlineKeyboardButton(text=_("📜 Sync log"), callback_data=IntegrationCB(
            action=IntegrationAction.LOG).pack()))
    if can_manage:  # the CRM has its own screen (/amocrm): mapping, log, notes
        b.row(InlineKeyboardButton(text=_("🔗 AmoCRM"), callback_data=AmoCB(
            action=AmoAction.HOME).pack()))
    return with_home(b)


def disconnect_keyboard(kind: Kind) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(_button(_("🔌 Yes, disconnect"), IntegrationAction.CONFIRM, kind),
          _button(_("↩️ No, keep it"), IntegrationAction.KEEP, kind))
    return b.as_markup()


def after_sync_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🔌 Integrations"),
             callback_data=IntegrationCB(action=IntegrationAction.LIST).pack())
    return with_home(b)
