"""HVCO (High-Value Content Offer, a lead magnet): types, recommendations, drafts and the deep
link the business's sales bot uses to deliver it and tag the lead (SPEC §3.6, §3.9)."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.ai.parsing import json_object
from services.db.models import Business, Hvco
from services.errors import Conflict, InvalidInput, NotFound
from services.validation import clean_text, parse_url

CODE_PREFIX = "hv_"
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # Telegram's rule for a ?start= parameter
TITLE_MAX = 120
TOPIC_MAX = 200
OUTLINE_ITEM_MAX = 200
OUTLINE_MAX_ITEMS = 10
POST_MAX = 3500
TEXT_MAX = 3500
FILE_MAX_BYTES = 10 * 1024 * 1024
MAX_HVCOS = 30


class HvcoType(StrEnum):
    EBOOK = "ebook"
    CHECKLIST = "checklist"
    VIDEO_COURSE = "video"
    WEBINAR = "webinar"
    TEMPLATE = "template"
    QUIZ = "quiz"
    CONSULTATION = "consult"
    CALCULATOR = "calc"


class HvcoStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Conversion:
    """Expected opt-in conversion of a lead magnet type, in percent (SPEC §3.6)."""

    low: int
    high: int

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2


CONVERSION: dict[HvcoType, Conversion] = {
    HvcoType.EBOOK: Conversion(15, 25),
    HvcoType.CHECKLIST: Conversion(20, 35),
    HvcoType.VIDEO_COURSE: Conversion(25, 40),
    HvcoType.WEBINAR: Conversion(30, 50),
    HvcoType.TEMPLATE: Conversion(25, 40),
    HvcoType.QUIZ: Conversion(35, 50),
    HvcoType.CONSULTATION: Conversion(40, 60),
    HvcoType.CALCULATOR: Conversion(30, 45),
}


# ---------------------------------------------------------------- recommendations


class Reason(StrEnum):
    """Why a type is recommended: it fits the business's industry, model or primary goal."""

    INDUSTRY = "industry"
    MODEL = "model"
    GOAL = "goal"


@dataclass(frozen=True, slots=True)
class Recommendation:
    type: HvcoType
    reasons: tuple[Reason, ...]


_T = HvcoType
_BY_INDUSTRY: dict[str, tuple[HvcoType, ...]] = {
    "services": (_T.CONSULTATION, _T.CHECKLIST),
    "beauty": (_T.CONSULTATION, _T.QUIZ),
    "health": (_T.CONSULTATION, _T.CHECKLIST),
    "agency": (_T.CONSULTATION, _T.CALCULATOR),
    "real_estate": (_T.CALCULATOR, _T.CONSULTATION),
    "construction": (_T.CALCULATOR, _T.CONSULTATION),
    "education": (_T.VIDEO_COURSE, _T.WEBINAR),
    "it": (_T.TEMPLATE, _T.CALCULATOR),
    "manufacturing": (_T.CALCULATOR, _T.TEMPLATE),
    "auto": (_T.CHECKLIST, _T.CALCULATOR),
    "retail": (_T.CHECKLIST, _T.QUIZ),
    "ecommerce": (_T.QUIZ, _T.CHECKLIST),
    "horeca": (_T.QUIZ, _T.CHECKLIST),
}
_BY_MODEL: dict[str, tuple[HvcoType, ...]] = {
    "b2b": (_T.CALCULATOR, _T.TEMPLATE, _T.WEBINAR),
    "b2c": (_T.QUIZ, _T.CHECKLIST),
    "both": (_T.CHECKLIST, _T.WEBINAR),
}
_BY_GOAL: dict[str, tuple[HvcoType, ...]] = {
    "leads": (_T.QUIZ, _T.CHECKLIST),
    "sales": (_T.CONSULTATION, _T.CALCULATOR),
    "brand": (_T.EBOOK, _T.VIDEO_COURSE),
    "retention": (_T.VIDEO_COURSE, _T.TEMPLATE),
}
_WEIGHT = {Reason.INDUSTRY: 3, Reason.MODEL: 2, Reason.GOAL: 2}


