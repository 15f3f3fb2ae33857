"""The bot's command menu, per language.

Telegram keys command lists by the client's two-letter language, which cannot express Uzbek
Cyrillic; so the global lists cover uz/ru/en and a user's own choice is set for their chat.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.i18n import N_
from services.users import DEFAULT_LANGUAGE, LANGUAGES

COMMANDS = (
    ("menu", N_("Main menu")),
    ("profile", N_("Business profile")),
    ("canvas", N_("1-page marketing canvas")),
    ("goals", N_("Goals and progress")),
    ("dashboard", N_("Dashboard: revenue, leads, CAC, ROI")),
    ("kpi", N_("One KPI in detail")),
    ("assumptions", N_("CLV inputs: margin, lifespan, purchase frequency")),
    ("insights", N_("Insights and alerts")),
    ("strategy", N_("Monthly marketing strategy")),
    ("competitors", N_("Competitors: channels, promotions, prices, SWOT")),
    ("diagnostics", N_("Business diagnostics: score and action plan")),
    ("report", N_("Reports: daily, weekly, monthly, quarterly; PDF and Excel")),
    ("dreambuyer", N_("Dream Buyer avatars")),
    ("offer", N_("Offer Builder")),
    ("hvco", N_("Lead magnets (HVCO)")),
    ("chatbot", N_("Sales chatbot: your business's own bot")),
    ("nurture", N_("Chatbot follow-ups for leads (nurture)")),
    ("chatstats", N_("Sales chatbot stats and exports")),
    ("conversation", N_("A chatbot conversation and its transcript")),
    ("ask", N_("Ask the AI marketing advisor")),
    ("new", N_("New AI conversation")),
    ("usp", N_("USP and elevator pitch ideas")),
    ("spend", N_("Log marketing spend")),
    ("lead", N_("Add a lead")),
    ("leads", N_("Leads: stage, status, score")),
    ("order", N_("Add an order")),
    ("orders", N_("Orders and refunds")),
    ("customers", N_("Customers and their totals")),
    ("channels", N_("Marketing channels")),
    ("integrations", N_("Instagram, Facebook, Google Ads, GA4: connect and sync")),
    ("import", N_("Import from a CSV or Excel file")),
    ("kb", N_("Sales bot knowledge base: Q&A and products")),
    ("amocrm", N_("AmoCRM sync: connect, mapping, log")),
    ("team", N_("Team and roles")),
    ("plan", N_("Plan, trial and limits")),
    ("business", N_("Switch or add a business")),
    ("settings", N_("Language and time zone")),
    ("support", N_("Write to support")),
    ("help", N_("Help")),
    ("cancel", N_("Cancel the current action")),
)


def commands_for(i18n: I18n, locale: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=i18n.gettext(text, locale=locale))
            for name, text in COMMANDS]


async def set_default_commands(bot: Bot, i18n: I18n) -> None:
    """Commands for everyone: Uzbek by default, plus Russian and English clients."""
    await bot.set_my_commands(commands_for(i18n, DEFAULT_LANGUAGE), BotCommandScopeDefault())
    for locale in LANGUAGES:
        if len(locale) == 2:
            await bot.set_my_commands(commands_for(i18n, locale), BotCommandScopeDefault(),
                                      language_code=locale)


async def set_user_commands(bot: Bot, i18n: I18n, *, chat_id: int, locale: str) -> None:
    """Commands in the language this user chose (covers Uzbek Cyrillic)."""
    await bot.set_my_commands(commands_for(i18n, locale), BotCommandScopeChat(chat_id=chat_id))
