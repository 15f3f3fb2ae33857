"""/settings: the language switches at once (command menu too); the time zone validates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.commands import commands_for
from services.db.models import User
from tests.bot.owner.test_team import alert, press_forged, seed
from tests.conftest import Database, Telegram

OWNER = 8001


def _clock_shown(text: str, zone: str) -> bool:
    """The local time line shows the wall clock of ``zone`` (to the minute)."""
    now = datetime.now(UTC)
    return any(format_datetime((now - timedelta(seconds=s)).astimezone(ZoneInfo(zone)),
                               "MMM d, y, h:mm", locale="en") in text for s in (0, 5, 60))


async def _user(db: Database, user_id: int) -> User:
    async with db.sessionmaker() as s:
        user = await s.get(User, user_id)
        assert user is not None
        return user


async def test_settings_show_language_zone_and_local_time(tg: Telegram, db: Database) -> None:
    await seed(db, OWNER)
    owner = tg.user(OWNER)
    shown = await owner.send("/settings")
    text = shown[-1].text
    assert "🌐 Language: 🇬🇧 English" in text
    assert "🕒 Time zone: Tashkent (UTC+5)" in text
    assert _clock_shown(text, "Asia/Tashkent")
    assert shown[-1].button_texts() == ["🌐 Language", "🕒 Time zone", "🏠 Main menu"]
    await owner.send("/menu")
    assert "Settings" in (await owner.press("⚙️ Settings"))[-1].text


async def test_language_switches_replies_and_commands_at_once(tg: Telegram,
                                                              db: Database) -> None:
    await seed(db, OWNER)
    owner = tg.user(OWNER)
    await owner.send("/settings")
    choose = await owner.press("🌐 Language")
    assert choose[-1].button_texts() == ["🇺🇿 O'zbekcha", "🇺🇿 Ўзбекча", "🇷🇺 Русский",
                                         "✓ 🇬🇧 English", "⬅️ Back"]
    tg.emulator.clear_calls()
    switched = await owner.press("🇷🇺 Русский")
    assert switched[-1].text.startswith("⚙️ Настройки")
    assert "🌐 Язык: 🇷🇺 Русский" in switched[-1].text
    assert "г." in switched[-1].text  # the local time in Russian form
    assert (await _user(db, OWNER)).language == "ru"
    [call] = tg.emulator.calls_of("setMyCommands")
    assert call.params["scope"] == {"type": "chat", "chat_id": OWNER}
    expected = [c.model_dump(exclude_none=True) for c in commands_for(tg.app.i18n, "ru")]
    assert call.params["commands"] == expected
    again = await owner.send("/settings")
    assert again[-1].text.startswith("⚙️ Настройки")


async def test_time_zone_by_button_and_by_typing(tg: Telegram, db: Database) -> None:
    await seed(db, OWNER)
    owner = tg.user(OWNER)
    await owner.send("/settings")
    zones = await owner.press("🕒 Time zone")
    assert zones[-1].button_texts() == [
        "✓ Tashkent · UTC+5", "Samarkand · UTC+5", "Almaty · UTC+5", "Moscow · UTC+3",
        "Istanbul · UTC+3", "Dubai · UTC+4", "UTC", "⬅️ Back"]
    picked = await owner.press("Moscow · UTC+3")
    assert "🕒 Time zone: Moscow (UTC+3)" in picked[-1].text
    assert _clock_shown(picked[-1].text, "Europe/Moscow")
    assert "Time zone saved" in alert(owner)
    assert (await _user(db, OWNER)).timezone == "Europe/Moscow"

    await owner.press("🕒 Time zone")
    wrong = await owner.send("Mars/Olympus")
    assert "Unknown time zone" in wrong[-1].text
    typed = await owner.send("+4")
    assert "✅ Time zone saved: UTC+4." in typed[0].text
    assert "🕒 Time zone: UTC+4" in typed[-1].text
    assert (await _user(db, OWNER)).timezone == "Etc/GMT-4"
    # Out of the time zone step, text is no longer read as a zone.
    after = await owner.send("Asia/Dubai")
    assert "I didn't get that" in after[-1].text
    # Forged values are validated by the service.
    await press_forged(owner, "st1:settz:Mars/Olympus")
    assert "Unknown time zone" in alert(owner)
    await press_forged(owner, "st1:setlang:de")
    assert "Please choose one of the buttons" in alert(owner)
    assert (await _user(db, OWNER)).timezone == "Etc/GMT-4"


async def test_back_and_settings_before_any_business(tg: Telegram, db: Database) -> None:
    newcomer = tg.user(8002)
    shown = await newcomer.send("/settings")
    assert "🌐 Language: 🇬🇧 English" in shown[-1].text
    assert "🏠 Main menu" not in shown[-1].button_texts()  # there is no business yet
    await newcomer.press("🕒 Time zone")
    back = await newcomer.press("⬅️ Back")
    assert back[-1].text.startswith("⚙️ Settings")
    # Leaving the zone step with Back: typed text is not taken as a zone any more.
    assert "Send /start" in (await newcomer.send("Europe/Moscow"))[-1].text
    await newcomer.press("🌐 Language")
    await newcomer.press("🇺🇿 Ўзбекча")
    assert (await _user(db, 8002)).language == "uz_Cyrl"
