"""The offline advisor: Ask AI's answer when the model cannot give one.

``classify`` finds the question's topic with keywords in Uzbek (Latin and Cyrillic), Russian
and English; ``plan`` looks at what the business has filled in and returns structured advice:
the topic, then ordered steps (action key, the framework behind it, numbers). The owner bot
words it in the user's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services import canvas, goals, profile


class Topic(StrEnum):
    LEADS = "leads"
    SALES = "sales"
    PRICING = "pricing"
    OFFER = "offer"
    CONTENT = "content"
    ADS = "ads"
    RETENTION = "retention"
    CUSTOMERS = "customers"
    COMPETITORS = "competitors"
    GENERAL = "general"


class Framework(StrEnum):
    DIB = "dib"  # Allan Dib, The 1-Page Marketing Plan
    SUBY = "suby"  # Sabri Suby, Sell Like Crazy
    HORMOZI = "hormozi"  # Alex Hormozi, $100M Offers
    KOTLER = "kotler"  # Philip Kotler, Marketing 5.0


class Action(StrEnum):
    # gaps in the business's own data
    COMPLETE_PROFILE = "complete_profile"
    FILL_SQUARE = "fill_square"
    SET_GOAL = "set_goal"
    TRACK_GOAL = "track_goal"
    # playbook steps
    DREAM_BUYER = "dream_buyer"
    HVCO = "hvco"
    LEAD_CAPTURE = "lead_capture"
    FOLLOW_UP = "follow_up"
    SALES_SCRIPT = "sales_script"
    POWER_4 = "power_4"
    VALUE_EQUATION = "value_equation"
    GRAND_SLAM_OFFER = "grand_slam_offer"
    GUARANTEE = "guarantee"
    PRICE_ON_VALUE = "price_on_value"
    PRICE_TEST = "price_test"
    CONTENT_PLAN = "content_plan"
    MAGIC_LANTERN = "magic_lantern"
    AD_TEST = "ad_test"
    MEASURE_CAC = "measure_cac"
    REACTIVATE = "reactivate"
    LOYALTY = "loyalty"
    REFERRALS = "referrals"
    CUSTOMER_INTERVIEWS = "customer_interviews"
    COMPETITOR_TABLE = "competitor_table"
    DIFFERENTIATE = "differentiate"
    WEEKLY_METRICS = "weekly_metrics"


FRAMEWORK_OF: dict[Action, Framework] = {
    Action.COMPLETE_PROFILE: Framework.DIB, Action.FILL_SQUARE: Framework.DIB,
    Action.SET_GOAL: Framework.KOTLER, Action.TRACK_GOAL: Framework.KOTLER,
    Action.DREAM_BUYER: Framework.SUBY, Action.HVCO: Framework.SUBY,
    Action.LEAD_CAPTURE: Framework.DIB, Action.FOLLOW_UP: Framework.SUBY,
    Action.SALES_SCRIPT: Framework.SUBY, Action.POWER_4: Framework.SUBY,
    Action.VALUE_EQUATION: Framework.HORMOZI, Action.GRAND_SLAM_OFFER: Framework.HORMOZI,
    Action.GUARANTEE: Framework.HORMOZI, Action.PRICE_ON_VALUE: Framework.HORMOZI,
    Action.PRICE_TEST: Framework.KOTLER, Action.CONTENT_PLAN: Framework.DIB,
    Action.MAGIC_LANTERN: Framework.SUBY, Action.AD_TEST: Framework.KOTLER,
    Action.MEASURE_CAC: Framework.KOTLER, Action.REACTIVATE: Framework.DIB,
    Action.LOYALTY: Framework.DIB, Action.REFERRALS: Framework.DIB,
    Action.CUSTOMER_INTERVIEWS: Framework.KOTLER, Action.COMPETITOR_TABLE: Framework.KOTLER,
    Action.DIFFERENTIATE: Framework.DIB, Action.WEEKLY_METRICS: Framework.KOTLER,
}

# Rule-of-thumb figures from the frameworks (never figures about the business itself).
PLAYBOOK: dict[Topic, tuple[tuple[Action, dict[str, int]], ...]] = {
    Topic.LEADS: ((Action.HVCO, {}), (Action.LEAD_CAPTURE, {}),
                  (Action.FOLLOW_UP, {"touches": 7, "days": 14})),
    Topic.SALES: ((Action.POWER_4, {"percent": 4}), (Action.SALES_SCRIPT, {}),
                  (Action.FOLLOW_UP, {"touches": 7, "days": 14})),
    Topic.PRICING: ((Action.PRICE_ON_VALUE, {}), (Action.VALUE_EQUATION, {}),
                    (Action.PRICE_TEST, {"percent": 10, "days": 14})),
    Topic.OFFER: ((Action.VALUE_EQUATION, {}), (Action.GRAND_SLAM_OFFER, {"bonuses": 3}),
                  (Action.GUARANTEE, {"days": 30})),
    Topic.CONTENT: ((Action.DREAM_BUYER, {}), (Action.CONTENT_PLAN, {"posts": 3}),
                    (Action.MAGIC_LANTERN, {})),
    Topic.ADS: ((Action.MEASURE_CAC, {}), (Action.AD_TEST, {"variants": 3, "days": 7}),
                (Action.HVCO, {})),
    Topic.RETENTION: ((Action.REACTIVATE, {"days": 60}), (Action.LOYALTY, {}),
                      (Action.REFERRALS, {})),
    Topic.CUSTOMERS: ((Action.DREAM_BUYER, {}), (Action.CUSTOMER_INTERVIEWS, {"count": 5}),
                      (Action.WEEKLY_METRICS, {})),
    Topic.COMPETITORS: ((Action.COMPETITOR_TABLE, {"count": 3}), (Action.DIFFERENTIATE, {}),
                        (Action.GUARANTEE, {"days": 30})),
    Topic.GENERAL: ((Action.DREAM_BUYER, {}), (Action.GRAND_SLAM_OFFER, {"bonuses": 3}),
                    (Action.WEEKLY_METRICS, {})),
}

# The canvas square each topic depends on most.
SQUARE_OF: dict[Topic, str] = {
    Topic.LEADS: "lead_capture", Topic.SALES: "sales_conversion", Topic.PRICING: "message",
    Topic.OFFER: "message", Topic.CONTENT: "media", Topic.ADS: "media",
    Topic.RETENTION: "lifetime_value", Topic.CUSTOMERS: "target_market",
    Topic.COMPETITORS: "message", Topic.GENERAL: "target_market",
}

# Word-start regex fragments; a tie goes to the topic listed first.
KEYWORDS: dict[Topic, tuple[str, ...]] = {
    Topic.LEADS: (
        r"leads?\b", r"prospect", r"inquir", r"enquir", r"traffic", r"more (customers|clients)",
        r"get (new |more )?(customers|clients)", r"attract",
        r"лид", r"заяв", r"привлеч", r"трафик", r"обращени", r"больше клиентов",
        r"новых клиентов",
        r"lid", r"jalb", r"ariza", r"so'rov", r"trafik", r"ko'proq mijoz", r"yangi mijoz",
        r"жалб", r"ариза", r"сўров", r"кўпроқ мижоз", r"янги мижоз",
    ),
    Topic.SALES: (
        r"sales?\b", r"sell", r"conversion", r"clos(e|ing) (deals|sales)", r"revenue", r"deals?\b",
        r"продаж", r"прода", r"выручк", r"конверси", r"сделк",
        r"sotuv", r"sotish", r"sotil", r"savdo", r"daromad", r"tushum", r"konversiya",
        r"сотув", r"сотиш", r"сотил", r"савдо", r"даромад", r"тушум", r"конверсия",
    ),
    Topic.PRICING: (
        r"pric", r"discount", r"expensive", r"cheap", r"how much should i charge",
        r"цен", r"скидк", r"дорог", r"дешев", r"стоимост",
        r"narx", r"chegirma", r"qimmat", r"arzon",
        r"нарх", r"чегирма", r"қиммат", r"арзон",
    ),
    Topic.OFFER: (
        r"offer", r"bonus", r"guarant", r"bundle", r"usp\b", r"proposition",
        r"оффер", r"предложени", r"бонус", r"гарант", r"утп\b",
        r"taklif", r"kafolat", r"bonus",
        r"таклиф", r"кафолат",
    ),
    Topic.ADS: (
        r"ads?\b", r"advert", r"targeting", r"campaign", r"cpc\b", r"roas\b", r"ad budget",
        r"реклам", r"таргет", r"кампани",
        r"reklama", r"target", r"kampaniya",
        r"реклама", r"таргет",
    ),
    Topic.CONTENT: (
        r"content", r"posts?\b", r"instagram", r"reels", r"video", r"blog", r"smm\b",
        r"stories",
        r"контент", r"пост", r"публикац", r"рилс", r"видео", r"блог", r"смм\b", r"сторис",
        r"kontent", r"post", r"video", r"blog",
    ),
    Topic.RETENTION: (
        r"retention", r"retain", r"repeat", r"loyal", r"churn", r"come back", r"return",
        r"удержа", r"повторн", r"лояльн", r"отток", r"верну", r"постоянн",
        r"qayta", r"sodiq", r"doimiy", r"ushlab", r"qaytar",
        r"қайта", r"содиқ", r"доимий", r"ушлаб", r"қайтар",
    ),
    Topic.COMPETITORS: (
        r"competit", r"rival",
        r"конкурент",
        r"raqobat", r"raqib", r"konkurent",
        r"рақобат", r"рақиб",
    ),
    Topic.CUSTOMERS: (
        r"customer", r"client", r"audience", r"avatar", r"buyer", r"segment", r"niche",
        r"клиент", r"аудитори", r"покупател", r"аватар", r"сегмент", r"ниш", r"целев",
        r"mijoz", r"xaridor", r"auditoriya", r"avatar", r"segment",
        r"мижоз", r"харидор", r"аудитория",
    ),
}
_PATTERNS = {topic: [re.compile(r"(?<!\w)" + word) for word in words]
             for topic, words in KEYWORDS.items()}
_APOSTROPHES = str.maketrans({c: "'" for c in "‘’ʻʼ`´"})
PROFILE_GAP = 50  # below this profile completeness (%) the first step is to fill it in
MAX_STEPS = 5


def normalize(text: str) -> str:
    """Lower case, one kind of apostrophe (o‘, oʻ, o' are the same letter), single spaces."""
    return " ".join(text.lower().translate(_APOSTROPHES).split())


def classify(question: str) -> Topic:
    """The topic whose keywords the question hits most; ``GENERAL`` when none."""
    text = normalize(question)
    best, best_score = Topic.GENERAL, 0
    for topic, patterns in _PATTERNS.items():
        score = sum(1 for pattern in patterns if pattern.search(text))
        if score > best_score:
            best, best_score = topic, score
    return best


@dataclass(frozen=True)
class DataState:
    """What the business has filled in, as far as the advice depends on it."""

    profile_percent: int
    canvas: dict[str, str]
    open_goals: list[goals.GoalView] = field(default_factory=list)
    goal_count: int = 0

    @property
    def canvas_filled(self) -> int:
        return canvas.filled_count(self.canvas)


@dataclass(frozen=True)
class Step:
    action: Action
    framework: Framework
    numbers: dict[str, int] = field(default_factory=dict)
    subject: str | None = None  # a canvas square code or a goal title


@dataclass(frozen=True)
class Advice:
    topic: Topic
    steps: list[Step]
    profile_percent: int
    canvas_filled: int
    canvas_total: int


def _step(action: Action, numbers: dict[str, int] | None = None,
          subject: str | None = None) -> Step:
    return Step(action, FRAMEWORK_OF[action], dict(numbers or {}), subject)


def plan(topic: Topic, state: DataState) -> Advice:
    """Data gaps that matter for the topic first, then the topic's playbook."""
    steps: list[Step] = []
    if state.profile_percent < PROFILE_GAP:
        steps.append(_step(Action.COMPLETE_PROFILE, {"percent": state.profile_percent}))
    square = SQUARE_OF[topic]
    if not state.canvas.get(square):
        steps.append(_step(Action.FILL_SQUARE, {"filled": state.canvas_filled,
                                                "total": len(state.canvas)}, square))
    if state.goal_count == 0:
        steps.append(_step(Action.SET_GOAL))
    elif state.open_goals:
        goal = min(state.open_goals, key=lambda g: g.percent)
        steps.append(_step(Action.TRACK_GOAL, {"percent": goal.percent}, goal.title))
    gaps = steps[:2]
    playbook = [_step(action, numbers) for action, numbers in PLAYBOOK[topic]]
    return Advice(topic=topic, steps=(gaps + playbook)[:MAX_STEPS],
                  profile_percent=state.profile_percent, canvas_filled=state.canvas_filled,
                  canvas_total=len(state.canvas))


async def data_state(session: AsyncSession, *, business_id: int) -> DataState:
    """Profile completeness, canvas squares and goals of the business."""
    business = await profile.get_business(session, business_id=business_id)
    squares = await canvas.get_canvas(session, business_id=business_id)
    items = await goals.list_goals(session, business_id=business_id)
    return DataState(profile_percent=profile.completeness(business), canvas=squares,
                     open_goals=[g for g in items if g.reached_at is None],
                     goal_count=len(items))


async def advise(session: AsyncSession, *, business_id: int, question: str) -> Advice:
    """Rule-based advice for ``question`` from the business's data."""
    return plan(classify(question), await data_state(session, business_id=business_id))
