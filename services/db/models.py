"""Typed models shared by every module.

Tenant tables carry ``business_id`` with an index leading on it; Telegram ids are 64-bit;
times are aware UTC (see ``UTCDateTime``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db.base import Base, UTCDateTime, utcnow


class User(Base):
    """A Telegram user: Telegram is the identity, so the primary key is the Telegram id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tashkent")
    status: Mapped[str] = mapped_column(String(16), default="active")
    platform_role: Mapped[str] = mapped_column(String(16), default="user")
    current_business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set by the outbox sender on a 403 from the owner bot; a later visit (last_seen_at after
    # it) means the user is back
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Admin suspension (status "suspended"): ends by itself at ``suspended_until``.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspend_reason: Mapped[str | None] = mapped_column(String(300))


class Business(Base):
    """A business (tenant). Profile fields follow Allan Dib's 1-Page Marketing Plan."""

    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(64))
    sub_industry: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(8))
    primary_goal: Mapped[str | None] = mapped_column(String(16))
    team_size: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    logo_file_id: Mapped[str | None] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    tagline: Mapped[str | None] = mapped_column(String(200))
    founded_on: Mapped[date | None] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[int | None] = mapped_column(BigInteger)
    usp: Mapped[str | None] = mapped_column(Text)
    elevator_pitch: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set by a platform admin to mark a business for review (abuse, fraud, VIP follow-up).
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    flag_reason: Mapped[str | None] = mapped_column(String(300))


class Membership(Base):
    """A user's role in a business; the owner has one too."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("business_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    business: Mapped[Business] = relationship(lazy="joined")


class Invite(Base):
    """A single-use team invite behind ``t.me/<bot>?start=inv_<token>``."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Goal(Base):
    """A business goal: metric, target, deadline; progress is ``current / target``."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    target: Mapped[int] = mapped_column(BigInteger)
    current: Mapped[int] = mapped_column(BigInteger, default=0)
    deadline: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CanvasSquare(Base):
    """One square of the 1-Page Marketing Plan canvas."""

    __tablename__ = "canvas_squares"
    __table_args__ = (UniqueConstraint("business_id", "square"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    square: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Plan(Base):
    """A subscription plan and its limit matrix (``-1`` means unlimited)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    price_monthly: Mapped[int | None] = mapped_column(BigInteger)
    price_yearly: Mapped[int | None] = mapped_column(BigInteger)
    trial_days: Mapped[int] = mapped_column(Integer, default=7)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Subscription(Base):
    """The account's subscription: one per owner, covering every business they own."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[str] = mapped_column(String(16))
    billing_cycle: Mapped[str] = mapped_column(String(8), default="monthly")
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Billing: Scale's "+5 businesses" add-on packs paid for with the period.
    business_addons: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Admin pause (status "paused"): read-only, the paid days left are given back on resume.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(lazy="joined")


class UsageCounter(Base):
    """A periodic usage counter (monthly leads and messages, daily API calls)."""

    __tablename__ = "usage_counters"
    __table_args__ = (UniqueConstraint("business_id", "resource", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    resource: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    used: Mapped[int] = mapped_column(BigInteger, default=0)


class FsmRecord(Base):
    """Persisted aiogram FSM state and data, so a restart never loses a wizard."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, per bot, for de-duplication across restarts."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditLog(Base):
    """Security-relevant events: bot starts, team and role changes, admin and billing actions."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_business_created", "business_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxUpdate(Base):
    """Updates fetched by polling and not yet fully handled: replayed after a crash, so a
    ``kill -9`` between getUpdates and the reply never loses a message."""

    __tablename__ = "inbox_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Dream Buyer (SPEC §3.2) ---------------------------------------------------------------


class DreamBuyer(Base):
    """A Dream Buyer avatar: demographics, the nine questions' answers and generated outputs."""

    __tablename__ = "dream_buyers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    age_range: Mapped[str | None] = mapped_column(String(120))
    gender: Mapped[str | None] = mapped_column(String(120))
    location: Mapped[str | None] = mapped_column(String(120))
    income: Mapped[str | None] = mapped_column(String(120))
    occupation: Mapped[str | None] = mapped_column(String(120))
    where_online: Mapped[str | None] = mapped_column(Text)
    where_offline: Mapped[str | None] = mapped_column(Text)
    information_sources: Mapped[str | None] = mapped_column(Text)
    frustrations: Mapped[str | None] = mapped_column(Text)
    dreams: Mapped[str | None] = mapped_column(Text)
    fears: Mapped[str | None] = mapped_column(Text)
    preferred_channel: Mapped[str | None] = mapped_column(Text)
    language_jargon: Mapped[str | None] = mapped_column(Text)
    day_in_life: Mapped[str | None] = mapped_column(Text)
    happiness_factors: Mapped[str | None] = mapped_column(Text)
    persona_summary: Mapped[str | None] = mapped_column(Text)
    content_ideas: Mapped[list[str] | None] = mapped_column(JSON)
    ad_hooks: Mapped[list[str] | None] = mapped_column(JSON)
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    generated_source: Mapped[str | None] = mapped_column(String(16))  # "ai" / "fallback"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- Offer Builder (SPEC §3.6) ------------------------------------------------------------


