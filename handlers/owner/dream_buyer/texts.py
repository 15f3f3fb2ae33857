"""The Dream Buyer's words: questions, examples, labels, the card, Power 4% and the offline
persona/ideas/hooks. Services hand back codes and the avatar's own words; this wording is ours."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import progress_bar
from handlers.ui import h
from services import dream_buyer
from services.dream_buyer import (
    DEMOGRAPHICS,
    FIELDS,
    QUESTION_OF,
    AvatarView,
    Channel,
    FallbackPlan,
    Generation,
    HookKind,
    IdeaKind,
    Item,
    Power4Advice,
    Tactic,
)

CARD_ANSWER_LIMIT = 180


def offline_note() -> str:
    return _("⚙️ Offline answer — built from rules and templates, no AI key in use.")


def field_label(code: str) -> str:
    return {
        "name": _("Avatar name"), "age_range": _("Age"), "gender": _("Gender"),
        "location": _("Location"), "income": _("Income"), "occupation": _("Occupation"),
        "where_online": _("Where they spend time online"),
        "where_offline": _("Where they spend time offline"),
        "information_sources": _("Where they get information"),
        "frustrations": _("Frustrations and challenges"), "dreams": _("Dreams and hopes"),
        "fears": _("Biggest fears"), "preferred_channel": _("Preferred way to communicate"),
        "language_jargon": _("Language and jargon"), "day_in_life": _("A day in their life"),
        "happiness_factors": _("What makes them happy"),
    }.get(code, code)


def numbered_label(code: str) -> str:
    """``3. Frustrations and challenges`` for the nine questions, the plain label otherwise."""
    number = QUESTION_OF.get(code)
    return f"{number}. {field_label(code)}" if number else field_label(code)


def question(code: str) -> str:
    return {
        "name": _("Give this avatar a name — think of one typical customer."),
        "age_range": _("How old are they?"),
        "gender": _("Who are they — women, men, or both?"),
        "location": _("Where do they live?"),
        "income": _("What is their income per month?"),
        "occupation": _("What do they do for a living?"),
        "where_online": _("Where do they spend time online?"),
        "where_offline": _("And offline — where do they spend time?"),
        "information_sources": _("Where do they get information?"),
        "frustrations": _("What are their biggest frustrations and challenges?"),
        "dreams": _("What are their dreams and hopes — what do they want to achieve?"),
        "fears": _("What are their biggest fears?"),
        "preferred_channel": _("How do they prefer to communicate?"),
        "language_jargon": _("What language and jargon do they use?"),
        "day_in_life": _("What does a day in their life look like?"),
        "happiness_factors": _("What makes them happy — what does success look like to them?"),
    }.get(code, code)


def example(code: str) -> str:
    return {
        "name": _("Young mum Madina"),
        "age_range": _("28–35"),
        "gender": _("Mostly women"),
        "location": _("Tashkent, Yunusobod and Chilonzor"),
        "income": _("6–10 mln so'm a month per family"),
        "occupation": _("On maternity leave, used to work as an accountant"),
        "where_online": _("Instagram (mum bloggers), Telegram channels about children, "
                          "YouTube recipes"),
        "where_offline": _("Korzinka and Makro supermarkets, kids' play centres, the park in "
                           "the evening"),
        "information_sources": _("Mums' Telegram chats, friends' advice, Instagram bloggers, "
                                 "Google"),
        "frustrations": _("No time for herself, the child is often ill, prices keep rising"),
        "dreams": _("A healthy child, her own small home business, a family trip to Turkey"),
        "fears": _("Buying a fake product, wasting money, the child's health"),
        "preferred_channel": _("Telegram messages, sometimes a phone call"),
        "language_jargon": _("“aksiya bormi?”, “dostavka”, “narxi qancha?”, “zoʻr”"),
        "day_in_life": _("Up at 6:30, breakfast and kindergarten, housework, Instagram while "
                         "the child naps, dinner for the family, Telegram chats at night"),
        "happiness_factors": _("A calm, healthy child, praise from the family, time for "
                               "herself, a good deal that saves money"),
    }.get(code, "")


def pick_label(code: str) -> str:
    """The label of a quick-pick button; brand names stay as they are."""
    return {
        "18-24": "18–24", "25-34": "25–34", "35-44": "35–44", "45-54": "45–54", "55+": "55+",
        "women": _("Women"), "men": _("Men"), "both": _("Women and men"),
        "tashkent": _("Tashkent"), "regions": _("Regions of Uzbekistan"),
        "all_uz": _("All of Uzbekistan"),
        "instagram": "Instagram", "telegram": "Telegram", "youtube": "YouTube",
        "tiktok": "TikTok", "facebook": "Facebook", "google": "Google",
        "whatsapp": "WhatsApp", "sms": "SMS",
        "cafes": _("Cafés"), "gyms": _("Gyms"), "bazaars": _("Bazaars"),
        "malls": _("Shopping malls"), "events": _("Events"), "work": _("At work"),
        "friends": _("Friends and family"), "experts": _("Experts"), "blogs": _("Blogs"),
        "tg_channels": _("Telegram channels"), "phone": _("Phone call"), "email": _("E-mail"),
    }.get(code, code)


def channel_label(channel: Channel) -> str:
    return {
        Channel.PHONE: _("Phone"), Channel.EMAIL: _("E-mail"), Channel.SMS: "SMS",
        Channel.OFFLINE: _("Offline places"), Channel.INSTAGRAM: "Instagram",
        Channel.TELEGRAM: "Telegram", Channel.YOUTUBE: "YouTube", Channel.TIKTOK: "TikTok",
        Channel.FACEBOOK: "Facebook", Channel.GOOGLE: "Google", Channel.YANDEX: "Yandex",
        Channel.WHATSAPP: "WhatsApp",
    }[channel]


def _step_header(code: str) -> str:
    if code == "name" or code in DEMOGRAPHICS:
        about = ("name", *DEMOGRAPHICS)
        return _("👤 <b>About your Dream Buyer — {number} of {total}</b>").format(
            number=about.index(code) + 1, total=len(about))
    if code in ("where_online", "where_offline"):
        return _("❓ <b>Question 1 of 9 — part {part} of 2</b>").format(
            part=1 if code == "where_online" else 2)
    return _("❓ <b>Question {number} of 9</b>").format(number=QUESTION_OF[code])


def question_text(code: str, avatar: AvatarView | None, *, editing: bool,
                  has_picks: bool) -> str:
    lines = [_("✏️ <b>{field}</b>").format(field=h(field_label(code))) if editing
             else _step_header(code)]
    if avatar is not None and not editing:
        lines[0] += f" · {h(avatar.name)}"
    lines += ["", f"<b>{h(question(code))}</b>", "",
              _("<i>Example: {example}</i>").format(example=h(example(code)))]
    current = avatar.get(code) if avatar is not None else None
    if current:
        lines += ["", _("Now: {text}").format(text=h(current))]
    if has_picks:
        lines += ["", _("Tap the options below, or type your own answer.")]
    if code in DEMOGRAPHICS and not editing:
        lines += ["", _("Optional: press Skip if you don't know.")]
    if editing and code != "name":
        lines += ["", _("Type the new answer, or send “-” to clear it.")]
    return "\n".join(lines)


def demographics_line(avatar: AvatarView) -> str:
    return " · ".join(v for code in DEMOGRAPHICS if (v := avatar.answers.get(code)))


def completeness_line(avatar: AvatarView) -> str:
    return _("{bar} {percent}% complete ({answered} of {total} answers)").format(
        bar=progress_bar(avatar.completeness), percent=avatar.completeness,
        answered=avatar.answered, total=len(FIELDS))


def list_text(business_name: str, avatars: list[AvatarView], *, used: int,
              limit: int | None) -> str:
    lines = [_("👤 <b>Dream Buyer</b> — {business}").format(business=h(business_name)), "",
             _("Your ideal customer, described in their own words. Answer nine questions and "
               "get a persona, content ideas and ad hooks."), ""]
    if not avatars:
        lines.append(_("No avatars yet. Create the first one: it takes about five minutes."))
    for number, avatar in enumerate(avatars, 1):
        lines.append(f"{number}. <b>{h(avatar.name)}</b> — "
                     f"{progress_bar(avatar.completeness)} {avatar.completeness}%")
    if limit is not None:
        lines += ["", _("Avatars on your plan: {used} of {limit}.").format(used=used,
                                                                           limit=limit)]
    return "\n".join(lines)


def _short(text: str, limit: int = CARD_ANSWER_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def card_caption(avatar: AvatarView) -> str:
    return _("👤 <b>{name}</b> — Dream Buyer card · {percent}% complete").format(
        name=h(avatar.name), percent=avatar.completeness)


def card_text(avatar: AvatarView) -> str:
    demographics = demographics_line(avatar)
    lines = [f"👤 <b>{h(avatar.name)}</b>",
             h(_short(demographics, 300)) if demographics
             else _("<i>Age, location and income are not filled in yet.</i>"),
             completeness_line(avatar), ""]
    for code in FIELDS:
        value = avatar.answers.get(code)
        lines.append(f"<b>{h(numbered_label(code))}</b>")
        lines.append(h(_short(" ".join(value.split()))) if value else "—")
    lines += ["", power4_text(avatar.name, dream_buyer.power4(avatar))]
    return "\n".join(lines)


def _now_line(tactic: Tactic, channel: str) -> str:
    return {
        Tactic.DIRECT_ADS: _("{channel}: direct-response ads with a clear offer and a "
                             "deadline"),
        Tactic.SEARCH: _("{channel}: search ads for people already looking for a solution"),
        Tactic.DIRECT_MESSAGES: _("{channel}: direct messages and a sales bot that takes the "
                                  "order"),
        Tactic.CALLS: _("{channel}: call warm leads back the same day"),
    }.get(tactic, "{channel}").format(channel=channel)


def _later_line(tactic: Tactic, channel: str) -> str:
    return {
        Tactic.CONTENT: _("{channel}: useful content that builds trust"),
        Tactic.NURTURE: _("{channel}: a Magic Lantern follow-up sequence after the HVCO"),
        Tactic.HVCO: _("{channel}: a flyer with a QR code to your free HVCO"),
    }.get(tactic, "{channel}").format(channel=channel)


def power4_text(name: str, advice: Power4Advice) -> str:
    lines = [_("🎯 <b>Power 4%</b>"),
             _("About {now}% of people like {name} are ready to buy now; about {later}% will "
               "buy later.").format(now=advice.now_percent, later=advice.later_percent,
                                     name=h(name))]
    if not advice.has_channels:
        lines.append(_("Answer questions 1, 2 and 6 (where they spend time, learn and talk) "
                       "to see which of their channels reach each group."))
        return "\n".join(lines)
    lines += ["", _("<b>Buy now ({percent}%)</b>").format(percent=advice.now_percent)]
    if advice.now:
        lines += ["• " + _now_line(a.tactic, channel_label(a.channel)) for a in advice.now]
    else:
        lines.append("• " + _("None of their channels reaches ready buyers directly: add "
                              "search ads or direct messages."))
    lines += ["", _("<b>Buy later ({percent}%)</b>").format(percent=advice.later_percent),
              "• " + _("Offer a free HVCO (a guide, checklist or video) to collect their "
                       "contacts, then nurture them until they are ready.")]
    lines += ["• " + _later_line(a.tactic, channel_label(a.channel)) for a in advice.later]
    return "\n".join(lines)


# --------------------------------------------------------------------------- generated


def _channel_subject(item: Item) -> str:
    try:
        return channel_label(Channel(item.subject))
    except ValueError:
        return item.subject


def idea_text(item: Item) -> str:
    template = {
        IdeaKind.MISTAKES: _("“{subject}”: three common mistakes behind it and how to avoid "
                             "them"),
        IdeaKind.PATH_TO_DREAM: _("A step-by-step path to “{subject}” — a series of posts"),
        IdeaKind.FEAR_ANSWERS: _("Honest answers to the worry “{subject}”: a Q&A video"),
        IdeaKind.DAY_IN_LIFE: _("“A day like yours”: a story that starts with “{subject}”"),
        IdeaKind.SUCCESS_STORY: _("A customer story: how they got to “{subject}”"),
        IdeaKind.CHANNEL_FORMAT: _("A weekly series of short {subject} videos, one useful tip "
                                   "each"),
        IdeaKind.JARGON_POST: _("A post in their own words, built around “{subject}”"),
        IdeaKind.CUSTOMER_STORY: _("A real customer's story with before-and-after photos"),
        IdeaKind.FAQ: _("The five questions customers ask most, answered in one post"),
        IdeaKind.BEFORE_AFTER: _("A before-and-after comparison of your result"),
        IdeaKind.BEHIND_THE_SCENES: _("Behind the scenes: how you prepare every order"),
        IdeaKind.CHECKLIST: _("A checklist: what to check before buying"),
    }[IdeaKind(item.kind)]
    subject = _channel_subject(item) if item.kind == IdeaKind.CHANNEL_FORMAT else item.subject
    return template.format(subject=subject)


def hook_text(item: Item) -> str:
    template = {
        HookKind.PAIN_QUESTION: _("Tired of “{subject}”? There is an easier way."),
        HookKind.IMAGINE: _("Imagine: “{subject}” — sooner than you think."),
        HookKind.FEAR_REVERSAL: _("Worried about “{subject}”? We take that risk on "
                                  "ourselves."),
        HookKind.JARGON: _("“{subject}” — yes, this is exactly for you."),
        HookKind.SUCCESS: _("This is what success looks like: “{subject}”."),
        HookKind.CHANNEL_CTA: _("Write to us on {subject} — we answer within 15 minutes."),
        HookKind.FREE_GUIDE: _("Get our free guide before you spend a single so'm."),
        HookKind.SOCIAL_PROOF: _("See why your neighbours already chose us."),
        HookKind.DEADLINE: _("Only until Sunday: a bonus for the first 20 orders."),
        HookKind.NUMBERS: _("Three simple steps to the result — without overpaying."),
        HookKind.GUARANTEE: _("Not happy? We return your money, no questions asked."),
    }[HookKind(item.kind)]
    subject = _channel_subject(item) if item.kind == HookKind.CHANNEL_CTA else item.subject
    return template.format(subject=subject)


def persona_text(plan: FallbackPlan) -> str:
    demographics = ", ".join(plan.demographics.values())
    parts = [_("{name} — {demographics}.").format(name=plan.name, demographics=demographics)
             if demographics else _("{name} is your Dream Buyer.").format(name=plan.name)]
    if plan.frustration:
        parts.append(_("What bothers them most: {text}.").format(text=plan.frustration))
    if plan.dream:
        parts.append(_("What they want: {text}.").format(text=plan.dream))
    if plan.fear:
        parts.append(_("What they fear: {text}.").format(text=plan.fear))
    if plan.happiness:
        parts.append(_("Success for them: {text}.").format(text=plan.happiness))
    if plan.channels:
        parts.append(_("Where to find them: {channels}.").format(
            channels=", ".join(channel_label(c) for c in plan.channels)))
    if plan.preferred:
        parts.append(_("Best way to reach them: {channel}.").format(
            channel=channel_label(plan.preferred[0])))
    if plan.jargon:
        parts.append(_("Speak their language: {words}.").format(
            words=", ".join(f"“{w}”" for w in plan.jargon)))
    return " ".join(parts)


def render_fallback(plan: FallbackPlan) -> Generation:
    """The offline persona, ideas and hooks in the user's language."""
    return Generation(persona=persona_text(plan),
                      content_ideas=tuple(idea_text(i) for i in plan.ideas),
                      ad_hooks=tuple(hook_text(i) for i in plan.hooks))


def generated_text(avatar: AvatarView) -> str:
    lines = [_("✨ <b>{name}</b> — persona, content ideas and ad hooks").format(
        name=h(avatar.name)), "", _("<b>Persona</b>"), h(avatar.persona_summary or ""), "",
        _("<b>Content ideas</b>")]
    lines += [f"{n}. {h(idea)}" for n, idea in enumerate(avatar.content_ideas, 1)]
    lines += ["", _("<b>Ad hooks</b>")]
    lines += [f"{n}. {h(hook)}" for n, hook in enumerate(avatar.ad_hooks, 1)]
    if avatar.generated_source == "fallback":
        lines += ["", offline_note()]
    return "\n".join(lines)
