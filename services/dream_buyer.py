"""Dream Buyer avatars (SPEC §3.2, Sabri Suby): the nine questions, completeness, Power 4%
rules, generated persona/ideas/hooks and the offline rules behind them.

Answers are free text in the owner's language; every rule here returns codes and the user's own
words, never user-facing sentences (handlers word them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.ai import AIRequest
from services.db.base import utcnow
from services.db.models import DreamBuyer
from services.errors import InvalidInput, NotFound
from services.plans import LimitStatus, Resource
from services.validation import clean_text

DEMOGRAPHICS: tuple[str, ...] = ("age_range", "gender", "location", "income", "occupation")
# The nine questions; question 1 has two parts (online, offline).
FIELDS: tuple[str, ...] = (
    "where_online", "where_offline", "information_sources", "frustrations", "dreams", "fears",
    "preferred_channel", "language_jargon", "day_in_life", "happiness_factors",
)
QUESTION_OF: dict[str, int] = {
    "where_online": 1, "where_offline": 1, "information_sources": 2, "frustrations": 3,
    "dreams": 4, "fears": 5, "preferred_channel": 6, "language_jargon": 7, "day_in_life": 8,
    "happiness_factors": 9,
}
WIZARD_STEPS: tuple[str, ...] = ("name", *DEMOGRAPHICS, *FIELDS)
EDITABLE: tuple[str, ...] = WIZARD_STEPS
MAX_NAME = 80
MAX_DEMOGRAPHIC = 120
MAX_ANSWER = 600
IDEAS_COUNT = 5
HOOKS_COUNT = 5
BUY_NOW_PERCENT = 3
BUY_LATER_PERCENT = 97


@dataclass(frozen=True, slots=True)
class AvatarView:
    id: int
    name: str
    answers: dict[str, str | None]  # demographics and the ten answer fields, by code
    persona_summary: str | None
    content_ideas: tuple[str, ...]
    ad_hooks: tuple[str, ...]
    generated_at: datetime | None
    generated_source: str | None
    created_at: datetime
    updated_at: datetime

    def get(self, code: str) -> str | None:
        """The value of a wizard field (``name`` included)."""
        return self.name if code == "name" else self.answers.get(code)

    @property
    def answered(self) -> int:
        return sum(1 for code in FIELDS if self.answers.get(code))

    @property
    def completeness(self) -> int:
        """Answered fields of the nine questions (ten fields) as a whole percent."""
        return self.answered * 100 // len(FIELDS)

    @property
    def generated(self) -> bool:
        return self.generated_at is not None


def _view(row: DreamBuyer) -> AvatarView:
    return AvatarView(
        id=row.id, name=row.name,
        answers={code: getattr(row, code) for code in (*DEMOGRAPHICS, *FIELDS)},
        persona_summary=row.persona_summary,
        content_ideas=tuple(row.content_ideas or ()), ad_hooks=tuple(row.ad_hooks or ()),
        generated_at=row.generated_at, generated_source=row.generated_source,
        created_at=row.created_at, updated_at=row.updated_at,
    )


# --------------------------------------------------------------------------- persistence


async def count_avatars(session: AsyncSession, *, business_id: int) -> int:
    """How many avatars the business has."""
    count = await session.scalar(
        select(func.count()).select_from(DreamBuyer).where(DreamBuyer.business_id == business_id)
    )
    return int(count or 0)


async def ensure_room(session: AsyncSession, *, business_id: int) -> LimitStatus:
    """Raise ``LimitExceeded`` when one more avatar would pass the plan's limit."""
    used = await count_avatars(session, business_id=business_id)
    return await plans.check_limit(session, resource=Resource.AVATARS, used=used,
                                   business_id=business_id)


def parse_field(code: str, raw: str) -> str:
    """Validate one typed answer (trimmed; length by field); ``InvalidInput`` otherwise."""
    if code == "name":
        return clean_text(raw, field="name", max_len=MAX_NAME)
    if code in DEMOGRAPHICS:
        return clean_text(raw, field=code, max_len=MAX_DEMOGRAPHIC)
    if code in FIELDS:
        return clean_text(raw, field=code, max_len=MAX_ANSWER)
    raise InvalidInput(field=code, reason="choice")


