"""The default Magic Lantern follow-ups a customer gets, in the four languages.

These are message content the business sends to its customers (the owner can replace each
one), so they live with the sequence as data in the customer's language, not in the owner
bot's gettext catalogs, which only know the owner's locale. ``{business}`` and
``{lead_magnet}`` are filled in when a step is queued.
"""

from __future__ import annotations

DEFAULT_DELAYS = (1, 3, 7)

DEFAULT_TEXTS: dict[str, tuple[str, ...]] = {
    "uz": (
        "Assalomu alaykum! «{lead_magnet}» bilan tanishib chiqdingizmi? Savollaringiz "
        "bo‘lsa, shu yerga yozing — {business} yordam berishdan xursand.",
        "Mijozlarimizning ko‘pchiligi «{lead_magnet}»dan boshlaydi, keyin uni amalda qanday "
        "qo‘llashni so‘raydi. Sizga mos variantni tanlab beraylikmi? Shu xabarga javob "
        "yozing.",
        "{business}dan so‘nggi eslatma: «{lead_magnet}» natijasiga erishishingizga yordam "
        "berishga tayyormiz. «Ha» deb yozing — siz bilan bog‘lanamiz. Bu xabarlarni "
        "to‘xtatish uchun /stop yuboring.",
    ),
    "uz_Cyrl": (
        "Ассалому алайкум! «{lead_magnet}» билан танишиб чиқдингизми? Саволларингиз "
        "бўлса, шу ерга ёзинг — {business} ёрдам беришдан хурсанд.",
        "Мижозларимизнинг кўпчилиги «{lead_magnet}»дан бошлайди, кейин уни амалда қандай "
        "қўллашни сўрайди. Сизга мос вариантни танлаб берайликми? Шу хабарга жавоб ёзинг.",
        "{business}дан сўнгги эслатма: «{lead_magnet}» натижасига эришишингизга ёрдам "
        "беришга тайёрмиз. «Ҳа» деб ёзинг — сиз билан боғланамиз. Бу хабарларни "
        "тўхтатиш учун /stop юборинг.",
    ),
    "ru": (
        "Здравствуйте! Удалось посмотреть «{lead_magnet}»? Если есть вопросы, просто "
        "напишите здесь — {business} с радостью поможет.",
        "Многие наши клиенты начинают с «{lead_magnet}», а потом спрашивают, как применить "
        "это на практике. Подобрать подходящий вариант для вас? Ответьте на это сообщение.",
        "Последнее напоминание от {business}: мы готовы помочь вам получить результат из "
        "«{lead_magnet}». Напишите «да» — и мы свяжемся с вами. Чтобы больше не получать "
        "эти сообщения, отправьте /stop.",
    ),
    "en": (
        "Hi! Did you get a chance to look at “{lead_magnet}”? If you have any questions, "
        "just reply here — {business} is happy to help.",
        "Many of our customers start with “{lead_magnet}” and then ask how to put it into "
        "practice. Shall we pick the right option for you? Just reply to this message.",
        "A last reminder from {business}: we are ready to help you get the result from "
        "“{lead_magnet}”. Reply “yes” and we will get in touch. Send /stop to stop these "
        "messages.",
    ),
}

# Said instead of a title when the conversation's lead magnet is unknown.
FALLBACK_LEAD_MAGNET: dict[str, str] = {
    "uz": "bepul qo‘llanmamiz",
    "uz_Cyrl": "бепул қўлланмамиз",
    "ru": "наш бесплатный материал",
    "en": "our free guide",
}
