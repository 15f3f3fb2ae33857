"""What owners type after /kpi: every KPI by a word of each of the four languages (pure)."""

from __future__ import annotations

import pytest

from handlers.owner.dashboard.texts import parse_period, split_kpi_args
from services.kpi import KpiName, PeriodKind

K = KpiName
# Per language, the word an owner would type for each KPI (two-word names as typed).
TYPED: dict[str, dict[KpiName, str]] = {
    "uz": {K.REVENUE: "tushum", K.LEADS: "lidlar", K.ORDERS: "buyurtmalar",
           K.SPEND: "xarajatlar", K.NEW_CUSTOMERS: "yangi mijozlar", K.CAC: "jalb narxi",
           K.AOV: "oʻrtacha chek", K.CLV: "mijoz qiymati", K.LTV_CAC: "ltv:cac",
           K.ROAS: "roas", K.ROI: "roi", K.CHURN: "ketish", K.LEAD_CONVERSION: "konversiya",
           K.ENGAGEMENT: "faollik", K.CPL: "lid narxi"},
    "uz_Cyrl": {K.REVENUE: "тушум", K.LEADS: "лидлар", K.ORDERS: "буюртмалар",
                K.SPEND: "харажатлар", K.NEW_CUSTOMERS: "янги мижозлар",
                K.CAC: "жалб нархи", K.AOV: "ўртача чек", K.CLV: "мижоз қиймати",
                K.LTV_CAC: "LTV/CAC", K.ROAS: "роас", K.ROI: "рои", K.CHURN: "кетиш",
                K.LEAD_CONVERSION: "конверсия", K.ENGAGEMENT: "фаоллик", K.CPL: "лид нархи"},
    "ru": {K.REVENUE: "Выручка", K.LEADS: "лиды", K.ORDERS: "заказы", K.SPEND: "расходы",
           K.NEW_CUSTOMERS: "новые клиенты", K.CAC: "стоимость привлечения",
           K.AOV: "средний чек", K.CLV: "ценность клиента", K.LTV_CAC: "ltv:cac",
           K.ROAS: "РОАС", K.ROI: "окупаемость", K.CHURN: "отток",
           K.LEAD_CONVERSION: "конверсия", K.ENGAGEMENT: "вовлечённость",
           K.CPL: "стоимость лида"},
    "en": {K.REVENUE: "revenue", K.LEADS: "leads", K.ORDERS: "orders", K.SPEND: "spend",
           K.NEW_CUSTOMERS: "new customers", K.CAC: "CAC", K.AOV: "aov", K.CLV: "clv",
           K.LTV_CAC: "ltv:cac", K.ROAS: "roas", K.ROI: "roi", K.CHURN: "churn",
           K.LEAD_CONVERSION: "conversion", K.ENGAGEMENT: "engagement", K.CPL: "cpl"},
}


@pytest.mark.parametrize("language", list(TYPED))
def test_every_kpi_has_a_word_in_every_language(language: str) -> None:
    words = TYPED[language]
    assert set(words) == set(KpiName)
    for name, typed in words.items():
        found, as_typed, rest = split_kpi_args(f"{typed} 90")
        assert (found, as_typed.lower(), rest) == (name, typed.lower(), "90"), typed
        assert parse_period(rest) == (PeriodKind.DAYS_90, None, None)


def test_an_unknown_word_is_no_kpi() -> None:
    assert split_kpi_args("weather today") == (None, "weather", "today")