async def create_avatar(
    session: AsyncSession, *, business_id: int, name: str
) -> tuple[AvatarView, LimitStatus]:
    """A new avatar with just its name, within the plan's limit; also the usage after it."""
    clean = parse_field("name", name)
    await plans.require_writable(session, business_id=business_id)
    status = await ensure_room(session, business_id=business_id)
    row = DreamBuyer(business_id=business_id, name=clean)
    session.add(row)
    await session.flush()
    return _view(row), status


async def _get(session: AsyncSession, business_id: int, avatar_id: int) -> DreamBuyer:
    row = await session.scalar(
        select(DreamBuyer).where(DreamBuyer.id == avatar_id,
                                 DreamBuyer.business_id == business_id)
    )
    if row is None:
        raise NotFound(entity="dream_buyer", id=avatar_id)
    return row


async def list_avatars(session: AsyncSession, *, business_id: int) -> list[AvatarView]:
    """The business's avatars, oldest first."""
    rows = await session.scalars(
        select(DreamBuyer).where(DreamBuyer.business_id == business_id).order_by(DreamBuyer.id)
    )
    return [_view(r) for r in rows]


async def get_avatar(session: AsyncSession, *, business_id: int, avatar_id: int) -> AvatarView:
    """One avatar of this business; ``NotFound`` for another business's id."""
    return _view(await _get(session, business_id, avatar_id))


async def set_answer(
    session: AsyncSession, *, business_id: int, avatar_id: int, field: str, value: str | None
) -> AvatarView:
    """Save one field as it is given; ``None`` clears it (the name cannot be cleared)."""
    if field not in EDITABLE:
        raise InvalidInput(field=field, reason="choice")
    row = await _get(session, business_id, avatar_id)
    if value is None:
        if field == "name":
            raise InvalidInput(field="name", reason="empty")
        setattr(row, field, None)
    else:
        setattr(row, field, parse_field(field, value))
    row.updated_at = utcnow()
    await session.flush()
    return _view(row)


async def delete_avatar(session: AsyncSession, *, business_id: int, avatar_id: int) -> None:
    """Remove an avatar of this business."""
    await session.delete(await _get(session, business_id, avatar_id))
    await session.flush()


# --------------------------------------------------------------------------- channels


class Channel(StrEnum):
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"
    FACEBOOK = "facebook"
    GOOGLE = "google"
    YANDEX = "yandex"
    WHATSAPP = "whatsapp"
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    OFFLINE = "offline"  # the places of question 1's offline part


# Lower-case fragments in the four languages people type (and the quick-pick labels).
CHANNEL_KEYWORDS: dict[Channel, tuple[str, ...]] = {
    Channel.INSTAGRAM: ("instagram", "insta", "инстаграм", "инста"),
    Channel.TELEGRAM: ("telegram", "телеграм"),
    Channel.YOUTUBE: ("youtube", "you tube", "ютуб", "yutub", "ютюб"),
    Channel.TIKTOK: ("tiktok", "tik tok", "тикток", "тик ток", "tik-tok"),
    Channel.FACEBOOK: ("facebook", "фейсбук", "фэйсбук"),
    Channel.GOOGLE: ("google", "гугл", "gugl"),
    Channel.YANDEX: ("yandex", "яндекс"),
    Channel.WHATSAPP: ("whatsapp", "whats app", "ватсап", "вотсап", "watsap", "vatsap"),
    Channel.PHONE: ("phone", "call", "телефон", "звон", "telefon", "qo‘ng‘iroq", "qo'ng'iroq",
                    "қўнғироқ"),
    Channel.SMS: ("sms", "смс"),
    Channel.EMAIL: ("email", "e-mail", "mail", "почт", "pochta", "почта"),
}


def detect_channels(text: str | None) -> list[Channel]:
    """The channels named in a free-text answer, in the order of ``Channel``."""
    lowered = (text or "").lower()
    return [channel for channel, words in CHANNEL_KEYWORDS.items()
            if any(word in lowered for word in words)]


def avatar_channels(avatar: AvatarView) -> list[Channel]:
    """This avatar's channels: where they spend time online, learn, and like to be contacted;
    plus ``OFFLINE`` when question 1's offline part is answered."""
    found: list[Channel] = []
    for code in ("where_online", "information_sources", "preferred_channel"):
        for channel in detect_channels(avatar.answers.get(code)):
            if channel not in found:
                found.append(channel)
    if avatar.answers.get("where_offline"):
        found.append(Channel.OFFLINE)
    return found


# --------------------------------------------------------------------------- Power 4%


