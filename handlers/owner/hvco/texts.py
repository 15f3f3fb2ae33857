"""The words of the HVCO screens and of the offline (rules and templates) drafts."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from handlers import labels
from services.db.models import Business
from services.hvco import (
    TITLE_MAX,
    Conversion,
    DraftText,
    HvcoStatus,
    HvcoType,
    OutlinePoint,
    Reason,
    TopicIdea,
    fallback_plan,
)

TYPE_EMOJI = {
    HvcoType.EBOOK: "📘", HvcoType.CHECKLIST: "✅", HvcoType.VIDEO_COURSE: "🎬",
    HvcoType.WEBINAR: "🎙", HvcoType.TEMPLATE: "📄", HvcoType.QUIZ: "❓",
    HvcoType.CONSULTATION: "🤝", HvcoType.CALCULATOR: "🧮",
}
STATUS_EMOJI = {HvcoStatus.DRAFT: "📝", HvcoStatus.ACTIVE: "🟢", HvcoStatus.ARCHIVED: "📦"}


def offline_note() -> str:
    return _("⚙️ Offline answer — built from rules and templates, no AI key in use.")


def type_name(kind: HvcoType) -> str:
    return {
        HvcoType.EBOOK: _("E-book"), HvcoType.CHECKLIST: _("Checklist"),
        HvcoType.VIDEO_COURSE: _("Video course"), HvcoType.WEBINAR: _("Webinar"),
        HvcoType.TEMPLATE: _("Template"), HvcoType.QUIZ: _("Quiz"),
        HvcoType.CONSULTATION: _("Free consultation"), HvcoType.CALCULATOR: _("Calculator"),
    }[kind]


def type_label(kind: HvcoType) -> str:
    return f"{TYPE_EMOJI[kind]} {type_name(kind)}"


def status_name(status: HvcoStatus) -> str:
    return {HvcoStatus.DRAFT: _("Draft"), HvcoStatus.ACTIVE: _("Active"),
            HvcoStatus.ARCHIVED: _("Archived")}[status]


def status_label(status: HvcoStatus) -> str:
    return f"{STATUS_EMOJI[status]} {status_name(status)}"


def conversion_range(conv: Conversion) -> str:
    return _("{low}–{high}%").format(low=conv.low, high=conv.high)


def reason(code: Reason) -> str:
    return {Reason.INDUSTRY: _("fits your industry"), Reason.MODEL: _("fits your sales model"),
            Reason.GOAL: _("fits your main goal")}[code]


def field_of(business: Business) -> str:
    """What the business does, for topic suggestions: its sub-industry, else its industry."""
    return (business.sub_industry or "").strip() or labels.industry(business.industry or "other")


def topic_idea(idea: TopicIdea, business: Business) -> str:
    field = field_of(business)
    return {
        TopicIdea.MISTAKES: _("{field}: the 5 most common mistakes and how to avoid them"),
        TopicIdea.CHOOSE: _("{field}: how to choose without overpaying"),
        TopicIdea.QUICK_WIN: _("{field}: the first result in 7 days"),
        TopicIdea.COST: _("{field}: how much it really costs and how to save"),
        TopicIdea.CHECKUP: _("{field}: a free check-up of your situation"),
        TopicIdea.PLAN: _("{field}: a step-by-step plan for beginners"),
    }[idea].format(field=field)


def _outline_point(point: OutlinePoint, business: Business) -> str:
    return {
        OutlinePoint.WHY: _("Why this problem matters, and what it costs you to put it off"),
        OutlinePoint.MISTAKES: _("The 5 most common mistakes, and how to avoid them"),
        OutlinePoint.STEPS: _("Step by step: what to do, in the right order"),
        OutlinePoint.EXAMPLE: _("A real example from our customers' experience"),
        OutlinePoint.CHECK: _("A quick self-check: where you are today"),
        OutlinePoint.TOOLS: _("Tools and ready-made forms that save you time"),
        OutlinePoint.NUMBERS: _("Your numbers: how much you can save or earn"),
        OutlinePoint.QUESTIONS: _("A few simple questions about your situation"),
        OutlinePoint.RESULT: _("Your personal result, and what it means"),
        OutlinePoint.PLAN: _("An action plan for the next 7 days"),
        OutlinePoint.BONUS: _("Bonus: answers to the most frequent questions"),
        OutlinePoint.NEXT: _("The next step: how {business} helps you get there faster"),
    }[point].format(business=business.name)


def _title(kind: HvcoType, topic: str) -> str:
    return {
        HvcoType.EBOOK: _("Free guide: {topic}"),
        HvcoType.CHECKLIST: _("Checklist: {topic}"),
        HvcoType.VIDEO_COURSE: _("Free video course: {topic}"),
        HvcoType.WEBINAR: _("Free webinar: {topic}"),
        HvcoType.TEMPLATE: _("Ready-made template: {topic}"),
        HvcoType.QUIZ: _("Quiz: {topic}"),
        HvcoType.CONSULTATION: _("Free consultation: {topic}"),
        HvcoType.CALCULATOR: _("Calculator: {topic}"),
    }[kind].format(topic=topic)


def fallback_draft(kind: HvcoType, topic: str, business: Business) -> DraftText:
    """The offline draft: the service's plan for the type, worded in the user's language."""
    plan = fallback_plan(hvco_type=kind)
    title = _title(kind, topic)
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    outline = tuple(_outline_point(point, business) for point in plan.outline)
    inside = "\n".join(f"• {point}" for point in outline[:3])
    post = _("🎁 {title}\n\n{topic} — is this about you? We have prepared a free answer.\n\n"
             "📌 Format: {type}\n\nInside:\n{inside}\n\n👉 Get it free in our Telegram bot — "
             "{business}.").format(title=title, topic=topic, type=type_name(kind),
                                   inside=inside, business=business.name)
    return DraftText(title, outline, post)
