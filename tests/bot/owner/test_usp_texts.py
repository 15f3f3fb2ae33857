"""The USP template wording (pure: no database, no bot)."""

from __future__ import annotations

from bot.i18n import make_i18n
from handlers.owner.usp.texts import template_proposal, template_usp
from services.ai.usp import UspBasis, UspTemplate


def _basis(years: int) -> UspBasis:
    return UspBasis(name="Kofe", industry=None, city=None,
                    audience="Office workers on the way to work.", promise="Coffee in 3 min!",
                    years=years, templates=[UspTemplate.PROOF, UspTemplate.GUARANTEE])


def test_years_agree_with_the_number_and_squares_lose_their_full_stop() -> None:
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        assert template_usp(UspTemplate.PROOF, _basis(3)).startswith("3 года опыта")
        assert template_usp(UspTemplate.PROOF, _basis(5)).startswith("5 лет опыта")
        assert template_usp(UspTemplate.PROOF, _basis(1)).startswith("1 год опыта")
    with i18n.context(), i18n.use_locale("en"):
        assert template_usp(UspTemplate.PROOF, _basis(1)).startswith("1 year of experience")
        proposal = template_proposal(_basis(2))
        assert "on the way to work. We make" in proposal.pitch
        assert "promises Coffee in 3 min —" in proposal.usps[1]