class Tactic(StrEnum):
    DIRECT_ADS = "direct_ads"  # direct-response ads with an offer, for the ready 3%
    SEARCH = "search"  # search ads: people already looking for the solution
    DIRECT_MESSAGES = "direct_messages"  # a sales conversation in DMs or a sales bot
    CALLS = "calls"  # a call back to a warm lead
    HVCO = "hvco"  # a free high-value content offer that collects contacts
    NURTURE = "nurture"  # Magic Lantern follow-up sequence until they are ready
    CONTENT = "content"  # useful content that builds trust


_NOW: dict[Channel, Tactic] = {
    Channel.INSTAGRAM: Tactic.DIRECT_ADS, Channel.FACEBOOK: Tactic.DIRECT_ADS,
    Channel.TIKTOK: Tactic.DIRECT_ADS, Channel.YOUTUBE: Tactic.DIRECT_ADS,
    Channel.GOOGLE: Tactic.SEARCH, Channel.YANDEX: Tactic.SEARCH,
    Channel.TELEGRAM: Tactic.DIRECT_MESSAGES, Channel.WHATSAPP: Tactic.DIRECT_MESSAGES,
    Channel.PHONE: Tactic.CALLS,
}
_LATER: dict[Channel, Tactic] = {
    Channel.INSTAGRAM: Tactic.CONTENT, Channel.FACEBOOK: Tactic.CONTENT,
    Channel.TIKTOK: Tactic.CONTENT, Channel.YOUTUBE: Tactic.CONTENT,
    Channel.GOOGLE: Tactic.CONTENT, Channel.YANDEX: Tactic.CONTENT,
    Channel.TELEGRAM: Tactic.NURTURE, Channel.WHATSAPP: Tactic.NURTURE,
    Channel.EMAIL: Tactic.NURTURE, Channel.SMS: Tactic.NURTURE, Channel.OFFLINE: Tactic.HVCO,
}


@dataclass(frozen=True, slots=True)
class ChannelAdvice:
    channel: Channel
    tactic: Tactic


@dataclass(frozen=True, slots=True)
class Power4Advice:
    """Who buys now (~3%) and later (~97%), and which of the avatar's channels reach each."""

    now_percent: int
    later_percent: int
    now: tuple[ChannelAdvice, ...]
    later: tuple[ChannelAdvice, ...]

    @property
    def has_channels(self) -> bool:
        return bool(self.now or self.later)


def power4(avatar: AvatarView) -> Power4Advice:
    """Power 4% rules: direct ads, search and direct sales reach the buy-now 3%; an HVCO with
    a nurture sequence and content wins the 97% who buy later."""
    channels = avatar_channels(avatar)
    now = tuple(ChannelAdvice(c, _NOW[c]) for c in channels if c in _NOW)
    later = tuple(ChannelAdvice(c, _LATER[c]) for c in channels if c in _LATER)
    return Power4Advice(BUY_NOW_PERCENT, BUY_LATER_PERCENT, now, later)


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True, slots=True)
class Generation:
    """A persona summary, content ideas and ad hooks (model-written or from templates)."""

    persona: str
    content_ideas: tuple[str, ...]
    ad_hooks: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps({"persona": self.persona, "content_ideas": list(self.content_ideas),
                           "ad_hooks": list(self.ad_hooks)}, ensure_ascii=False)


async def save_generation(
    session: AsyncSession, *, business_id: int, avatar_id: int, generation: Generation,
    source: str,
) -> AvatarView:
    """Store generated outputs on the avatar (``source`` is "ai" or "fallback")."""
    if source not in {"ai", "fallback"}:
        raise InvalidInput(field="source", reason="choice")
    row = await _get(session, business_id, avatar_id)
    row.persona_summary = generation.persona
    row.content_ideas = list(generation.content_ideas)
    row.ad_hooks = list(generation.ad_hooks)
    row.generated_at = utcnow()
    row.generated_source = source
    await session.flush()
    return _view(row)


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
MAX_PERSONA = 1500
MAX_ITEM = 200


def _strings(value: Any, count: int) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    items = [" ".join(v.split())[:MAX_ITEM] for v in value if isinstance(v, str) and v.strip()]
    return tuple(items[:count]) if len(items) >= 3 else None


