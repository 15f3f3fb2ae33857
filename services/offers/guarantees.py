"""The five guarantee types (Hormozi) with their risk for the business and default periods."""

from __future__ import annotations

from enum import StrEnum


class GuaranteeType(StrEnum):
    UNCONDITIONAL = "unconditional"  # "30 days, no questions asked"
    CONDITIONAL = "conditional"  # "do X and get no result — money back"
    PERFORMANCE = "performance"  # "no 2× return — it's free"
    ANTI = "anti"  # "not for everyone, all sales final"
    IMPLIED = "implied"  # "10 years of experience"


CUSTOM = "custom"  # the owner's own wording


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


GUARANTEE_RISK: dict[GuaranteeType, Risk] = {
    GuaranteeType.UNCONDITIONAL: Risk.HIGH,
    GuaranteeType.CONDITIONAL: Risk.MEDIUM,
    GuaranteeType.PERFORMANCE: Risk.HIGH,
    GuaranteeType.ANTI: Risk.LOW,
    GuaranteeType.IMPLIED: Risk.LOW,
}

# The period a template names; 0 where the type has none.
GUARANTEE_DAYS: dict[GuaranteeType, int] = {
    GuaranteeType.UNCONDITIONAL: 30,
    GuaranteeType.CONDITIONAL: 60,
    GuaranteeType.PERFORMANCE: 90,
    GuaranteeType.ANTI: 0,
    GuaranteeType.IMPLIED: 0,
}


def parse_guarantee_type(code: str) -> GuaranteeType:
    """A guarantee type code from a button; ``ValueError`` for anything else."""
    return GuaranteeType(code)
