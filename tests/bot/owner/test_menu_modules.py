"""Every module is reachable from the main menu without knowing a command: the sales chatbot
(with its knowledge base, follow-ups and stats), competitors, integrations and AmoCRM."""

from __future__ import annotations

from tests.conftest import Database, Telegram
from tests.factories import make_owner


async def test_main_menu_reaches_the_chatbot_competitors_and_integrations(
        tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7651, name="Menu Cafe")
    owner = tg.user(7651)
    menu = (await owner.send("/menu"))[-1]
    for label in ("💬 Sales chatbot", "🕵️ Competitors", "🔌 Integrations"):
        assert label in menu.button_texts()
    chatbot = (await owner.press("💬 Sales chatbot", message=menu))[-1]
    assert "Sales chatbot — Menu Cafe" in chatbot.text
    assert {"📚 Knowledge base", "💌 Follow-ups", "➕ Connect a bot"} <= set(
        chatbot.button_texts())
    kb = (await owner.press("📚 Knowledge base", message=chatbot))[-1]
    assert "Knowledge base" in kb.text
    menu = (await owner.send("/menu"))[-1]
    rivals = (await owner.press("🕵️ Competitors", message=menu))[-1]
    assert "Competitors — Menu Cafe" in rivals.text
    menu = (await owner.send("/menu"))[-1]
    listed = (await owner.press("🔌 Integrations", message=menu))[-1]
    assert "Not connected: Instagram" in listed.text
    crm = (await owner.press("🔗 AmoCRM", message=listed))[-1]
    assert "AmoCRM" in crm.text