def recommend_types(
    *, industry: str | None, model: str | None, primary_goal: str | None, limit: int = 3
) -> list[Recommendation]:
    """The types that fit this business best, best first (ties: higher expected conversion)."""
    scores: dict[HvcoType, int] = {}
    reasons: dict[HvcoType, list[Reason]] = {}
    for reason, table, key in ((Reason.INDUSTRY, _BY_INDUSTRY, industry),
                               (Reason.MODEL, _BY_MODEL, model),
                               (Reason.GOAL, _BY_GOAL, primary_goal)):
        for rank, kind in enumerate(table.get(key or "", ())):
            # the first type of a rule counts a little more than the next ones
            scores[kind] = scores.get(kind, 0) + _WEIGHT[reason] * 10 - rank
            reasons.setdefault(kind, []).append(reason)
    ranked = sorted(scores, key=lambda k: (-scores[k], -CONVERSION[k].midpoint, k.value))
    return [Recommendation(kind, tuple(reasons[kind])) for kind in ranked[:limit]]


class TopicIdea(StrEnum):
    """A topic suggestion (worded by the transport around the business's field)."""

    MISTAKES = "mistakes"
    CHOOSE = "choose"
    QUICK_WIN = "quick_win"
    COST = "cost"
    CHECKUP = "checkup"
    PLAN = "plan"


_IDEAS_BY_TYPE: dict[HvcoType, tuple[TopicIdea, ...]] = {
    _T.EBOOK: (TopicIdea.MISTAKES, TopicIdea.CHOOSE, TopicIdea.PLAN),
    _T.CHECKLIST: (TopicIdea.MISTAKES, TopicIdea.CHOOSE, TopicIdea.QUICK_WIN),
    _T.VIDEO_COURSE: (TopicIdea.QUICK_WIN, TopicIdea.PLAN, TopicIdea.MISTAKES),
    _T.WEBINAR: (TopicIdea.PLAN, TopicIdea.MISTAKES, TopicIdea.QUICK_WIN),
    _T.TEMPLATE: (TopicIdea.PLAN, TopicIdea.QUICK_WIN, TopicIdea.COST),
    _T.QUIZ: (TopicIdea.CHECKUP, TopicIdea.CHOOSE, TopicIdea.MISTAKES),
    _T.CONSULTATION: (TopicIdea.CHECKUP, TopicIdea.PLAN, TopicIdea.COST),
    _T.CALCULATOR: (TopicIdea.COST, TopicIdea.CHOOSE, TopicIdea.CHECKUP),
}


def topic_ideas(*, hvco_type: HvcoType, primary_goal: str | None) -> list[TopicIdea]:
    """Three topic suggestions for the type; a sales goal puts the money question first."""
    ideas = list(_IDEAS_BY_TYPE[hvco_type])
    if primary_goal == "sales" and TopicIdea.COST in ideas:
        ideas.remove(TopicIdea.COST)
        ideas.insert(0, TopicIdea.COST)
    return ideas


# ---------------------------------------------------------------- drafts


class OutlinePoint(StrEnum):
    """One point of a fallback outline; the transport words it around the topic."""

    WHY = "why"
    MISTAKES = "mistakes"
    STEPS = "steps"
    EXAMPLE = "example"
    CHECK = "check"
    TOOLS = "tools"
    NUMBERS = "numbers"
    QUESTIONS = "questions"
    RESULT = "result"
    PLAN = "plan"
    BONUS = "bonus"
    NEXT = "next"


