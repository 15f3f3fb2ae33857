"""Which of our four languages a customer's message is written in, when the text says so.

The bot first speaks the language of the customer's Telegram app, but many customers in
Uzbekistan run Telegram in Russian or English and write in Uzbek (or the other way round):
the reply should follow what they write. ``detect_language`` is cheap rules (no I/O): the
script (Uzbek Cyrillic letters ``ў қ ғ ҳ``, Russian-only ``ы щ``), then marker words of each
language. It answers only when one language clearly wins; short or mixed messages ("ok",
"Latte", "👍", "Assalomu alaykum" — a greeting every language here uses) give None, and the
conversation keeps its language.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Marker words (whole words, lower case, apostrophes dropped). Greetings are left out on
# purpose: "salom" / "assalomu alaykum" open Russian and English messages too.
_UZ_LATIN = _words("""
    narx narxi narxlar narxlari narxi qancha qanchadan nechpul necha nechi pul bormi bor yoq
    kerak kerakmi rahmat raxmat buyurtma buyurtmam buyurtma yetkazib yetkazish yetkazasizlar
    menga menda sizda sizlarda nima nimalar qachon qayerda qayerdan qanday qilib qilaman
    qilmoqchiman olmoqchiman olaman beraman bering iltimos mumkinmi mumkin ha yoq emas
    tolov tolash tolasa boladimi bolsa bilan uchun ham endi hozir kecha ertaga bugun
    yaxshi yomon kelmadi kelmayapti qilinadi qiling qildim dona nechta bitta ikkita
    manzil tuman viloyat shahar kim sotasiz sotasizlarmi bormikan kerakedi mahsulot
""")
_UZ_CYRILLIC = _words("""
    нарх нархи нархлар нархлари канча қанча канчадан нечпул неча пул борми бор йук йўқ
    керак керакми рахмат раҳмат буюртма етказиб етказиш менга менда сизда нима нималар
    качон қачон каерда қаерда кандай қандай киламан қиламан олмокчиман олмоқчиман оламан
    беринг илтимос мумкинми мумкин ха ҳа эмас тулов тўлов булса бўлса билан учун хам ҳам
    хозир ҳозир эртага бугун яхши ёмон келмади килинади қилинади дона нечта битта иккита
    махсулот маҳсулот
""")
_RU = _words("""
    что как сколько стоит есть ли у вас вы мне можно пожалуйста хочу хотел хотела нужно надо
    это где когда почему какой какая какие цена цены стоимость доставка доставку доставляете
    заказ заказать оформить оплата оплатить картой наличными спасибо да нет не но и или
    есть будет сделать получить привезете привезти работаете принимаете мой моя моё
    товар товары размер цвет скидка скидки проблема верните деньги человек
    privet skolko skoka stoit tsena cena mozhno pojaluysta pozhaluysta spasibo hochu nujno
    nuzhno est kogda gde kak
""")
_EN = _words("""
    the a an is are do does did you your yours i im me my we our what how much many price
    prices cost costs have has want would like please can could will when where which who
    why delivery deliver order buy pay payment card cash thanks thank yes no not dont
    available size colour color send need get it this that for to of and or with
""")
_UZ_LETTERS = re.compile(r"[ўқғҳ]")
_RU_LETTERS = re.compile(r"[ыщ]")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
_APOSTROPHES = "'‘’ʻʼ`´"
_UZ_APOSTROPHE = re.compile(rf"[og][{_APOSTROPHES}]")
_WORDS = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str | None:
    """``uz``, ``uz_Cyrl``, ``ru`` or ``en`` when the message clearly is in it, else None."""
    lowered = text.lower()
    cyrillic = len(_CYRILLIC.findall(lowered)) + len(_UZ_LETTERS.findall(lowered))
    latin = len(_LATIN.findall(lowered))
    if cyrillic + latin < 2:
        return None
    words = _WORDS.findall(lowered.translate(str.maketrans("", "", _APOSTROPHES)))
    if cyrillic > latin:
        if _UZ_LETTERS.search(lowered):
            return "uz_Cyrl"
        if _RU_LETTERS.search(lowered):
            return "ru"
        uz = sum(w in _UZ_CYRILLIC for w in words)
        ru = sum(w in _RU for w in words)
        if uz > ru:
            return "uz_Cyrl"
        return "ru" if ru > uz else None
    uz = sum(w in _UZ_LATIN for w in words) + (2 if _UZ_APOSTROPHE.search(lowered) else 0)
    en = sum(w in _EN for w in words)
    ru = sum(w in _RU for w in words)
    scores = sorted(((uz, "uz"), (en, "en"), (ru, "ru")), reverse=True)
    (best, language), (second, _) = scores[0], scores[1]
    return language if best > second else None