class Offer(Base):
    """An offer (Hormozi's $100M Offers): value-equation levers, value stack, guarantee and
    pricing inputs. Levers are 1–10 and stay NULL until set; money is whole so'm."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    core_product: Mapped[str] = mapped_column(String(300))
    dream_outcome: Mapped[str] = mapped_column(String(300))
    price: Mapped[int] = mapped_column(BigInteger)
    lever_d: Mapped[int | None] = mapped_column(Integer)
    lever_l: Mapped[int | None] = mapped_column(Integer)
    lever_t: Mapped[int | None] = mapped_column(Integer)
    lever_e: Mapped[int | None] = mapped_column(Integer)
    # [{"name": str, "value": int}, ...], at most three
    bonuses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    urgency_deadline: Mapped[date | None] = mapped_column(Date)
    scarcity_count: Mapped[int | None] = mapped_column(Integer)
    guarantee_type: Mapped[str | None] = mapped_column(String(16))
    guarantee_text: Mapped[str | None] = mapped_column(Text)
    unit_cost: Mapped[int | None] = mapped_column(BigInteger)
    target_margin: Mapped[int | None] = mapped_column(Integer)  # percent of the price
    competitor_prices: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- HVCO (lead magnets, SPEC §3.6) -------------------------------------------------------


class Hvco(Base):
    """A lead magnet: drafted title, outline and post; what the sales bot delivers; its link.

    ``code`` is the ``?start=`` payload of the business's sales bot that delivers it.
    """

    __tablename__ = "hvcos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(120))
    outline: Mapped[list[str]] = mapped_column(JSON, default=list)
    post: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_name: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(300))
    delivery_text: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    leads_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="fallback")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- AI gateway, Ask AI ------------------------------------------------------------------


class AIUsage(Base):
    """One AI request of a business: model answer or fallback, tokens, cost and latency."""

    __tablename__ = "ai_usage"
    __table_args__ = (Index("ix_ai_usage_business_created", "business_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    feature: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # ai / fallback
    reason: Mapped[str | None] = mapped_column(String(16))  # why the fallback answered
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_micro_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AIConversation(Base):
    """An Ask AI conversation of one user in one business; /new starts another."""

    __tablename__ = "ai_conversations"
    __table_args__ = (Index("ix_ai_conversations_business_user", "business_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AIMessage(Base):
    """One turn of an Ask AI conversation (the question or the answer shown)."""

    __tablename__ = "ai_messages"
    __table_args__ = (
        Index("ix_ai_messages_business_conversation", "business_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("ai_conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # user / assistant
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(16))  # ai / fallback for answers
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Marketing and sales analytics (SPEC §3.3, §3.4) -----------------------------------------


class MarketingChannel(Base):
    """A channel the business markets through (SPEC §3.3 kinds); spend, leads and orders are
    attributed to one. ``external_ref`` identifies it at its platform (a Telegram chat id,
    an Instagram handle…)."""

    __tablename__ = "marketing_channels"
    __table_args__ = (UniqueConstraint("business_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    external_ref: Mapped[str | None] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpendEntry(Base):
    """Money spent on one channel on one (business-local) day, with reach where known."""

    __tablename__ = "spend_entries"
    __table_args__ = (Index("ix_spend_entries_business_day", "business_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_channels.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)  # so'm
    impressions: Mapped[int | None] = mapped_column(BigInteger)
    clicks: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(16), default="chat")  # chat/import/api
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Customer(Base):
    """A paying customer; order totals are kept on the row as orders arrive, so CLV, churn and
    Power 4% segments read one row per customer, never the order history."""

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_business_last_order", "business_id", "last_order_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    source_channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_channels.id", ondelete="SET NULL"))
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    total_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Lead(Base):
    """A lead (SPEC §3.4): contact, source and UTM, funnel stage, score 0–100 and status."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_business_created", "business_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_channels.id", ondelete="SET NULL"))
    utm_source: Mapped[str | None] = mapped_column(String(120))
    utm_medium: Mapped[str | None] = mapped_column(String(120))
    utm_campaign: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(16), default="awareness")
    score: Mapped[int] = mapped_column(Integer, default=0)
    # new / contacted / qualified / won / lost
    status: Mapped[str] = mapped_column(String(16), default="new")
    owner_user_id: Mapped[int | None] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"))
    signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # lead-score behaviour
    source: Mapped[str] = mapped_column(String(16), default="chat")  # chat/import/chatbot/api
    day: Mapped[date] = mapped_column(Date)  # business-local day it arrived
    won_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Order(Base):
    """A sale: items, total and the (business-local) day, attributed to a channel."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_business_day", "business_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_channels.id", ondelete="SET NULL"))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, qty, price
    total: Mapped[int] = mapped_column(BigInteger)  # so'm
    status: Mapped[str] = mapped_column(String(16), default="paid")  # paid/cancelled/refunded
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default="chat")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DailyStat(Base):
    """Per business, day and channel (0 = not attributed): the sums dashboards read, kept
    current by every write to spend, leads and orders — so no dashboard scans raw history."""

    __tablename__ = "daily_stats"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    spend: Mapped[int] = mapped_column(BigInteger, default=0)
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    leads: Mapped[int] = mapped_column(Integer, default=0)
    won_leads: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    new_customers: Mapped[int] = mapped_column(Integer, default=0)


class ChannelSnapshot(Base):
    """A reading of a channel's audience (members/followers, posts, views) at one time."""

    __tablename__ = "channel_snapshots"
    __table_args__ = (Index("ix_channel_snapshots_business_channel_taken", "business_id",
                            "channel_id", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_channels.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    members: Mapped[int | None] = mapped_column(BigInteger)
    posts: Mapped[int | None] = mapped_column(Integer)
    views: Mapped[int | None] = mapped_column(BigInteger)
    interactions: Mapped[int | None] = mapped_column(BigInteger)  # likes+comments+shares


class AnalyticsSettings(Base):
    """Owner-entered assumptions used only where the order history is too short, and the
    business's reporting time zone."""

    __tablename__ = "analytics_settings"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the owner's
    gross_margin_pct: Mapped[int | None] = mapped_column(Integer)
    purchases_per_year: Mapped[float | None] = mapped_column(Float)
    lifespan_years: Mapped[float | None] = mapped_column(Float)
    repeat_window_days: Mapped[int] = mapped_column(Integer, default=60)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutboxMessage(Base):
    """A message the platform pushes (reports, alerts, broadcasts, nurture), sent by the
    rate-limited outbox sender; ``dedup_key`` makes enqueueing idempotent, and ``status``
    with ``attempts`` makes a restart resume without sending anything twice."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_due", "status", "due_at"),
        UniqueConstraint("dedup_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    bot_id: Mapped[int] = mapped_column(BigInteger)  # which bot sends it
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # report/alert/broadcast/nurture/…
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # text/photo/document/buttons
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    batch: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. a broadcast id
    # pending / sending / sent / blocked / failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # when a sender took it (status "sending"); start-up recovery only touches stale claims,
    # so a second live sender process keeps its own
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- Admin: support tickets (SPEC §6) ------------------------------------------------------


class SupportTicket(Base):
    """A user's support request; ``first_response_at`` (first admin reply) gives the response
    time. Not a tenant table: a user without a business can open one too."""

    __tablename__ = "support_tickets"
    __table_args__ = (Index("ix_support_tickets_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # low/normal/high/urgent
    # open / in_progress / resolved / closed
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SupportReply(Base):
    """One message in a ticket's thread, from an admin or from the user."""

    __tablename__ = "support_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    from_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Billing (SPEC §5): invoices, provider transactions, coupons --------------------------


class Coupon(Base):
    """A discount code: ``percent`` (value 1–100) or ``fixed`` (value in so'm)."""

    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # percent / fixed
    value: Mapped[int] = mapped_column(BigInteger)
    max_uses: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invoice(Base):
    """What the account owner pays for one period; amounts in so'm.
    Status: pending → paid (→ refunded), or failed."""

    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_business_created", "business_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="SET NULL"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    cycle: Mapped[str] = mapped_column(String(8))  # monthly / yearly
    addons: Mapped[int] = mapped_column(Integer, default=0)  # Scale's +5 businesses packs
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupons.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider: Mapped[str | None] = mapped_column(String(16))  # who paid it
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(lazy="joined")


class PaymentTransaction(Base):
    """One payment attempt at a provider (Payme transaction, Click click_trans_id, Telegram
    charge). ``state`` uses Payme's numbers for all: 1 created, 2 performed, -1 cancelled,
    -2 cancelled after perform."""

    __tablename__ = "payment_transactions"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))  # payme / click / telegram
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)  # so'm
    state: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[int | None] = mapped_column(Integer)
    provider_time: Mapped[int | None] = mapped_column(BigInteger, index=True)  # Payme ms
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    performed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CouponRedemption(Base):
    """A coupon used by an account (once per account); held by the invoice it priced."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (UniqueConstraint("coupon_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- KPI engine (SPEC §3.4) ----------------------------------------------------------------

# The dashboard's funnel counts a period's leads by stage and status from this index alone.
Index("ix_leads_business_day_stage", Lead.business_id, Lead.day, Lead.stage, Lead.status)


# ---------------------------------------------------------------- Outbox sender and broadcast


class Broadcast(Base):
    """A platform admin's broadcast: the payload, the segment, and its progress message; the
    recipients are outbox rows with ``batch = "bc:<id>"``."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger)  # the admin's Telegram id
    bot_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    segment: Mapped[dict[str, Any]] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(8), default="uz")  # the admin's, for progress
    # sending / done
    status: Mapped[str] = mapped_column(String(16), default="sending")
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- Insights and monthly strategy (SPEC §3.7) ---------------------------------------------


