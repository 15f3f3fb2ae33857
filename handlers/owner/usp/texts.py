"""The USP templates' wording (which templates fit is decided in services.ai.usp)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers import labels
from services.ai.usp import UspBasis, UspProposal, UspTemplate


def _industry(basis: UspBasis) -> str:
    return labels.industry(basis.industry).lower() if basis.industry else _("service")


def _clause(text: str | None) -> str | None:
    """A canvas square used mid-sentence: without its final full stop ("weekends.." read
    badly)."""
    return text.strip().rstrip(".!;。 ") or None if text else None


def template_usp(template: UspTemplate, basis: UspBasis) -> str:
    audience = _clause(basis.audience) or _("people who value their time")
    if template == UspTemplate.AUDIENCE:
        return _("{name}: {industry} made for {audience} — exactly what they need, without "
                 "extras.").format(name=basis.name, industry=_industry(basis),
                                   audience=audience)
    if template == UspTemplate.GUARANTEE:
        promise = _clause(basis.promise) or _("the result you expect")
        return _("{name} promises {promise} — or we make it right at no cost to you.").format(
            name=basis.name, promise=promise)
    if template == UspTemplate.PROOF:
        years = basis.years or 0
        return ngettext(
            "{years} year of experience: {name} is the {industry} customers recommend to "
            "friends.",
            "{years} years of experience: {name} is the {industry} customers recommend to "
            "friends.", years).format(years=years, name=basis.name, industry=_industry(basis))
    if template == UspTemplate.LOCAL:
        return _("{name} — the {industry} {city} chooses: close by, fast and "
                 "reliable.").format(name=basis.name, industry=_industry(basis),
                                     city=basis.city or "")
    return _("{name}: {industry} without the usual hassle — clear prices, on time, every "
             "time.").format(name=basis.name, industry=_industry(basis))


def template_proposal(basis: UspBasis) -> UspProposal:
    """Three USPs from the formulas that fit, and a pitch from the profile."""
    audience = _clause(basis.audience) or _("people who value their time")
    pitch = _("We are {name}, a {industry} for {audience}. We make it simple and reliable, "
              "and we stand behind the result. Try us once — you will come back.").format(
        name=basis.name, industry=_industry(basis), audience=audience)
    return UspProposal(usps=[template_usp(t, basis) for t in basis.templates], pitch=pitch)