_P = OutlinePoint
FALLBACK_OUTLINES: dict[HvcoType, tuple[OutlinePoint, ...]] = {
    _T.EBOOK: (_P.WHY, _P.MISTAKES, _P.STEPS, _P.EXAMPLE, _P.PLAN, _P.NEXT),
    _T.CHECKLIST: (_P.CHECK, _P.MISTAKES, _P.TOOLS, _P.STEPS, _P.NEXT),
    _T.VIDEO_COURSE: (_P.WHY, _P.STEPS, _P.EXAMPLE, _P.TOOLS, _P.RESULT, _P.BONUS, _P.NEXT),
    _T.WEBINAR: (_P.WHY, _P.MISTAKES, _P.EXAMPLE, _P.PLAN, _P.QUESTIONS, _P.BONUS),
    _T.TEMPLATE: (_P.WHY, _P.TOOLS, _P.STEPS, _P.EXAMPLE, _P.NEXT),
    _T.QUIZ: (_P.QUESTIONS, _P.CHECK, _P.RESULT, _P.PLAN, _P.NEXT),
    _T.CONSULTATION: (_P.QUESTIONS, _P.CHECK, _P.NUMBERS, _P.PLAN, _P.RESULT, _P.NEXT),
    _T.CALCULATOR: (_P.NUMBERS, _P.CHECK, _P.RESULT, _P.EXAMPLE, _P.NEXT),
}


@dataclass(frozen=True, slots=True)
class FallbackPlan:
    """What the offline draft says, as keys: the transport words it in the user's language."""

    type: HvcoType
    outline: tuple[OutlinePoint, ...]
    conversion: Conversion


def fallback_plan(*, hvco_type: HvcoType) -> FallbackPlan:
    """The deterministic draft for a type (5–7 outline points)."""
    return FallbackPlan(hvco_type, FALLBACK_OUTLINES[hvco_type], CONVERSION[hvco_type])


@dataclass(frozen=True, slots=True)
class DraftText:
    """A drafted (or edited) title, outline and announcement post."""

    title: str
    outline: tuple[str, ...]
    post: str


_LANGUAGE_NAMES = {"uz": "Uzbek (Latin script, o‘ and g‘ with the ‘ sign)",
                   "uz_Cyrl": "Uzbek (Cyrillic script)", "ru": "Russian", "en": "English"}
_TYPE_NAMES = {
    _T.EBOOK: "an e-book", _T.CHECKLIST: "a checklist", _T.VIDEO_COURSE: "a short video course",
    _T.WEBINAR: "a webinar", _T.TEMPLATE: "a ready-to-use template", _T.QUIZ: "a quiz",
    _T.CONSULTATION: "a free consultation", _T.CALCULATOR: "a calculator",
}


def draft_instructions(*, hvco_type: HvcoType, topic: str, locale: str) -> str:
    """The model's task for drafting a lead magnet (English; the answer is in ``locale``)."""
    conv = CONVERSION[hvco_type]
    return (
        f"Draft a lead magnet (a High-Value Content Offer in Sabri Suby's sense): "
        f"{_TYPE_NAMES[hvco_type]} that solves this problem of the ideal customer: {topic!r}. "
        f"Typical opt-in conversion of this type is {conv.low}-{conv.high}%. "
        f"Write in {_LANGUAGE_NAMES.get(locale, 'Uzbek')}, in the customer's words, concrete "
        f"and specific to the business in the facts. Reply with JSON only, no prose, exactly: "
        f'{{"title": string (at most {TITLE_MAX} characters, a promise of a specific result), '
        f'"outline": array of 5 to 7 strings (each at most {OUTLINE_ITEM_MAX} characters), '
        f'"post": string (a Telegram announcement post, at most 1200 characters, plain text, '
        f'ending with a call to action to get it free in our bot)}}.'
    )


def business_facts(business: Business) -> str:
    """The profile facts a draft is grounded on (English labels, the owner's own values)."""
    pairs = [("Business", business.name), ("Industry", business.industry),
             ("Sub-industry", business.sub_industry), ("Model", business.model),
             ("Primary goal", business.primary_goal), ("City", business.city),
             ("Description", business.description), ("USP", business.usp)]
    return "\n".join(f"{label}: {value}" for label, value in pairs if value)


_BULLET = re.compile(r"^\s*(?:[-*•·–—]+|\d{1,2}[.)])\s*")


