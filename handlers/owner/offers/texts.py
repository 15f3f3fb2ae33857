"""The Offer Builder's wording: services hand back numbers and codes, this puts them in the
user's language. Call inside a handler so ``_`` knows the locale."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from aiogram.utils.i18n import gettext as _

from bot.formatting import day, money, number, progress_bar
from handlers import labels
from handlers.ui import h
from services import offers
from services.charts.offer_stack import StackChart, StackRow
from services.documents.pdf import OnePager, Section
from services.offers import (
    GUARANTEE_DAYS,
    GUARANTEE_RISK,
    Bonus,
    GuaranteeType,
    Lever,
    OfferField,
    OfferView,
)
from services.offers.equation import LEVERS, LeverMove
from services.offers.pricing import CostPosition, MarketPosition, PricingResult, ValuePosition


def offline_note() -> str:
    return _("⚙️ Offline answer — built from rules and templates, no AI key in use.")


def ratio_text(ratio: Fraction, locale: str) -> str:
    return "×" + number(round(float(ratio), 1), locale)


def score_line(offer: OfferView) -> str:
    if offer.score is None or offer.band is None:
        return _("⚖️ Value equation: not scored yet — set D, L, T and E.")
    return _("⚖️ Value score: {score}/100 — {band}").format(
        score=offer.score, band=labels.offer_band(offer.band))


def offer_card(offer: OfferView, locale: str) -> str:
    lines = [
        f"📦 <b>{h(offer.name)}</b>",
        _("Product: {product}").format(product=h(offer.core_product)),
        _("Dream outcome: {outcome}").format(outcome=h(offer.dream_outcome)),
        _("Price: {price}").format(price=money(offer.price, locale)),
        "",
        score_line(offer),
    ]
    if offer.bonuses:
        lines.append(_("🎁 Stack: {count} bonuses, total value {total} ({ratio})").format(
            count=len(offer.bonuses), total=money(offer.stated_value, locale),
            ratio=ratio_text(offer.value_ratio, locale)))
    else:
        lines.append(_("🎁 Stack: no bonuses yet."))
    if offer.urgency_deadline is not None:
        lines.append("⏰ " + _("Valid until {date}").format(
            date=day(offer.urgency_deadline, locale)))
    if offer.scarcity_count is not None:
        lines.append("🔢 " + _("Only {count} available").format(
            count=number(offer.scarcity_count, locale)))
    if offer.guarantee_text:
        lines.append("🛡 " + _("Guarantee: {text}").format(text=h(offer.guarantee_text)))
    return "\n".join(lines)


def offers_list(business_name: str, items: list[OfferView], locale: str) -> str:
    lines = [_("📦 <b>Offers</b> — {business}").format(business=h(business_name)), ""]
    if not items:
        lines.append(_("No offers yet. Build one: what you sell, the dream result it gives, "
                       "and the price."))
    for index, offer in enumerate(items, 1):
        score = (_("not scored") if offer.score is None or offer.band is None else
                 f"{offer.score}/100 {labels.offer_band(offer.band)}")
        lines.append(f"{index}. <b>{h(offer.name)}</b> · {money(offer.price, locale)} · {score}")
    return "\n".join(lines)


# --- value equation -------------------------------------------------------------------------

def lever_hint(lever: Lever) -> str:
    return {
        Lever.DREAM: _("How big is the result for the buyer? 1 = small, 10 = life-changing."),
        Lever.LIKELIHOOD: _("How sure is the buyer that it will work for them? 1 = doubtful, "
                            "10 = certain."),
        Lever.TIME: _("How long until they see the result? 1 = at once, 10 = many months."),
        Lever.EFFORT: _("How much effort and sacrifice does it take? 1 = none, 10 = a lot."),
    }[lever]


def lever_examples(lever: Lever) -> list[str]:
    return {
        Lever.DREAM: [
            _("Name the result in the buyer's words and numbers: “a job in a top café in 30 "
              "days”, not “a course”."),
            _("Show the status it brings: before-and-after photos, stories of real customers."),
        ],
        Lever.LIKELIHOOD: [
            _("Add proof: reviews, cases with numbers, a demo or a free trial lesson."),
            _("Add a guarantee and say exactly what happens if it doesn't work."),
        ],
        Lever.TIME: [
            _("Give a quick first win within 24 hours: a checklist, a first session, a ready "
              "template."),
            _("Show a clear timeline: what they get on day 1, in week 1, in month 1."),
        ],
        Lever.EFFORT: [
            _("Do part of the work for them: done-for-you set-up, templates, delivery."),
            _("Remove steps: fewer forms, payment in one tap, service at their place."),
        ],
    }[lever]


def lever_message(offer: OfferView, lever: Lever) -> str:
    value = offer.lever(lever)
    now = (f"{progress_bar(value * 10)} {value}/10" if value is not None else _("Not set yet"))
    return "\n".join([
        f"<b>{lever.value.upper()} — {h(labels.offer_lever(lever.value))}</b>",
        lever_hint(lever), "", now])


def _advice(move: LeverMove) -> str:
    template = (_("raise {lever} from {current} to {target} → score {score}") if move.raise_it
                else _("cut {lever} from {current} to {target} → score {score}"))
    return template.format(lever=f"{move.lever.value.upper()} "
                                 f"({labels.offer_lever(move.lever.value)})",
                           current=move.current, target=move.target, score=move.score_after)


def equation_summary(offer: OfferView, locale: str) -> str:
    shown = " · ".join(f"{lever.value.upper()} {offer.lever(lever) or '—'}" for lever in LEVERS)
    lines = [_("⚖️ <b>Value equation</b> — {name}").format(name=h(offer.name)),
             _("Value = (D × L) / (T × E)"), shown, ""]
    if offer.value is None or offer.score is None or offer.band is None:
        lines.append(_("Set all four levers below to see the score."))
        return "\n".join(lines)
    lines += [
        _("= {value} → score <b>{score}/100</b> — {band}").format(
            value=number(round(float(offer.value), 2), locale), score=offer.score,
            band=labels.offer_band(offer.band)),
        progress_bar(offer.score), "",
    ]
    move = offer.next_lever
    if move is None:
        lines.append(_("🏆 Top score. Keep the promise and collect proof: reviews and cases."))
    else:
        lines.append(_("👉 <b>Next lever:</b> {advice}").format(advice=h(_advice(move))))
        lines += ["• " + example for example in lever_examples(move.lever)]
    return "\n".join(lines)


# --- value stack ----------------------------------------------------------------------------

def stack_notes(offer: OfferView, locale: str) -> list[str]:
    notes = []
    if offer.urgency_deadline is not None:
        notes.append(_("Valid until {date}").format(date=day(offer.urgency_deadline, locale)))
    if offer.scarcity_count is not None:
        notes.append(_("Only {count} available").format(
            count=number(offer.scarcity_count, locale)))
    if offer.guarantee_text:
        notes.append(_("Guarantee: {text}").format(text=offer.guarantee_text))
    return notes


def stack_chart(offer: OfferView, locale: str) -> StackChart:
    rows = [StackRow(_("Core offer: {product}").format(product=offer.core_product),
                     offer.price, money(offer.price, locale))]
    rows += [StackRow(_("Bonus {number}: {name}").format(number=i, name=b.name), b.value,
                      money(b.value, locale)) for i, b in enumerate(offer.bonuses, 1)]
    return StackChart(
        title=offer.name, rows=rows, total_label=_("Total value"),
        total_text=money(offer.stated_value, locale), price_label=_("Your price"),
        price=offer.price, price_text=money(offer.price, locale),
        ratio_text=_("Value / price: {ratio}").format(
            ratio=ratio_text(offer.value_ratio, locale)),
        notes=stack_notes(offer, locale))


def stack_caption(offer: OfferView, locale: str, *, can_edit: bool) -> str:
    lines = [_("🎁 <b>Value stack</b> — {name}").format(name=h(offer.name)),
             _("Total value {total} for the price of {price} ({ratio})").format(
                 total=money(offer.stated_value, locale), price=money(offer.price, locale),
                 ratio=ratio_text(offer.value_ratio, locale))]
    if can_edit and len(offer.bonuses) < offers.MAX_BONUSES:
        lines += ["", _("Add up to 3 bonuses, a deadline and a quantity: make saying no feel "
                        "stupid.")]
    return "\n".join(lines)


# --- guarantees -----------------------------------------------------------------------------

def guarantee_template(kind: GuaranteeType, offer: OfferView) -> str:
    days = GUARANTEE_DAYS[kind]
    templates: dict[GuaranteeType, Callable[[], str]] = {
        GuaranteeType.UNCONDITIONAL: lambda: _(
            "Try {product} for {days} days. If you are not happy for any reason, we return "
            "all your money — no questions asked."),
        GuaranteeType.CONDITIONAL: lambda: _(
            "Follow our plan for {days} days. If you do your part and still don't get "
            "{outcome}, we return your money."),
        GuaranteeType.PERFORMANCE: lambda: _(
            "If {product} doesn't pay you back at least twice its price within {days} days, "
            "it's free: we return the full amount."),
        GuaranteeType.ANTI: lambda: _(
            "{product} is not for everyone: it is for those ready to do the work. All sales "
            "are final — serious buyers only."),
        GuaranteeType.IMPLIED: lambda: _(
            "Years of experience and hundreds of happy customers stand behind {product}: we "
            "know how to get you {outcome}."),
    }
    return templates[kind]().format(product=offer.core_product, outcome=offer.dream_outcome,
                                    days=days)


def guarantees_text(offer: OfferView) -> str:
    lines = [_("🛡 <b>Guarantee</b> — {name}").format(name=h(offer.name)),
             _("The more risk you take on, the safer the buyer feels. Pick one:"), ""]
    for number_, kind in enumerate(GuaranteeType, 1):
        lines += [
            _("{number}. <b>{type}</b> · risk for you: {risk}").format(
                number=number_, type=labels.guarantee_type(kind.value),
                risk=labels.guarantee_risk(GUARANTEE_RISK[kind].value)),
            f"<i>{h(guarantee_template(kind, offer))}</i>", ""]
    if offer.guarantee_text:
        lines.append(_("Now: {text}").format(text=h(offer.guarantee_text)))
    return "\n".join(lines).rstrip()


# --- pricing --------------------------------------------------------------------------------

def _market(position: MarketPosition) -> str | None:
    return {
        MarketPosition.BELOW_MIN: _("below every competitor — make sure buyers don't read it "
                                    "as low quality."),
        MarketPosition.BELOW_MEDIAN: _("in the cheaper half of the market."),
        MarketPosition.AT_MEDIAN: _("right at the market median."),
        MarketPosition.ABOVE_MEDIAN: _("in the dearer half of the market — the stack must show "
                                       "why."),
        MarketPosition.ABOVE_MAX: _("above every competitor — only a Grand Slam offer carries "
                                    "that."),
    }.get(position)


def _cost(position: CostPosition) -> str | None:
    return {
        CostPosition.BELOW_COST: _("⚠️ at or below your cost: every sale loses money."),
        CostPosition.BELOW_TARGET: _("under your target margin."),
        CostPosition.MEETS_TARGET: _("meets your target margin."),
    }.get(position)


def _value(position: ValuePosition) -> str:
    return {
        ValuePosition.BELOW_VALUE: _("below the value-based price: there is room to raise it."),
        ValuePosition.AT_VALUE: _("in line with the value-based price."),
        ValuePosition.ABOVE_VALUE: _("above the value-based price: add bonuses or raise the "
                                     "score first."),
    }[position]


def pricing_text(offer: OfferView, result: PricingResult, locale: str) -> str:
    lines = [_("🧮 <b>Pricing</b> — {name}").format(name=h(offer.name)),
             _("Your price: {price}").format(price=money(result.price, locale))]
    if result.cost_plus_price is not None and result.unit_cost is not None:
        lines.append(_("Cost-plus ({margin}% margin on a cost of {cost}): {price}").format(
            margin=result.target_margin or 0, cost=money(result.unit_cost, locale),
            price=money(result.cost_plus_price, locale)))
        lines.append(_("Your margin now: {margin}%").format(margin=result.current_margin))
    else:
        lines.append(_("Cost-plus: give your unit cost to see it."))
    stats = result.competitors
    if stats is not None:
        lines.append(_("Competitors ({count}): min {min} · median {median} · max {max}").format(
            count=stats.count, min=money(stats.minimum, locale),
            median=money(stats.median, locale), max=money(stats.maximum, locale)))
    else:
        lines.append(_("Competitors: no prices given."))
    lines.append(_("Value-based: {price} — {share}% of the stated value {value} at score "
                   "{score}/100").format(
        price=money(result.value_based_price, locale), share=result.value_share,
        value=money(result.stated_value, locale), score=result.score))
    if result.score_assumed:
        lines.append(_("<i>Score 50 assumed: set D, L, T and E for a sharper figure.</i>"))
    lines += ["", _("<b>Your price is</b>")]
    lines += [f"• {text}" for text in (_market(result.market), _cost(result.cost),
                                       _value(result.value)) if text]
    return "\n".join(lines)


# --- Godfather offer ------------------------------------------------------------------------

GODFATHER_INSTRUCTIONS = (
    "Write a Godfather offer (Alex Hormozi): an offer so good the buyer would feel stupid "
    "saying no, for the offer in the facts. Lead with the dream outcome, then the core "
    "product, each bonus with its stated value, the total value against the price, the "
    "guarantee, and the urgency and scarcity if given. Use only what the facts contain: no "
    "invented discounts, numbers or guarantees. 80-140 words, plain text without markdown, "
    "in the user's language. End with one clear call to action.")


def godfather_fallback(offer: OfferView, locale: str) -> str:
    """The offer's own parts arranged in the Godfather pattern (no model needed)."""
    parts = [_("Get {outcome} with {product}.").format(outcome=offer.dream_outcome,
                                                      product=offer.core_product)]
    if offer.bonuses:
        bonuses = "; ".join(f"{b.name} ({money(b.value, locale)})" for b in offer.bonuses)
        parts.append(_("On top you get: {bonuses} — {total} of value in all.").format(
            bonuses=bonuses, total=money(offer.stated_value, locale)))
    parts.append(_("Your price: only {price}.").format(price=money(offer.price, locale)))
    if offer.guarantee_text:
        parts.append(offer.guarantee_text)
    if offer.scarcity_count is not None and offer.urgency_deadline is not None:
        parts.append(_("Only {count} places, and only until {date}.").format(
            count=number(offer.scarcity_count, locale),
            date=day(offer.urgency_deadline, locale)))
    elif offer.scarcity_count is not None:
        parts.append(_("Only {count} places.").format(count=number(offer.scarcity_count,
                                                                   locale)))
    elif offer.urgency_deadline is not None:
        parts.append(_("The offer ends on {date}.").format(
            date=day(offer.urgency_deadline, locale)))
    parts.append(_("Saying no would simply be a loss. Write to us now."))
    return " ".join(parts)


