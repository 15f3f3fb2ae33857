"""A demo account with a realistic business, for ``biznespilot shell --demo``."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import (
    canvas,
    competitors,
    dream_buyer,
    goals,
    marketing,
    offers,
    profile,
    sales,
    users,
)
from services.competitors import sync as competitor_sync
from services.competitors.telegram_preview import ChannelPreview, PreviewPost
from services.db.base import utcnow
from services.db.models import Business, PublicChannel
from services.salesbot import knowledge

DEMO_USER_ID = 700_000_001

# The demo's owner-written texts in the demo user's language (English for en).
DEMO_CANVAS = {
    "target_market": "Office workers aged 25–40 in Chilonzor and Yunusobod who buy coffee on "
                     "the way to work; students on weekends.",
    "message": "Freshly roasted coffee in 3 minutes — or the next cup is on us.",
    "media": "Instagram reels, our Telegram channel, a banner at the Chilonzor metro exit.",
    "lead_capture": "A free cup for subscribing to our Telegram bot.",
    "lead_nurture": "Weekly tips on coffee and a Friday offer in the bot.",
    "sales_conversion": "First-order 20% off until Sunday; bundles for offices.",
}
DEMO_TEXTS: dict[str, dict[str, str]] = {
    "en": {"tagline": "Coffee that wakes up Chilonzor",
           "description": "A specialty coffee shop with two points near the metro, take-away "
                          "and office delivery.",
           "goal_revenue": "Monthly revenue 200 mln",
           "goal_followers": "Telegram channel 5 000 members", **DEMO_CANVAS},
    "uz": {"tagline": "Chilonzorni uygʻotadigan kofe",
           "description": "Metro yonida ikki nuqtali specialty kofexona: olib ketish va "
                          "ofislarga yetkazib berish.",
           "goal_revenue": "Oylik tushum 200 mln",
           "goal_followers": "Telegram kanalda 5 000 obunachi",
           "target_market": "Chilonzor va Yunusoboddagi 25–40 yoshli ofis xodimlari: ishga "
                            "ketayotib kofe oladilar; dam olish kunlari talabalar.",
           "message": "3 daqiqada yangi qovurilgan kofe — boʻlmasa keyingi chashka bizdan.",
           "media": "Instagram reels, Telegram kanalimiz, Chilonzor metrosi chiqishidagi "
                    "banner.",
           "lead_capture": "Telegram botimizga obuna boʻlganga bepul kofe.",
           "lead_nurture": "Har hafta kofe haqida maslahatlar va botda juma kungi taklif.",
           "sales_conversion": "Birinchi buyurtmaga yakshanbagacha 20% chegirma; ofislar "
                               "uchun toʻplamlar."},
    "uz_Cyrl": {"tagline": "Чилонзорни уйғотадиган кофе",
                "description": "Метро ёнида икки нуқтали specialty кофехона: олиб кетиш ва "
                               "офисларга етказиб бериш.",
                "goal_revenue": "Ойлик тушум 200 млн",
                "goal_followers": "Telegram каналда 5 000 обуначи",
                "target_market": "Чилонзор ва Юнусободдаги 25–40 ёшли офис ходимлари: ишга "
                                 "кетаётиб кофе оладилар; дам олиш кунлари талабалар.",
                "message": "3 дақиқада янги қовурилган кофе — бўлмаса кейинги чашка биздан.",
                "media": "Instagram reels, Telegram каналимиз, Чилонзор метроси чиқишидаги "
                         "баннер.",
                "lead_capture": "Telegram ботимизга обуна бўлганга бепул кофе.",
                "lead_nurture": "Ҳар ҳафта кофе ҳақида маслаҳатлар ва ботда жума кунги "
                                "таклиф.",
                "sales_conversion": "Биринчи буюртмага якшанбагача 20% чегирма; офислар "
                                    "учун тўпламлар."},
    "ru": {"tagline": "Кофе, который будит Чиланзар",
           "description": "Спешелти-кофейня с двумя точками у метро: навынос и доставка в "
                          "офисы.",
           "goal_revenue": "Выручка 200 млн в месяц",
           "goal_followers": "5 000 подписчиков в Telegram-канале",
           "target_market": "Офисные сотрудники 25–40 лет в Чиланзаре и Юнусабаде, берут кофе "
                            "по дороге на работу; по выходным — студенты.",
           "message": "Свежеобжаренный кофе за 3 минуты — или следующая чашка за наш счёт.",
           "media": "Reels в Instagram, наш Telegram-канал, баннер у выхода из метро "
                    "Чиланзар.",
           "lead_capture": "Бесплатная чашка за подписку на нашего Telegram-бота.",
           "lead_nurture": "Еженедельные советы о кофе и пятничное предложение в боте.",
           "sales_conversion": "Скидка 20% на первый заказ до воскресенья; наборы для офисов."},
}

DEMO_AVATAR = {
    "age_range": "25–34", "gender": "Women and men", "location": "Chilonzor, Tashkent",
    "income": "6–12 mln so'm a month", "occupation": "Office workers, IT and banks",
    "where_online": "Instagram, Telegram channels about Tashkent, YouTube",
    "where_offline": "Metro, business centres, gyms after work",
    "information_sources": "Friends' recommendations, Instagram bloggers, Google Maps reviews",
    "frustrations": "Queues in the morning, coffee that tastes burnt, no time for breakfast",
    "dreams": "A calm morning ritual and a good mood before the 9:00 meeting",
    "fears": "Being late, paying a lot for bad coffee",
    "preferred_channel": "Telegram",
    "language_jargon": "“kofe olib ketaman”, “tezroq”, “latte bormi?”",
    "day_in_life": "Metro at 8:20, office from 9, lunch at the desk, gym at 19:00",
    "happiness_factors": "Fast service, the barista remembers their order, a loyalty card",
}


# The Dream Buyer's answers in the demo user's language (DEMO_AVATAR is the English one).
DEMO_AVATARS: dict[str, dict[str, str]] = {
    "uz": {
        "age_range": "25–34", "gender": "Ayollar va erkaklar", "location": "Chilonzor, Toshkent",
        "income": "Oyiga 6–12 mln so'm", "occupation": "Ofis xodimlari, IT va banklar",
        "where_online": "Instagram, Toshkent haqidagi Telegram kanallar, YouTube",
        "where_offline": "Metro, biznes markazlar, ishdan keyin sport zallari",
        "information_sources": "Doʻstlar tavsiyasi, Instagram blogerlari, Google Maps sharhlari",
        "frustrations": "Ertalabki navbatlar, kuygan taʼmli kofe, nonushtaga vaqt yoʻq",
        "dreams": "Tinch ertalabki odat va soat 9:00 dagi yigʻilishdan oldin yaxshi kayfiyat",
        "fears": "Kechikish, yomon kofega koʻp pul toʻlash",
        "preferred_channel": "Telegram",
        "language_jargon": "“kofe olib ketaman”, “tezroq”, “latte bormi?”",
        "day_in_life": "8:20 da metro, 9 dan ofis, tushlik stol ustida, 19:00 da sport zal",
        "happiness_factors": "Tez xizmat, barista buyurtmasini eslab qoladi, sodiqlik kartasi",
    },
    "uz_Cyrl": {
        "age_range": "25–34", "gender": "Аёллар ва эркаклар", "location": "Чилонзор, Тошкент",
        "income": "Ойига 6–12 млн сўм", "occupation": "Офис ходимлари, IT ва банклар",
        "where_online": "Instagram, Тошкент ҳақидаги Telegram каналлар, YouTube",
        "where_offline": "Метро, бизнес марказлар, ишдан кейин спорт заллари",
        "information_sources": "Дўстлар тавсияси, Instagram блогерлари, Google Maps шарҳлари",
        "frustrations": "Эрталабки навбатлар, куйган таъмли кофе, нонуштага вақт йўқ",
        "dreams": "Тинч эрталабки одат ва соат 9:00 даги йиғилишдан олдин яхши кайфият",
        "fears": "Кечикиш, ёмон кофега кўп пул тўлаш",
        "preferred_channel": "Telegram",
        "language_jargon": "“кофе олиб кетаман”, “тезроқ”, “латте борми?”",
        "day_in_life": "8:20 да метро, 9 дан офис, тушлик стол устида, 19:00 да спорт зал",
        "happiness_factors": "Тез хизмат, бариста буюртмасини эслаб қолади, содиқлик картаси",
    },
    "ru": {
        "age_range": "25–34", "gender": "Женщины и мужчины", "location": "Чиланзар, Ташкент",
        "income": "6–12 млн сумов в месяц", "occupation": "Офисные сотрудники, IT и банки",
        "where_online": "Instagram, Telegram-каналы о Ташкенте, YouTube",
        "where_offline": "Метро, бизнес-центры, спортзалы после работы",
        "information_sources": "Советы друзей, блогеры в Instagram, отзывы в Google Maps",
        "frustrations": "Очереди по утрам, кофе с горелым вкусом, нет времени на завтрак",
        "dreams": "Спокойный утренний ритуал и хорошее настроение перед планёркой в 9:00",
        "fears": "Опоздать, переплатить за плохой кофе",
        "preferred_channel": "Telegram",
        "language_jargon": "«кофе с собой», «побыстрее», «латте есть?»",
        "day_in_life": "Метро в 8:20, офис с 9, обед за столом, спортзал в 19:00",
        "happiness_factors": "Быстрое обслуживание, бариста помнит заказ, карта лояльности",
    },
}


async def seed_demo(session: AsyncSession, *, user_id: int = DEMO_USER_ID,
                    first_name: str = "Demo", language: str = "uz") -> Business:
    """Create (once) a user who owns "Chilonzor Coffee" with a filled profile, canvas and goals.

    Returns the existing demo business when it is already there.
    """
    user, _ = await users.touch_user(session, user_id=user_id, first_name=first_name)
    ctx = await users.load_context(session, user=user)
    if ctx.business is not None:
        return ctx.business
    user.language = user.language or language
    words = DEMO_TEXTS.get(user.language, DEMO_TEXTS["en"])
    business, _ = await profile.create_business(
        session, owner_id=user_id, name="Chilonzor Coffee", industry="horeca", model="b2c",
        primary_goal="sales", team_size="6-20")
    for field, raw in {
        "legal_name": "\"Chilonzor Coffee\" MChJ", "type": "small", "city": "Toshkent",
        "region": "Toshkent shahri", "address": "Chilonzor 9-kvartal, 14",
        "phone": "+998 90 123 45 67", "email": "hello@chilonzorcoffee.uz",
        "website": "chilonzorcoffee.uz", "tagline": words["tagline"],
        "description": words["description"],
        "founded_on": "01.03.2023", "employees": "12", "annual_revenue": "1.8 mlrd",
    }.items():
        await profile.update_field(session, business_id=business.id, field=field, raw=raw)
    for square in DEMO_CANVAS:
        await canvas.set_square(session, business_id=business.id, square=square,
                                content=words[square])
    deadline = (utcnow() + timedelta(days=60)).date()
    goal = await goals.create_goal(session, business_id=business.id, metric="revenue",
                                   title=words["goal_revenue"], target="200 mln",
                                   deadline=deadline)
    await goals.update_progress(session, business_id=business.id, goal_id=goal.id,
                                current="134 mln")
    await goals.create_goal(session, business_id=business.id, metric="followers",
                            title=words["goal_followers"], target="5000",
                            deadline=deadline)
    await _seed_frameworks(session, business.id, DEMO_AVATARS.get(user.language, DEMO_AVATAR))
    await _seed_history(session, business.id)
    await _seed_knowledge(session, business.id)
    await _seed_competitors(session, business.id)
    return business


HISTORY_DAYS = 42  # six weeks: enough for week-on-week and 30-day views
FIRST_NAMES = ("Aziza", "Jasur", "Malika", "Bekzod", "Dilnoza", "Sardor", "Nigora", "Otabek",
               "Madina", "Rustam", "Shahnoza", "Timur")


async def _seed_history(session: AsyncSession, business_id: int) -> None:
    """Two months of spend, leads and orders (the same every time: a seeded generator),
    written through the services so the daily aggregates and customer totals are exact."""
    rng = random.Random(2026)
    channels = {kind: (await marketing.create_channel(session, business_id=business_id,
                                                      kind=kind)).channel.id
                for kind in ("instagram", "telegram", "offline")}
    today = await sales.business_today(session, business_id=business_id)
    phones = [f"+99890{rng.randrange(1_000_000, 9_999_999)}" for _ in range(90)]
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        growth = 1 + (HISTORY_DAYS - back) / HISTORY_DAYS  # the second month does better
        for kind, base in (("instagram", 180_000), ("telegram", 90_000)):
            await marketing.add_spend(session, business_id=business_id,
                                      channel_id=channels[kind], day=day,
                                      amount=int(round(base * rng.uniform(0.7, 1.3), -3)),
                                      source="import")
        for _ in range(rng.randrange(1, 5)):
            kind = rng.choice(("instagram", "instagram", "telegram", "offline"))
            await sales.create_lead(
                session, business_id=business_id, name=rng.choice(FIRST_NAMES),
                phone=rng.choice(phones), channel_id=channels[kind], source="import",
                status=rng.choice(("new", "contacted", "qualified", "won", "lost")),
                stage=rng.choice(("awareness", "interest", "consideration", "intent")),
                arrived_at=_noon(day))
        for _ in range(round(rng.randrange(2, 6) * growth)):
            kind = rng.choice(("instagram", "telegram", "offline", "offline"))
            customer, _ = await sales.find_or_create_customer(
                session, business_id=business_id, phone=rng.choice(phones),
                name=rng.choice(FIRST_NAMES), source_channel_id=channels[kind])
            await sales.create_order(session, business_id=business_id,
                                     total=int(round(rng.uniform(25_000, 90_000), -3)),
                                     channel_id=channels[kind], customer_id=customer.id,
                                     day=day, source="import")


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


async def _seed_frameworks(session: AsyncSession, business_id: int,
                           answers: dict[str, str]) -> None:
    """A filled Dream Buyer and a scored offer with its value stack."""
    avatar, _ = await dream_buyer.create_avatar(session, business_id=business_id,
                                                name="Office Olga")
    for field, value in answers.items():
        await dream_buyer.set_answer(session, business_id=business_id, avatar_id=avatar.id,
                                     field=field, value=value)
    offer = await offers.create_offer(
        session, business_id=business_id, name="Morning Pass",
        core_product="20 coffees a month, pre-ordered in the bot",
        dream_outcome="Great coffee every morning without a queue", price="390 000")
    for lever, level in {"d": 8, "l": 6, "t": 3, "e": 3}.items():  # score 53: "good"
        await offers.set_lever(session, business_id=business_id, offer_id=offer.id,
                               lever=lever, value=level)
    await offers.add_bonus(session, business_id=business_id, offer_id=offer.id,
                           name="Free croissant on Fridays", value=120_000)
    await offers.add_bonus(session, business_id=business_id, offer_id=offer.id,
                           name="Skip-the-queue pickup shelf", value=80_000)
    await offers.set_guarantee(session, business_id=business_id, offer_id=offer.id,
                               kind="unconditional",
                               text="Not happy in 30 days? Your money back, no questions.")


DEMO_PRODUCTS = (("Latte", 28_000, "Double espresso with steamed milk, 350 ml"),
                 ("Cappuccino", 26_000, "Espresso, milk and a thick foam, 300 ml"),
                 ("Morning Pass", 390_000, "20 coffees a month, pre-ordered in the bot"),
                 ("Croissant", 18_000, "Baked every morning at 7:00"))
DEMO_ANSWERS = (
    ("delivery", "Do you deliver to offices?",
     "Yes: offices in Chilonzor and Yunusobod, from 5 cups, within 40 minutes. Free."),
    ("payment", "How can I pay?", "Click, Payme, a card or cash at the counter."),
    ("faq", "What time do you open?", "Every day from 7:30 to 22:00."),
)


async def _seed_knowledge(session: AsyncSession, business_id: int) -> None:
    """What the sales chatbot answers from: products with prices, delivery, payment, hours."""
    for name, price, description in DEMO_PRODUCTS:
        await knowledge.add_product(session, business_id=business_id, name=name, price=price,
                                    description=description)
    for kind, question, answer in DEMO_ANSWERS:
        await knowledge.add_entry(session, business_id=business_id, kind=kind,
                                  question=question, answer=answer)


DEMO_RIVALS = (
    # name, channel, subscribers five weeks ago, weekly growth, their posts
    ("Coffee Point", "coffeepoint_tash", 4_200, 0.02,
     ("Latte — 27 000 so'm", "Ertalabki kofe 8:00 gacha", "Latte — 30 000 so'm")),
    ("Black Bean", "blackbean_uz", 2_600, 0.12,
     ("Nonushta seti — 45 000 so'm", "🔥 AKSIYA! Juma kuni ikkinchi kofe -50%",
      "Yangi: matcha latte")),
)


async def _seed_competitors(session: AsyncSession, business_id: int) -> None:
    """Two rivals with five weekly readings of their channels, stored through the same sync
    code the hourly job uses, so /competitors shows trends and detected activity."""
    now = utcnow()
    for name, channel, start, growth, texts in DEMO_RIVALS:
        rival = (await competitors.create_competitor(session, business_id=business_id,
                                                     name=name, telegram=channel)).competitor
        channel_id = await session.scalar(select(PublicChannel.id).where(
            PublicChannel.business_id == business_id, PublicChannel.competitor_id == rival.id))
        assert channel_id is not None
        posts: list[PreviewPost] = []
        for week in range(5):
            at = now - timedelta(days=7 * (4 - week) + 1)
            text = texts[week - 2] if week >= 2 else f"{name}: bugungi menyu"
            posts.append(PreviewPost(100 + week, at, text, 900 + 40 * week))
            preview = ChannelPreview(channel, name, int(start * (1 + growth) ** week),
                                     list(posts))
            await competitor_sync.apply_preview(session, business_id=business_id,
                                                channel_id=channel_id, preview=preview, now=at)
