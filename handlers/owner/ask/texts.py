"""The offline advisor's advice in the user's words (rules live in services.ai.advisor)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import number
from handlers import labels
from handlers.ui import h
from services.ai.advisor import Action, Advice, Framework, Step, Topic

FRAMEWORK_NAMES = {
    Framework.DIB: "Allan Dib — The 1-Page Marketing Plan",
    Framework.SUBY: "Sabri Suby — Sell Like Crazy",
    Framework.HORMOZI: "Alex Hormozi — $100M Offers",
    Framework.KOTLER: "Philip Kotler — Marketing 5.0",
}


def topic_intro(topic: Topic) -> str:
    return {
        Topic.LEADS: _("🧲 <b>More leads</b> — here is what I would do, step by step:"),
        Topic.SALES: _("💰 <b>More sales</b> — here is what I would do, step by step:"),
        Topic.PRICING: _("🏷 <b>Pricing</b> — here is what I would do, step by step:"),
        Topic.OFFER: _("🎁 <b>A stronger offer</b> — here is what I would do, step by step:"),
        Topic.CONTENT: _("📝 <b>Content</b> — here is what I would do, step by step:"),
        Topic.ADS: _("📣 <b>Advertising</b> — here is what I would do, step by step:"),
        Topic.RETENTION: _("🔁 <b>Customers who come back</b> — here is what I would do, "
                           "step by step:"),
        Topic.CUSTOMERS: _("🎯 <b>Your ideal customer</b> — here is what I would do, step by "
                           "step:"),
        Topic.COMPETITORS: _("⚔️ <b>Competitors</b> — here is what I would do, step by step:"),
        Topic.GENERAL: _("🧭 <b>Your marketing</b> — here is what I would do, step by step:"),
    }[topic]


def step_text(step: Step, locale: str) -> str:
    n = {key: number(value, locale) for key, value in step.numbers.items()}
    if step.action == Action.COMPLETE_PROFILE:
        return _("Complete your business profile: it is {percent}% filled. /profile").format(
            percent=n.get("percent", "0"))
    if step.action == Action.FILL_SQUARE:
        return _("Fill the canvas square “{square}” ({filled} of {total} squares are filled). "
                 "/canvas").format(square=h(labels.canvas_square(step.subject or "")),
                                   filled=n.get("filled", "0"), total=n.get("total", "9"))
    if step.action == Action.SET_GOAL:
        return _("Set one measurable goal with a deadline, so we can track progress. /goals")
    if step.action == Action.TRACK_GOAL:
        return _("Your goal “{goal}” is {percent}% done: update its progress every week. "
                 "/goals").format(goal=h(step.subject or ""), percent=n.get("percent", "0"))
    texts = {
        Action.DREAM_BUYER: _("Describe your Dream Buyer: where they spend time online, what "
                              "they want, fear and are frustrated by."),
        Action.HVCO: _("Create a free high-value content offer (a checklist, guide or mini "
                       "course) that solves one burning problem, in exchange for a contact."),
        Action.LEAD_CAPTURE: _("Put one clear way to leave a contact everywhere you are seen: "
                               "the bot, the Instagram bio, the shop counter."),
        Action.FOLLOW_UP: _("Follow up every lead: {touches} touches over {days} days "
                            "(useful tips first, then the offer).").format(
            touches=n.get("touches", "7"), days=n.get("days", "14")),
        Action.SALES_SCRIPT: _("Write a short sales script: the problem, the result, proof, "
                               "the offer and a clear next step."),
        Action.POWER_4: _("Only about {percent}% of buyers are ready now: give them a direct "
                          "offer, and nurture the rest with useful content.").format(
            percent=n.get("percent", "4")),
        Action.VALUE_EQUATION: _("Raise the value: a bigger dream outcome, more proof it "
                                 "works, less waiting and less effort for the customer."),
        Action.GRAND_SLAM_OFFER: _("Build a Grand Slam offer: the core product plus {bonuses} "
                                   "bonuses, a deadline and a clear name.").format(
            bonuses=n.get("bonuses", "3")),
        Action.GUARANTEE: _("Add a guarantee that removes the risk, e.g. money back within "
                            "{days} days.").format(days=n.get("days", "30")),
        Action.PRICE_ON_VALUE: _("Price on the value of the result for the customer, not on "
                                 "competitors' prices."),
        Action.PRICE_TEST: _("Test a price {percent}% higher for {days} days and compare "
                             "sales and margin.").format(percent=n.get("percent", "10"),
                                                         days=n.get("days", "14")),
        Action.CONTENT_PLAN: _("Plan {posts} posts a week: a useful tip, a customer story and "
                               "an offer.").format(posts=n.get("posts", "3")),
        Action.MAGIC_LANTERN: _("Lead cold followers to warm: free value first, then the "
                                "lead magnet, then the offer."),
        Action.AD_TEST: _("Test {variants} ad variants for {days} days with a small budget, "
                          "then keep the cheapest per lead.").format(
            variants=n.get("variants", "3"), days=n.get("days", "7")),
        Action.MEASURE_CAC: _("Measure what one customer costs you per channel (ad spend ÷ "
                              "new customers) before spending more."),
        Action.REACTIVATE: _("Message customers who have not bought in {days} days with a "
                             "personal offer.").format(days=n.get("days", "60")),
        Action.LOYALTY: _("Start a loyalty card or subscription so customers buy more and more "
                          "often."),
        Action.REFERRALS: _("Reward customers who bring a friend, and ask right after a good "
                            "experience."),
        Action.CUSTOMER_INTERVIEWS: _("Talk to {count} recent customers: why they chose you, "
                                      "what almost stopped them.").format(
            count=n.get("count", "5")),
        Action.COMPETITOR_TABLE: _("Compare {count} main competitors: price, offer, "
                                   "guarantee, where they advertise.").format(
            count=n.get("count", "3")),
        Action.DIFFERENTIATE: _("Say in one sentence why a customer should choose you over "
                                "every competitor — that is your USP. /usp"),
        Action.WEEKLY_METRICS: _("Track leads, sales and spend every week, so decisions come "
                                 "from numbers."),
    }
    return texts[step.action]


def advice_html(advice: Advice, locale: str) -> str:
    """The advice as an HTML message (without the offline note)."""
    lines = [topic_intro(advice.topic), ""]
    for index, step in enumerate(advice.steps, 1):
        lines.append(f"{index}. {step_text(step, locale)}")
        lines.append(f"    <i>📚 {FRAMEWORK_NAMES[step.framework]}</i>")
    return "\n".join(lines)
