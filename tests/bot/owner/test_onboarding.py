"""Onboarding as a new owner sees it, through the Bot API emulator."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from bot.emulator import BotAPIEmulator
from services.db.models import Business, Subscription, User
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot


async def _onboard_to_team_size(user) -> None:  # type: ignore[no-untyped-def]
    await user.send("/start")
    await user.press("🇬🇧 English")
    await user.send("Chilonzor Coffee")
    await user.press("Cafés and restaurants")
    await user.press("B2C — we sell to people")
    await user.press("More sales")


async def test_full_onboarding_starts_trial_and_shows_menu(tg: Telegram, db: Database) -> None:
    user = tg.user(1001, language_code="ru")
    first = await user.send("/start")
    assert "Choose your language" in first[-1].text or "язык" in first[-1].text.lower()
    assert "🇬🇧 English" in first[-1].button_texts()
    await _onboard_to_team_size(user)
    done = await user.press("2–5 people")
    texts = "\n".join(m.text for m in done)
    assert "Chilonzor Coffee is ready" in texts
    assert "trial runs until" in texts
    assert "Your first three steps" in texts
    assert "/dreambuyer" in texts and "/offer" in texts
    assert "main menu" in done[-1].text
    assert "🏢 Business profile" in done[-1].button_texts()
    async with db.sessionmaker() as s:
        business = await s.scalar(select(Business).where(Business.owner_id == 1001))
        assert business is not None
        assert (business.name, business.industry, business.model, business.primary_goal,
                business.team_size) == ("Chilonzor Coffee", "horeca", "b2c", "sales", "2-5")
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == 1001))
        assert sub is not None and sub.status == "trialing"
        assert (sub.trial_ends_at - sub.created_at).days == 7
        assert (await s.get(User, 1001)).language == "en"  # type: ignore[union-attr]
    # A returning user gets the main menu, not the wizard.
    again = await user.send("/start")
    assert "main menu" in again[-1].text


async def test_uzbek_is_the_default_and_steps_validate(tg: Telegram) -> None:
    user = tg.user(1002, language_code="uz")
    await user.send("/start")
    step1 = await user.press("🇺🇿 O'zbekcha")
    assert step1[-1].text != ""
    too_long = await user.send("x" * 121)
    assert "120" in too_long[0].text  # the localized "too long" error names the limit
    await user.send("Non uyi")
    wrong = await user.send("some text instead of a button")
    assert len(wrong) == 2  # a localized hint, then the same question again
    assert wrong[-1].buttons


async def test_back_and_other_industry(tg: Telegram, db: Database) -> None:
    user = tg.user(1003)
    await user.send("/start")
    await user.press("🇬🇧 English")
    await user.send("First Name")
    back = await user.press("⬅️ Back")
    assert "What is your business called" in back[-1].text
    await user.send("Second Name")
    other = await user.press("Other")
    assert "Type your industry" in other[-1].text
    await user.send("Wedding photography")
    await user.press("Both B2B and B2C")
    await user.press("Brand awareness")
    await user.press("Just me")
    async with db.sessionmaker() as s:
        business = await s.scalar(select(Business).where(Business.owner_id == 1003))
        assert business is not None
        assert (business.name, business.industry, business.sub_industry) == (
            "Second Name", "other", "Wedding photography")


async def test_cancel_then_start_again(tg: Telegram) -> None:
    user = tg.user(1004)
    await user.send("/start")
    await user.press("🇬🇧 English")
    cancelled = await user.press("✖️ Cancel")
    assert "Setup cancelled" in cancelled[-1].text
    restart = await user.send("/start")
    assert "What is your business called" in restart[-1].text  # language is remembered


async def test_wizard_resumes_after_restart(settings: Settings, db: Database) -> None:
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(1005)
            await user.send("/start")
            await user.press("🇬🇧 English")
            await user.send("Resume Café")
            await user.press("Retail")
        # The bot process is gone; a new one starts on the same database.
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(1005)
            resumed = await user.send("/start")
            assert "continue where we stopped" in resumed[0].text
            assert "Who do you sell to" in resumed[-1].text
            await user.press("B2B — we sell to businesses")
            await user.press("More leads")
            done = await user.press("Just me")
            assert any("Resume Café is ready" in m.text for m in done)