def parse_generation(text: str) -> Generation | None:
    """The model's JSON answer (fenced or with chatter around it), or None when unusable."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        persona = data.get("persona") or data.get("persona_summary")
        ideas = _strings(data.get("content_ideas"), IDEAS_COUNT)
        hooks = _strings(data.get("ad_hooks"), HOOKS_COUNT)
        if isinstance(persona, str) and persona.strip() and ideas and hooks:
            return Generation(persona.strip()[:MAX_PERSONA], ideas, hooks)
    return None


LANGUAGE_NAMES = {"uz": "Uzbek (Latin script, o‘ and g‘ as in Uzbek)",
                  "uz_Cyrl": "Uzbek (Cyrillic script)", "ru": "Russian", "en": "English"}
INSTRUCTIONS = (
    "You are a direct-response marketer using Sabri Suby's Dream Buyer method. From the avatar "
    "below write: (1) a persona summary of 3-5 sentences; (2) exactly {ideas} content ideas for "
    "the channels this avatar uses; (3) exactly {hooks} ad-copy hooks of one line each. Use the "
    "avatar's own words and jargon verbatim where they fit. Write everything in {language}. "
    "Answer with JSON only, no commentary: "
    '{{"persona": "...", "content_ideas": ["..."], "ad_hooks": ["..."]}}'
)


def describe_avatar(avatar: AvatarView, *, limit: int = 300) -> str:
    """The avatar as compact English-labelled lines (answers as given), for a model prompt."""
    lines = [f"Avatar: {avatar.name}"]
    for code in (*DEMOGRAPHICS, *FIELDS):
        value = avatar.answers.get(code)
        if value:
            text = " ".join(value.split())
            lines.append(f"{code.replace('_', ' ')}: {text[:limit]}")
    return "\n".join(lines)


def generation_request(avatar: AvatarView, *, business_id: int, locale: str,
                       business_name: str = "", industry: str = "") -> AIRequest:
    """What to ask the model for this avatar's persona, ideas and hooks."""
    instructions = INSTRUCTIONS.format(ideas=IDEAS_COUNT, hooks=HOOKS_COUNT,
                                       language=LANGUAGE_NAMES.get(locale, "Uzbek"))
    business = f"Business: {business_name}" + (f" (industry: {industry})" if industry else "")
    facts = "\n\n".join(part for part in (business if business_name else "",
                                           describe_avatar(avatar)) if part)
    return AIRequest(business_id=business_id, feature="dream_buyer", locale=locale,
                     instructions=instructions, facts=facts, max_tokens=1500)


class IdeaKind(StrEnum):
    MISTAKES = "mistakes"  # the mistakes behind a frustration
    PATH_TO_DREAM = "path_to_dream"
    FEAR_ANSWERS = "fear_answers"
    DAY_IN_LIFE = "day_in_life"
    SUCCESS_STORY = "success_story"
    CHANNEL_FORMAT = "channel_format"  # subject is a ``Channel`` value
    JARGON_POST = "jargon_post"
    CUSTOMER_STORY = "customer_story"  # the generic ones need no subject
    BEHIND_THE_SCENES = "behind_the_scenes"
    FAQ = "faq"
    BEFORE_AFTER = "before_after"
    CHECKLIST = "checklist"


class HookKind(StrEnum):
    PAIN_QUESTION = "pain_question"
    IMAGINE = "imagine"
    FEAR_REVERSAL = "fear_reversal"
    JARGON = "jargon"
    SUCCESS = "success"
    CHANNEL_CTA = "channel_cta"  # subject is a ``Channel`` value
    FREE_GUIDE = "free_guide"  # generic
    DEADLINE = "deadline"
    SOCIAL_PROOF = "social_proof"
    NUMBERS = "numbers"
    GUARANTEE = "guarantee"


@dataclass(frozen=True, slots=True)
class Item:
    """One idea or hook: its template and the avatar's own words to put in (may be empty)."""

    kind: str
    subject: str = ""


@dataclass(frozen=True, slots=True)
class FallbackPlan:
    """What the offline answer says, as templates and the avatar's words."""

    name: str
    demographics: dict[str, str]
    frustration: str
    dream: str
    fear: str
    happiness: str
    channels: tuple[Channel, ...]
    preferred: tuple[Channel, ...]
    jargon: tuple[str, ...]
    ideas: tuple[Item, ...] = field(default_factory=tuple)
    hooks: tuple[Item, ...] = field(default_factory=tuple)


_SPLIT = re.compile(r"[,;.!?\n]+|\s[–—-]\s")
_LIST_SPLIT = re.compile(r"[,;\n]+")  # jargon: "aksiya bormi?" stays one expression
_QUOTES = "\"'«»“”„‘’` "