def godfather_message(offer: OfferView, text: str, *, offline: bool) -> str:
    lines = [_("🤝 <b>Godfather offer</b> — {name}").format(name=h(offer.name)), "", h(text)]
    if offline:
        lines += ["", f"<i>{offline_note()}</i>"]
    return "\n".join(lines)


# --- one-pager ------------------------------------------------------------------------------

def one_pager(offer: OfferView, business_name: str, locale: str, stack_png: bytes) -> OnePager:
    score = (_("Not scored yet") if offer.score is None or offer.band is None else
             _("{score}/100 — {band}").format(score=offer.score,
                                              band=labels.offer_band(offer.band)))
    levers = " · ".join(f"{lever.value.upper()} {offer.lever(lever) or '—'}" for lever in LEVERS)
    highlights = [(_("Product"), offer.core_product), (_("Dream outcome"), offer.dream_outcome),
                  (_("Price"), money(offer.price, locale)), (_("Value score"), score),
                  (_("Value equation"), levers),
                  (_("Total value"), money(offer.stated_value, locale))]
    sections = [Section(_("Guarantee"), [offer.guarantee_text or _("No guarantee yet.")])]
    terms = stack_notes(offer, locale)[:2]
    if terms:
        sections.append(Section(_("Urgency and scarcity"), terms))
    move = offer.next_lever
    if move is not None:
        sections.append(Section(_("Next lever to pull"),
                                [_advice(move), *lever_examples(move.lever)]))
    return OnePager(title=offer.name,
                    subtitle=_("{business} — offer one-pager").format(business=business_name),
                    highlights=highlights, image_png=stack_png, sections=sections,
                    footer=_("Made with BiznesPilot"))