class Insight(Base):
    """One fired insight rule: structured numbers (rendered in the reader's language), its
    status new → seen → done / dismissed, and when it was pushed. ``slot`` (hours since the
    epoch // 24) with the unique constraint keeps a racing twin of a trigger out."""

    __tablename__ = "insights"
    __table_args__ = (
        Index("ix_insights_business_trigger_created", "business_id", "trigger_key",
              "created_at"),
        UniqueConstraint("business_id", "trigger_key", "slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(8))  # critical / high / medium / low
    status: Mapped[str] = mapped_column(String(12), default="new")
    numbers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trigger_key: Mapped[str] = mapped_column(String(100))
    slot: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Strategy(Base):
    """The business's plan for one month (``YYYY-MM``): goals, channels, weekly content,
    offers and budget split in ``plan``; ``checkins`` holds the weekly comparisons."""

    __tablename__ = "strategies"
    __table_args__ = (UniqueConstraint("business_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(8), default="rules")  # ai / rules
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    checkins: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- Scheduled reports (SPEC §3.8) ---------------------------------------------------------


class ReportRun(Base):
    """One scheduled report (kind and period) queued for a business: the scheduler skips
    businesses that already have this period's run; outbox dedup keys guard each message."""

    __tablename__ = "report_runs"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # daily/weekly/...
    period_key: Mapped[str] = mapped_column(String(16), primary_key=True)  # 2026-W48
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportOptIn(Base):
    """A member's choice about scheduled reports: members get them when enabled; the owner
    gets them unless disabled."""

    __tablename__ = "report_opt_ins"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- AI sales chatbot (SPEC §3.9) ----------------------------------------------------------


class SalesBot(Base):
    """A business's own Telegram bot that BiznesPilot runs as its sales chatbot.

    The primary key is the Telegram bot id (the number before the colon in the token). The
    token and the webhook secret are stored encrypted (``services.crypto``).
    """

    __tablename__ = "sales_bots"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(128), default="")
    token_encrypted: Mapped[str] = mapped_column(Text)
    secret_encrypted: Mapped[str] = mapped_column(Text)  # webhook secret_token
    # active / paused (by the owner) / revoked (Telegram answered 401)
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    connected_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SalesConversation(Base):
    """One customer's conversation with one business bot: funnel stage and hand-off state live
    here, never in a model prompt."""

    __tablename__ = "sales_conversations"
    __table_args__ = (
        UniqueConstraint("bot_id", "customer_chat_id"),
        Index("ix_sales_conversations_business_updated", "business_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    bot_id: Mapped[int] = mapped_column(ForeignKey("sales_bots.id", ondelete="CASCADE"))
    customer_chat_id: Mapped[int] = mapped_column(BigInteger)
    customer_name: Mapped[str] = mapped_column(String(128), default="")
    customer_username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    # awareness / interest / consideration / intent / purchase / post_purchase (forward only)
    stage: Mapped[str] = mapped_column(String(16), default="awareness")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    hvco_id: Mapped[int | None] = mapped_column(ForeignKey("hvcos.id", ondelete="SET NULL"))
    # none / waiting (flagged, no operator yet) / active (an operator has it)
    handoff: Mapped[str] = mapped_column(String(16), default="none")
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handoff_operator_id: Mapped[int | None] = mapped_column(BigInteger)
    handoff_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    messages_in: Mapped[int] = mapped_column(Integer, default=0)
    messages_out: Mapped[int] = mapped_column(Integer, default=0)
    last_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # customer blocked the bot
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # customer sent /stop
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SalesMessage(Base):
    """A message of a sales conversation, either way: the transcript operators and exports read."""

    __tablename__ = "sales_messages"
    __table_args__ = (Index("ix_sales_messages_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("sales_conversations.id", ondelete="CASCADE"))
    # customer / bot / operator
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str | None] = mapped_column(String(16))
    # kb / template / ai / fallback / operator / limit / nurture (for author "bot"/"operator")
    source: Mapped[str | None] = mapped_column(String(16))
    operator_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Channel integrations (SPEC §3.3, §4): connections, sync runs, daily metrics -----------


class IntegrationConnection(Base):
    """One business's connection to an external API (instagram, facebook, google_ads, ga4).

    ``credentials_encrypted`` is a JSON object of tokens encrypted with ``services.crypto``.
    The circuit breaker (``failures``, ``breaker_open_until``) and the run lease
    (``lease_until``) live on this row so every process sees the same state.
    """

    __tablename__ = "integration_connections"
    __table_args__ = (UniqueConstraint("business_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    account_ref: Mapped[str] = mapped_column(String(120))  # IG user / page / customer / property
    account_name: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketing_channels.id", ondelete="SET NULL"))
    credentials_encrypted: Mapped[str] = mapped_column(Text)
    # active / auth_expired / disconnected
    status: Mapped[str] = mapped_column(String(16), default="active")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failed runs
    breaker_open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a run holds it
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(32))
    # The ad account's currency (ISO 4217, from the API; None = not known, taken as so'm)
    # and the owner's rate: so'm per one unit of it, times 1000 (exact to 3 decimals).
    currency: Mapped[str | None] = mapped_column(String(3))
    fx_rate_milli: Mapped[int | None] = mapped_column(BigInteger)
    fx_rate_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class IntegrationSyncRun(Base):
    """One sync attempt of a connection: when, how it ended and how many items it wrote."""

    __tablename__ = "integration_sync_runs"
    __table_args__ = (Index("ix_integration_sync_runs_business_started", "business_id",
                            "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("integration_connections.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")  # schedule / manual
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # running / ok / error / skipped (breaker open)
    status: Mapped[str] = mapped_column(String(16), default="running")
    error: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(300))
    items: Mapped[int] = mapped_column(Integer, default=0)


class IntegrationDaily(Base):
    """Per connection, day and key (a campaign id, or "" for the account): the raw daily
    metrics an API reported (``values``), and the spend entry made from them if any."""

    __tablename__ = "integration_daily"
    __table_args__ = (
        UniqueConstraint("connection_id", "day", "key"),
        Index("ix_integration_daily_business_day", "business_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("integration_connections.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    key: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str | None] = mapped_column(String(200))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    spend_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("spend_entries.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- Sales chatbot knowledge base (SPEC §3.9, issue 5 brain) ---------------------------------


class KbEntry(Base):
    """A question the business's sales bot can answer: an FAQ, or the delivery or payment
    terms (``kind``). ``question`` may hold several phrasings, one per line; ``search_text``
    is their normalised words (``services.salesbot.normalize``), kept for matching."""

    __tablename__ = "kb_entries"
    __table_args__ = (Index("ix_kb_entries_business_kind", "business_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="faq")  # faq / delivery / payment
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KbProduct(Base):
    """A product or service the sales bot shows, with its price in whole so'm (``None``: the
    owner gave none, and the bot never guesses one). ``photo_file_id`` is the owner bot's file
    id (a business bot must re-upload it: Telegram file ids are per bot)."""

    __tablename__ = "kb_products"
    __table_args__ = (Index("ix_kb_products_business_name", "business_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(160), default="")  # normalised name
    price: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text, default="")
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    photo_unique_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- Competitor intelligence (SPEC §3.5) -------------------------------------------------


class Competitor(Base):
    """A competitor the owner watches: where to find it, the owner's notes and the SWOT."""

    __tablename__ = "competitors"
    __table_args__ = (UniqueConstraint("business_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    telegram: Mapped[str | None] = mapped_column(String(64))  # public channel username
    instagram: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    # {"strengths": [...], "weaknesses": [...], "opportunities": [...], "threats": [...]}
    swot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    swot_source: Mapped[str | None] = mapped_column(String(16))  # ai / rules / owner
    swot_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PublicChannel(Base):
    """A public channel: a Telegram channel read from its ``t.me/s`` page or an Instagram
    account read through ``business_discovery`` (``platform``); a competitor's, or the
    business's own (``competitor_id`` NULL). Sync state lives here so the owner sees
    "not synced since …" instead of a silent gap."""

    __tablename__ = "public_channels"
    __table_args__ = (
        UniqueConstraint("business_id", "competitor_id", "platform", "username",
                         name="uq_public_channels_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    competitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitors.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16), default="telegram",
                                          server_default="telegram")  # telegram / instagram
    username: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    subscribers: Mapped[int | None] = mapped_column(BigInteger)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))  # not_found / rate_limited / …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublicChannelSnapshot(Base):
    """One subscribers reading of a public channel (the history behind trends and surges)."""

    __tablename__ = "public_channel_snapshots"
    __table_args__ = (Index("ix_public_channel_snapshots_business_channel_taken", "business_id",
                            "channel_id", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("public_channels.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    subscribers: Mapped[int] = mapped_column(BigInteger)


class PublicPost(Base):
    """A post of a public channel, stored once; its views are updated on every sync."""

    __tablename__ = "public_posts"
    __table_args__ = (
        UniqueConstraint("channel_id", "post_id"),
        Index("ix_public_posts_business_channel_posted", "business_id", "channel_id",
              "posted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("public_channels.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    views: Mapped[int | None] = mapped_column(BigInteger)
    is_promotion: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompetitorPrice(Base):
    """A price seen in a competitor's post for an item (matched by normalised name)."""

    __tablename__ = "competitor_prices"
    __table_args__ = (Index("ix_competitor_prices_business_competitor_item", "business_id",
                            "competitor_id", "item_key", "seen_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitors.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(120))
    item_name: Mapped[str] = mapped_column(String(120))
    price: Mapped[int] = mapped_column(BigInteger)
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompetitorActivity(Base):
    """Something a competitor did (promotion, price change, new product, viral post, follower
    surge); ``alerted_at`` is set when the owner was told (at most once per 24 h per kind)."""

    __tablename__ = "competitor_activities"
    __table_args__ = (
        Index("ix_competitor_activities_business_competitor_kind", "business_id",
              "competitor_id", "kind", "detected_at"),
        UniqueConstraint("competitor_id", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitors.id", ondelete="CASCADE"))
    # promotion / price_change / new_product / viral / follower_surge
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(120))  # what makes it the same activity twice
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None: not looked at yet; sent: the owner was told; folded: one of its kind was sent
    # for this competitor in the last 24 h; quiet: a kind that never alerts (new product)
    alert_status: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)  # the owner's response


class CompetitorOverview(Base):
    """The business's SWOT against all its competitors (AI-drafted, editable)."""

    __tablename__ = "competitor_overviews"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    swot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    swot_source: Mapped[str] = mapped_column(String(16), default="rules")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CompetitorSyncRun(Base):
    """One run of the hourly public-page sync for one business, with its outcome."""

    __tablename__ = "competitor_sync_runs"
    __table_args__ = (Index("ix_competitor_sync_runs_business_started", "business_id",
                            "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")  # ok / partial / failed
    channels: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    activities: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))


# --- AmoCRM two-way sync (SPEC §4 row 3, PROTOCOLS.md §5) ---------------------------------


class AmoAccount(Base):
    """A business's connected AmoCRM account: OAuth credentials and tokens (encrypted with
    ``services.crypto``), the status → stage and field mapping, and sync health.

    ``token_version`` grows with every stored token pair: a worker that waited on the row lock
    sees it moved and uses the new pair instead of spending the single-use refresh token again.
    """

    __tablename__ = "amocrm_accounts"
    __table_args__ = (UniqueConstraint("business_id"), UniqueConstraint("webhook_key_hash"),
                      UniqueConstraint("oauth_state_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    subdomain: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    amo_account_id: Mapped[int | None] = mapped_column(BigInteger)
    amo_user_id: Mapped[int | None] = mapped_column(BigInteger)  # default task responsible
    # sha256 of the secrets in the webhook path and the OAuth state: looked up, never shown
    webhook_key_hash: Mapped[str] = mapped_column(String(64))
    oauth_state_hash: Mapped[str | None] = mapped_column(String(64))
    # pending (waiting for the OAuth redirect) / connected / error (re-authorise)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pipelines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_by: Mapped[int | None] = mapped_column(BigInteger)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # AmoCRM posts changes to our webhook (False: the public URL is unknown, e.g. embedded
    # mode; the scheduled reconciliation is then the only inbound path)
    webhook_registered: Mapped[bool] = mapped_column(Boolean, default=False,
                                                     server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AmoLink(Base):
    """One BiznesPilot record (lead, customer, order) and its AmoCRM twin.

    ``synced`` holds the field values both sides last agreed on: outbound sends only fields
    that differ from it, and inbound writes it too, so a change never bounces back.
    ``create_sent_at`` is set (and committed) before a create request leaves, so a retry
    after an unknown outcome searches AmoCRM before creating again.
    """

    __tablename__ = "amocrm_links"
    __table_args__ = (UniqueConstraint("business_id", "entity", "local_id"),
                      Index("ix_amocrm_links_business_amo", "business_id", "entity", "amo_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(16))  # lead / customer / order
    local_id: Mapped[int] = mapped_column(Integer)
    amo_id: Mapped[int | None] = mapped_column(BigInteger)
    contact_id: Mapped[int | None] = mapped_column(BigInteger)  # a lead's contact
    synced: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    create_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amo_updated_at: Mapped[int | None] = mapped_column(BigInteger)  # AmoCRM unix time
    # a tombstone: the twin was deleted in AmoCRM ("amocrm") or the local record was deleted
    # and its deal closed as lost ("local"); the link is kept so nothing is re-created
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_in: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AmoQueueItem(Base):
    """Durable outbound work: an entity to push, a note or a task. Claimed rows are
    ``sending``; a restart puts stale claims back to pending (the link's ``create_sent_at``
    and the note/task search make the retry safe)."""

    __tablename__ = "amocrm_queue"
    __table_args__ = (Index("ix_amocrm_queue_business_status_due", "business_id", "status",
                            "due_at"),
                      Index("ix_amocrm_queue_status_due", "status", "due_at"),
                      Index("ix_amocrm_queue_business_dedup", "business_id", "dedup_key",
                            unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("amocrm_accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # upsert / note / task
    entity: Mapped[str] = mapped_column(String(16))  # lead / customer / order
    local_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending / sending / done / failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a note/task request left
    error: Mapped[str | None] = mapped_column(String(300))
    # set for work that must happen once per event (a chatbot hand-off's note and task)
    dedup_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AmoSyncLog(Base):
    """What the sync did, for the owner's ``/amocrm log`` (codes, never user-facing text)."""

    __tablename__ = "amocrm_sync_log"
    __table_args__ = (Index("ix_amocrm_sync_log_business_at", "business_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    direction: Mapped[str] = mapped_column(String(8))  # out / in / system
    action: Mapped[str] = mapped_column(String(32))  # created / updated / skipped / error / …
    entity: Mapped[str | None] = mapped_column(String(16))
    local_id: Mapped[int | None] = mapped_column(Integer)
    amo_id: Mapped[int | None] = mapped_column(BigInteger)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    detail: Mapped[str | None] = mapped_column(String(300))


# --- Platform settings and shared rate limits (SPEC §6, §7) -------------------------------


class PlatformSetting(Base):
    """One platform-wide setting an admin changes from the bot (maintenance, registration,
    trial days, the AI key — stored encrypted). Absent rows mean the built-in default."""

    __tablename__ = "platform_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RateCounter(Base):
    """Hits of one rate-limit key in one fixed window (``slot`` = time // window length),
    shared by every process on the database; old slots are deleted as new ones open."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# --- Sales chatbot: Magic Lantern nurture, stats and exports (SPEC §3.9) -------------------


# Stats and exports read a period of a business's conversations and messages by creation time.
Index("ix_sales_conversations_business_created", SalesConversation.business_id,
      SalesConversation.created_at)
Index("ix_sales_messages_business_created", SalesMessage.business_id, SalesMessage.created_at)
# New leads and conversions go from a period's leads to their conversations.
Index("ix_sales_conversations_lead", SalesConversation.lead_id)
# "Has this lead bought?" — asked by the nurture send-time check for each due step.
Index("ix_orders_lead", Order.lead_id)


class NurtureSequence(Base):
    """Whether a business's nurture sequence runs; its steps are ``NurtureStep`` rows (the
    defaults are created on first use)."""

    __tablename__ = "sales_nurture_sequences"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NurtureStep(Base):
    """One follow-up: sent ``delay_days`` after the lead magnet was delivered. ``text`` NULL
    means the default text ``default_index`` in the customer's language; once the owner writes
    a text it is sent as written."""

    __tablename__ = "sales_nurture_steps"
    __table_args__ = (Index("ix_sales_nurture_steps_business_delay", "business_id",
                            "delay_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    delay_days: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    default_index: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NurtureSend(Base):
    """Links a queued nurture outbox message to its conversation and step, so a stop, an owner
    edit or the send-time check finds the pending ones without parsing dedup keys."""

    __tablename__ = "sales_nurture_sends"
    __table_args__ = (Index("ix_sales_nurture_sends_business_step", "business_id", "step_id"),)

    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("sales_conversations.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_nurture_steps.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the lead magnet went out
    # a customer message after this ends the run (a little after started_at, so the message
    # that asked for the lead magnet, stamped later in the same update, does not count)
    reply_cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    # when the claim guard counted it against the message limit and wrote it to the transcript
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- Analytics: KPI speed and the weekly strategy check-in (SPEC §3.4, §3.7) ---------------

# Churn and CLV count customers by last order in ranges and filter the churn month's lost ones
# by first order: with both columns in the index the counts never read the table rows.
Index("ix_customers_business_last_first", Customer.business_id, Customer.last_order_at,
      Customer.first_order_at)


class CheckinOptIn(Base):
    """A member's choice about the weekly strategy check-in push, like ``ReportOptIn``: members
    get it when enabled; the owner gets it unless disabled."""

    __tablename__ = "checkin_opt_ins"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- Sales chatbot engine: per-bot copies of lead-magnet files -----------------------------


class SalesBotFile(Base):
    """A lead magnet's file as one business bot knows it.

    Telegram file ids belong to the bot that received the upload, so the owner bot's id does
    not work in a business bot: the first delivery re-uploads the file through that bot and
    keeps its own id here.
    """

    __tablename__ = "sales_bot_files"
    __table_args__ = (UniqueConstraint("bot_id", "hvco_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("sales_bots.id", ondelete="CASCADE"))
    hvco_id: Mapped[int] = mapped_column(ForeignKey("hvcos.id", ondelete="CASCADE"))
    source_file_id: Mapped[str] = mapped_column(String(256))  # the owner bot's id it copies
    file_id: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