def phrases(text: str | None, *, limit: int = 90, words: bool = False) -> list[str]:
    """The separate phrases of an answer (split on punctuation; ``words``: on commas only),
    trimmed, verbatim."""
    result = []
    for part in (_LIST_SPLIT if words else _SPLIT).split(text or ""):
        clean = " ".join(part.split()).strip(_QUOTES)
        if clean:
            result.append(clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…")
    return result


def _first(text: str | None) -> str:
    found = phrases(text)
    return found[0] if found else ""


def fallback_plan(avatar: AvatarView) -> FallbackPlan:
    """Deterministic rules for the offline answer: ideas and hooks picked from templates keyed
    by the avatar's frustrations, dreams, fears and channels; jargon reused verbatim."""
    a = avatar.answers
    channels = tuple(c for c in avatar_channels(avatar) if c != Channel.OFFLINE)
    preferred = tuple(detect_channels(a.get("preferred_channel"))) or channels
    jargon = tuple(phrases(a.get("language_jargon"), limit=40, words=True)[:3])
    frustrations, dreams = phrases(a.get("frustrations")), phrases(a.get("dreams"))
    fear, happiness = _first(a.get("fears")), _first(a.get("happiness_factors"))
    day = _first(a.get("day_in_life"))

    ideas: list[Item] = []
    ideas += [Item(IdeaKind.MISTAKES, s) for s in frustrations[:2]]
    ideas += [Item(IdeaKind.PATH_TO_DREAM, s) for s in dreams[:1]]
    if fear:
        ideas.append(Item(IdeaKind.FEAR_ANSWERS, fear))
    if day:
        ideas.append(Item(IdeaKind.DAY_IN_LIFE, day))
    if channels:
        ideas.append(Item(IdeaKind.CHANNEL_FORMAT, channels[0].value))
    if happiness:
        ideas.append(Item(IdeaKind.SUCCESS_STORY, happiness))
    if jargon:
        ideas.append(Item(IdeaKind.JARGON_POST, jargon[0]))
    generic_ideas = (IdeaKind.CUSTOMER_STORY, IdeaKind.FAQ, IdeaKind.BEFORE_AFTER,
                     IdeaKind.BEHIND_THE_SCENES, IdeaKind.CHECKLIST)
    ideas += [Item(kind) for kind in generic_ideas]

    hooks: list[Item] = []
    if frustrations:
        hooks.append(Item(HookKind.PAIN_QUESTION, frustrations[0]))
    if dreams:
        hooks.append(Item(HookKind.IMAGINE, dreams[0]))
    if fear:
        hooks.append(Item(HookKind.FEAR_REVERSAL, fear))
    if jargon:
        hooks.append(Item(HookKind.JARGON, jargon[0]))
    if happiness:
        hooks.append(Item(HookKind.SUCCESS, happiness))
    if preferred:
        hooks.append(Item(HookKind.CHANNEL_CTA, preferred[0].value))
    generic_hooks = (HookKind.FREE_GUIDE, HookKind.SOCIAL_PROOF, HookKind.DEADLINE,
                     HookKind.NUMBERS, HookKind.GUARANTEE)
    hooks += [Item(kind) for kind in generic_hooks]

    return FallbackPlan(
        name=avatar.name,
        demographics={c: v for c in DEMOGRAPHICS if (v := a.get(c))},
        frustration=frustrations[0] if frustrations else "", dream=dreams[0] if dreams else "",
        fear=fear, happiness=happiness, channels=channels, preferred=preferred, jargon=jargon,
        ideas=tuple(ideas[:IDEAS_COUNT]), hooks=tuple(hooks[:HOOKS_COUNT]),
    )


# --------------------------------------------------------------------------- AI context


async def avatar_facts(session: AsyncSession, *, business_id: int) -> str:
    """A compact English summary of the business's avatars for the AI prompt ("" if none)."""
    avatars = await list_avatars(session, business_id=business_id)
    if not avatars:
        return ""
    blocks = [f"Dream Buyer avatars ({len(avatars)}):"]
    for number, avatar in enumerate(avatars, 1):
        block = describe_avatar(avatar, limit=160).replace("Avatar: ", f"{number}. ", 1)
        blocks.append(f"{block}\ncompleteness: {avatar.completeness}%")
    return "\n".join(blocks)