# --- editing the basics and the bonuses -----------------------------------------------------

def edit_picker(offer: OfferView) -> str:
    return _("✏️ <b>{name}</b> — what do you want to change?").format(name=h(offer.name))


def edit_question(field: OfferField, offer: OfferView, locale: str) -> str:
    if field == OfferField.PRICE:
        return _("✏️ Type the new price, in so'm. Now: {price}.").format(
            price=money(offer.price, locale))
    if field == OfferField.NAME:
        return _("✏️ Type the new name of the offer (up to {max} characters).\n\n"
                 "Now: <b>{now}</b>").format(max=offers.service.NAME_MAX, now=h(offer.name))
    if field == OfferField.CORE_PRODUCT:
        return _("✏️ Type the new core product or service (up to {max} characters).\n\n"
                 "Now: <b>{now}</b>").format(max=offers.service.TEXT_MAX,
                                             now=h(offer.core_product))
    return _("✏️ Type the new dream outcome the buyer gets (up to {max} characters).\n\n"
             "Now: <b>{now}</b>").format(max=offers.service.TEXT_MAX,
                                         now=h(offer.dream_outcome))


def edit_saved(field: OfferField, offer: OfferView, locale: str) -> str:
    return {
        OfferField.NAME: _("✅ Name saved: {value}.").format(value=h(offer.name)),
        OfferField.CORE_PRODUCT: _("✅ Core product saved."),
        OfferField.DREAM_OUTCOME: _("✅ Dream outcome saved."),
        OfferField.PRICE: _("✅ Price set: {price}.").format(price=money(offer.price, locale)),
    }[field]


def edit_bonus_name_question(number: int, bonus: Bonus, locale: str) -> str:
    return _("✏️ <b>Bonus {number}:</b> {name} — {value}.\n\nType a new name, or press Skip "
             "to keep it.").format(number=number, name=h(bonus.name),
                                   value=money(bonus.value, locale))


def edit_bonus_value_question(name: str, bonus: Bonus, locale: str) -> str:
    return _("What is the new stated value of “{name}”, in so'm? Now: {value}. Type an "
             "amount, or press Skip to keep it.").format(name=h(name),
                                                        value=money(bonus.value, locale))


def bonus_saved(number: int, bonus: Bonus, locale: str) -> str:
    return _("✅ Bonus {number} saved: {name} — {value}.").format(
        number=number, name=h(bonus.name), value=money(bonus.value, locale))