def parse_draft_json(text: str) -> DraftText | None:
    """A drafted title/outline/post from the model's answer; ``None`` when it is unusable.

    Tolerates code fences, prose around the JSON object and over-long values (cut to the
    limits); needs a title, 3 or more outline points and a post."""
    data = json_object(text)
    if data is None:
        return None
    title, outline, post = data.get("title"), data.get("outline"), data.get("post")
    if not isinstance(title, str) or not isinstance(post, str) or not isinstance(outline, list):
        return None
    points = [_cut(_BULLET.sub("", str(p)).strip(), OUTLINE_ITEM_MAX)
              for p in outline if isinstance(p, (str, int, float)) and str(p).strip()]
    title, post = _cut(" ".join(title.split()), TITLE_MAX), _cut(post.strip(), POST_MAX)
    points = [p for p in points if p][:7]
    if not title or not post or len(points) < 3:
        return None
    return DraftText(title, tuple(points), post)


def draft_json(draft: DraftText) -> str:
    """The JSON form of a draft, as the model is asked to answer (used by the fallback)."""
    return json.dumps({"title": draft.title, "outline": list(draft.outline), "post": draft.post},
                      ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- validation


def parse_title(raw: str) -> str:
    """A title: trimmed, 1–120 characters."""
    return clean_text(raw, field="title", max_len=TITLE_MAX)


def parse_topic(raw: str) -> str:
    """The problem a lead magnet solves: trimmed, 1–200 characters."""
    return clean_text(raw, field="topic", max_len=TOPIC_MAX)


def parse_post(raw: str) -> str:
    """An announcement post: 1–3500 characters, line breaks kept."""
    return clean_text(raw, field="post", max_len=POST_MAX)


def parse_outline(raw: str) -> tuple[str, ...]:
    """An outline typed one point per line (numbers and bullets are dropped); 1–10 points."""
    points = [_BULLET.sub("", line).strip() for line in raw.splitlines()]
    points = [p for p in points if p]
    if not points:
        raise InvalidInput(field="outline", reason="empty")
    if len(points) > OUTLINE_MAX_ITEMS:
        raise InvalidInput(field="outline", reason="too_many", max=OUTLINE_MAX_ITEMS)
    for point in points:
        if len(point) > OUTLINE_ITEM_MAX:
            raise InvalidInput(field="outline", reason="too_long", max=OUTLINE_ITEM_MAX)
    return tuple(points)


def check_file_size(size: int | None) -> None:
    """Raise ``InvalidInput(reason="file_too_big")`` for a file over 10 MB."""
    if size is not None and size > FILE_MAX_BYTES:
        raise InvalidInput(field="file", reason="file_too_big", max_mb=FILE_MAX_BYTES // 2**20)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class HvcoView:
    id: int
    business_id: int
    type: HvcoType
    topic: str
    title: str
    outline: tuple[str, ...]
    post: str
    file_id: str | None
    file_name: str | None
    url: str | None
    text: str | None
    code: str
    status: HvcoStatus
    leads_count: int
    source: str
    created_at: datetime
    updated_at: datetime

    @property
    def conversion(self) -> Conversion:
        return CONVERSION[self.type]

    @property
    def has_deliverable(self) -> bool:
        return bool(self.file_id or self.url or self.text)


def _view(row: Hvco) -> HvcoView:
    return HvcoView(
        row.id, row.business_id, HvcoType(row.type), row.topic, row.title,
        tuple(str(p) for p in row.outline or ()), row.post, row.file_id, row.file_name,
        row.url, row.delivery_text, row.code, HvcoStatus(row.status), row.leads_count, row.source,
        row.created_at, row.updated_at)


def new_code() -> str:
    """A random deep-link code: ``hv_`` + 12 URL-safe characters (valid ``start`` payload)."""
    return CODE_PREFIX + secrets.token_urlsafe(9)


def deep_link(code: str, bot_username: str) -> str:
    """The link that opens the business's sales bot on this lead magnet."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def count_hvcos(session: AsyncSession, *, business_id: int) -> int:
    """How many lead magnets the business has (any status)."""
    count = await session.scalar(
        select(func.count()).select_from(Hvco).where(Hvco.business_id == business_id))
    return int(count or 0)


async def ensure_room(session: AsyncSession, *, business_id: int) -> None:
    """Raise ``InvalidInput(reason="too_many")`` at ``MAX_HVCOS`` lead magnets."""
    if await count_hvcos(session, business_id=business_id) >= MAX_HVCOS:
        raise InvalidInput(field="hvco", reason="too_many", max=MAX_HVCOS)


async def _unused_code(session: AsyncSession) -> str:
    for _ in range(5):  # 72 random bits: a collision is practically impossible, still checked
        code = new_code()
        if await session.scalar(select(Hvco.id).where(Hvco.code == code)) is None:
            return code
    raise Conflict(reason="code")  # pragma: no cover


async def create_hvco(
    session: AsyncSession,
    *,
    business_id: int,
    hvco_type: HvcoType | str,
    topic: str,
    draft: DraftText,
    source: str,
) -> HvcoView:
    """Save a drafted lead magnet (status draft) with a fresh deep-link code."""
    try:
        kind = HvcoType(hvco_type)
    except ValueError as exc:
        raise InvalidInput(field="type", reason="choice") from exc
    await ensure_room(session, business_id=business_id)
    row = Hvco(
        business_id=business_id, type=kind.value, topic=parse_topic(topic),
        title=parse_title(draft.title), outline=list(parse_outline("\n".join(draft.outline))),
        post=parse_post(draft.post), code=await _unused_code(session),
        status=HvcoStatus.DRAFT.value, leads_count=0,
        source="ai" if source == "ai" else "fallback",
    )
    session.add(row)
    await session.flush()
    return _view(row)


async def list_hvcos(session: AsyncSession, *, business_id: int) -> list[HvcoView]:
    """The business's lead magnets: active first, then drafts, then archived; newest first."""
    rows = await session.scalars(
        select(Hvco).where(Hvco.business_id == business_id).order_by(Hvco.id.desc()))
    order = {HvcoStatus.ACTIVE: 0, HvcoStatus.DRAFT: 1, HvcoStatus.ARCHIVED: 2}
    return sorted((_view(r) for r in rows), key=lambda v: order[v.status])


async def _get(session: AsyncSession, business_id: int, hvco_id: int) -> Hvco:
    row = await session.scalar(
        select(Hvco).where(Hvco.id == hvco_id, Hvco.business_id == business_id))
    if row is None:
        raise NotFound(entity="hvco", id=hvco_id)
    return row


async def get_hvco(session: AsyncSession, *, business_id: int, hvco_id: int) -> HvcoView:
    """One lead magnet of this business; ``NotFound`` for another business's id."""
    return _view(await _get(session, business_id, hvco_id))


async def _change(session: AsyncSession, business_id: int, hvco_id: int,
                  **values: Any) -> HvcoView:
    row = await _get(session, business_id, hvco_id)
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    await session.refresh(row)
    return _view(row)


async def update_title(session: AsyncSession, *, business_id: int, hvco_id: int,
                       raw: str) -> HvcoView:
    """Replace the title (1–120 characters)."""
    return await _change(session, business_id, hvco_id, title=parse_title(raw))


async def update_outline(session: AsyncSession, *, business_id: int, hvco_id: int,
                         raw: str) -> HvcoView:
    """Replace the outline with the points typed one per line."""
    return await _change(session, business_id, hvco_id, outline=list(parse_outline(raw)))


async def update_post(session: AsyncSession, *, business_id: int, hvco_id: int,
                      raw: str) -> HvcoView:
    """Replace the announcement post (up to 3500 characters)."""
    return await _change(session, business_id, hvco_id, post=parse_post(raw))


async def attach_file(session: AsyncSession, *, business_id: int, hvco_id: int, file_id: str,
                      file_name: str | None, file_size: int | None) -> HvcoView:
    """Set the document the sales bot sends (≤ 10 MB); a link or text already set stays."""
    check_file_size(file_size)
    name = (file_name or "").strip()[:255] or None
    return await _change(session, business_id, hvco_id, file_id=file_id[:256], file_name=name)


async def attach_url(session: AsyncSession, *, business_id: int, hvco_id: int,
                     raw: str) -> HvcoView:
    """Set the link the sales bot sends (http/https)."""
    return await _change(session, business_id, hvco_id, url=parse_url(raw, field="url"))


async def attach_text(session: AsyncSession, *, business_id: int, hvco_id: int,
                      raw: str) -> HvcoView:
    """Set the text the sales bot sends (up to 3500 characters)."""
    return await _change(session, business_id, hvco_id,
                         delivery_text=clean_text(raw, field="text", max_len=TEXT_MAX))


def looks_like_url(raw: str) -> bool:
    """True when the whole message is one link (then it is stored as the URL, not as text)."""
    text = raw.strip()
    if not text or any(c.isspace() for c in text):
        return False
    try:
        parse_url(text, field="url")
    except InvalidInput:
        return False
    return True


async def clear_deliverable(session: AsyncSession, *, business_id: int,
                            hvco_id: int) -> HvcoView:
    """Remove the file, link and text; an active lead magnet goes back to draft."""
    row = await _get(session, business_id, hvco_id)
    status = HvcoStatus.DRAFT.value if row.status == HvcoStatus.ACTIVE else row.status
    return await _change(session, business_id, hvco_id, file_id=None, file_name=None, url=None,
                         delivery_text=None, status=status)


async def set_status(session: AsyncSession, *, business_id: int, hvco_id: int,
                     status: HvcoStatus | str) -> HvcoView:
    """Activate, archive or return to draft; activation needs a deliverable
    (``Conflict(reason="no_deliverable")``), since the sales bot would have nothing to send."""
    try:
        target = HvcoStatus(status)
    except ValueError as exc:
        raise InvalidInput(field="status", reason="choice") from exc
    row = await _get(session, business_id, hvco_id)
    if target == HvcoStatus.ACTIVE and not (row.file_id or row.url or row.delivery_text):
        raise Conflict(reason="no_deliverable")
    return await _change(session, business_id, hvco_id, status=target.value)


async def delete_hvco(session: AsyncSession, *, business_id: int, hvco_id: int) -> None:
    """Remove a lead magnet of this business (its deep link stops working)."""
    await session.delete(await _get(session, business_id, hvco_id))
    await session.flush()


async def resolve_code(session: AsyncSession, *, code: str) -> HvcoView | None:
    """The active lead magnet behind a deep-link code, for the sales bot; else ``None``."""
    if not CODE_PATTERN.match(code or "") or not code.startswith(CODE_PREFIX):
        return None
    row = await session.scalar(
        select(Hvco).where(Hvco.code == code, Hvco.status == HvcoStatus.ACTIVE.value))
    return None if row is None else _view(row)


async def record_lead(session: AsyncSession, *, hvco_id: int) -> int:
    """Count one more lead for a lead magnet (one atomic UPDATE); returns the new count."""
    new_count = await session.scalar(
        update(Hvco).where(Hvco.id == hvco_id)
        .values(leads_count=Hvco.leads_count + 1)
        .returning(Hvco.leads_count)
        .execution_options(synchronize_session=False))
    if new_count is None:
        raise NotFound(entity="hvco", id=hvco_id)
    return int(new_count)


async def hvco_facts(session: AsyncSession, *, business_id: int) -> str:
    """A compact English summary of the business's lead magnets for AI prompts."""
    items = await list_hvcos(session, business_id=business_id)
    if not items:
        return "Lead magnets (HVCO): none yet."
    counts = {s: sum(1 for v in items if v.status == s) for s in HvcoStatus}
    lines = [f"Lead magnets (HVCO): {counts[HvcoStatus.ACTIVE]} active, "
             f"{counts[HvcoStatus.DRAFT]} draft, {counts[HvcoStatus.ARCHIVED]} archived; "
             f"{sum(v.leads_count for v in items)} leads in total."]
    for view in items[:10]:
        conv = view.conversion
        lines.append(f"- {view.title!r}: {view.type.value} ({conv.low}-{conv.high}% expected), "
                     f"{view.status.value}, {view.leads_count} leads; solves: {view.topic}")
    return "\n".join(lines)
