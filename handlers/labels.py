"""Localized names for the codes services return (industries, roles, fields, …).

Services hand back codes; these functions give the user's words for them. Call them inside a
handler (or inside ``i18n.use_locale``) so ``_`` knows the locale.
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

LANGUAGE_NAMES = {"uz": "🇺🇿 O'zbekcha", "uz_Cyrl": "🇺🇿 Ўзбекча", "ru": "🇷🇺 Русский",
                  "en": "🇬🇧 English"}


def industry(code: str) -> str:
    return {
        "retail": _("Retail"), "horeca": _("Cafés and restaurants"), "services": _("Services"),
        "education": _("Education"), "beauty": _("Beauty"), "health": _("Health"),
        "it": _("IT and software"), "construction": _("Construction"),
        "manufacturing": _("Manufacturing"), "real_estate": _("Real estate"),
        "auto": _("Auto"), "agency": _("Marketing agency"), "ecommerce": _("Online store"),
        "other": _("Other"),
    }.get(code, code)


def model(code: str) -> str:
    return {"b2b": _("B2B — we sell to businesses"), "b2c": _("B2C — we sell to people"),
            "both": _("Both B2B and B2C")}.get(code, code)


def goal(code: str) -> str:
    return {"leads": _("More leads"), "sales": _("More sales"), "brand": _("Brand awareness"),
            "retention": _("Customer retention")}.get(code, code)


def team_size(code: str) -> str:
    return {"1": _("Just me"), "2-5": _("2–5 people"), "6-20": _("6–20 people"),
            "21-50": _("21–50 people"), "50+": _("More than 50")}.get(code, code)


def business_type(code: str) -> str:
    return {"startup": _("Start-up"), "small": _("Small business"),
            "medium": _("Medium business"), "agency": _("Agency"),
            "freelancer": _("Freelancer")}.get(code, code)


def role(code: str) -> str:
    return {"owner": _("Owner"), "admin": _("Admin"), "manager": _("Manager"),
            "member": _("Member"), "viewer": _("Viewer")}.get(code, code)


def permission(code: str) -> str:
    return {
        "view_analytics": _("view analytics"), "manage_leads": _("manage leads and customers"),
        "manage_orders": _("manage orders"), "manage_chatbot": _("manage the chatbot"),
        "generate_reports": _("generate reports"), "manage_profile": _("edit the business"),
        "manage_integrations": _("manage integrations"), "manage_team": _("manage the team"),
        "billing": _("manage billing"), "delete_business": _("delete the business"),
        "assign_role": _("give this role"),
    }.get(code, code)


def subscription_status(code: str) -> str:
    return {"trialing": _("Trial"), "active": _("Active"), "past_due": _("Payment overdue"),
            "canceled": _("Cancelled"), "paused": _("Paused"),
            "expired": _("Trial ended")}.get(code, code)


def resource(code: str) -> str:
    return {
        "businesses": _("Businesses"), "team_members": _("Team members per business"),
        "channels": _("Marketing channels"), "avatars": _("Dream Buyer avatars"),
        "competitors": _("Competitors"), "leads_per_month": _("Leads per month"),
        "chatbots": _("Chatbots"), "chatbot_messages_per_month": _("Chatbot messages per month"),
        "api_calls_per_day": _("API calls per day"),
        "ai_requests_per_hour": _("AI requests per hour"),
        "retention_days": _("Data retention, days"),
    }.get(code, code)


def profile_field(code: str) -> str:
    return {
        "name": _("Name"), "legal_name": _("Legal name"), "type": _("Business type"),
        "industry": _("Industry"), "sub_industry": _("Sub-industry"), "model": _("Model"),
        "phone": _("Phone"), "email": _("E-mail"), "website": _("Website"),
        "address": _("Address"), "city": _("City"), "region": _("Region"),
        "description": _("Description"), "tagline": _("Tagline"),
        "founded_on": _("Founded"), "employees": _("Employees"),
        "annual_revenue": _("Annual revenue"), "usp": _("USP"),
        "elevator_pitch": _("Elevator pitch"), "logo": _("Logo"),
        "primary_goal": _("Primary goal"), "team_size": _("Team size"),
    }.get(code, code)


def canvas_phase(code: str) -> str:
    return {"before": _("Before"), "during": _("During"), "after": _("After")}.get(code, code)


def canvas_square(code: str) -> str:
    return {
        "target_market": _("Target market"), "message": _("Message to the market"),
        "media": _("Media"), "lead_capture": _("Lead capture"),
        "lead_nurture": _("Lead nurture"), "sales_conversion": _("Sales conversion"),
        "world_class_experience": _("World-class experience"),
        "lifetime_value": _("Increase lifetime value"),
        "referrals": _("Orchestrate referrals"),
    }.get(code, code)


def canvas_hint(code: str) -> str:
    return {
        "target_market": _("Who exactly is your ideal customer? Example: office workers aged "
                           "25–40 in Chilonzor who buy coffee on the way to work."),
        "message": _("What do you promise them, in their words? Example: \"Hot coffee in 3 "
                     "minutes or it is free\"."),
        "media": _("Where will they see you? Example: Instagram reels, Telegram channel, "
                   "a banner at the metro exit."),
        "lead_capture": _("How do you get their contact? Example: a free cup for subscribing "
                          "to the Telegram bot."),
        "lead_nurture": _("How do you stay in touch until they buy? Example: weekly tips and "
                          "offers in the bot."),
        "sales_conversion": _("How do you turn interest into a sale? Example: a first-order "
                              "discount that ends on Sunday."),
        "world_class_experience": _("How do you delight them after the sale? Example: a "
                                    "thank-you note and a follow-up call."),
        "lifetime_value": _("How do they buy more and more often? Example: a loyalty card, "
                            "a subscription, bundles."),
        "referrals": _("How do they bring friends? Example: a free coffee for each friend "
                       "who comes with them."),
    }.get(code, "")


def goal_metric(code: str) -> str:
    return {"revenue": _("Revenue"), "leads": _("Leads"), "customers": _("Customers"),
            "orders": _("Orders"), "followers": _("Followers"),
            "custom": _("Other")}.get(code, code)


def offer_lever(code: str) -> str:
    return {"d": _("Dream outcome"), "l": _("Perceived likelihood"), "t": _("Time delay"),
            "e": _("Effort and sacrifice")}.get(code, code)


def offer_band(code: str) -> str:
    return {"weak": _("Weak"), "average": _("Average"), "good": _("Good"),
            "grand_slam": _("Grand Slam")}.get(code, code)


def guarantee_type(code: str) -> str:
    return {"unconditional": _("Unconditional"), "conditional": _("Conditional"),
            "performance": _("Performance"), "anti": _("Anti-guarantee"),
            "implied": _("Implied"), "custom": _("Your own")}.get(code, code)


def guarantee_risk(code: str) -> str:
    return {"low": _("low"), "medium": _("medium"), "high": _("high")}.get(code, code)


def channel_kind(code: str) -> str:
    return {
        "telegram": _("Telegram channel"), "instagram": _("Instagram"),
        "facebook": _("Facebook"), "google_ads": _("Google Ads"), "website": _("Website"),
        "tiktok": _("TikTok"), "youtube": _("YouTube"), "offline": _("Offline"),
        "other": _("Other"),
    }.get(code, code)


def lead_stage(code: str) -> str:
    return {"awareness": _("Awareness"), "interest": _("Interest"),
            "consideration": _("Consideration"), "intent": _("Intent"),
            "purchase": _("Purchase"), "post_purchase": _("Post-purchase")}.get(code, code)


def lead_status(code: str) -> str:
    return {"new": _("New"), "contacted": _("Contacted"), "qualified": _("Qualified"),
            "won": _("Won"), "lost": _("Lost")}.get(code, code)


def order_status(code: str) -> str:
    return {"paid": _("Paid"), "cancelled": _("Cancelled"),
            "refunded": _("Refunded")}.get(code, code)


def period(code: str) -> str:
    return {"today": _("Today"), "7d": _("7 days"), "30d": _("30 days"), "90d": _("90 days"),
            "month": _("This month"), "quarter": _("This quarter"), "year": _("This year"),
            "custom": _("Custom period")}.get(code, code)


def kpi_name(code: str) -> str:
    return {
        "revenue": _("Revenue"), "leads": _("Leads"), "orders": _("Orders"),
        "spend": _("Marketing spend"), "new_customers": _("New customers"),
        "cac": _("CAC (cost to win a customer)"), "aov": _("Average order value"),
        "clv": _("Customer lifetime value (CLV)"), "ltv_cac": _("LTV:CAC"), "roas": _("ROAS"),
        "roi": _("Marketing ROI"), "churn": _("Monthly churn"),
        "lead_conversion": _("Lead → customer conversion"),
        "engagement": _("Engagement rate"), "cpl": _("Cost per lead"),
    }.get(code, code)


def kpi_band(code: str) -> str:
    return {
        "good": _("good"), "high": _("high"), "losing": _("losing money"), "weak": _("weak"),
        "target": _("on target"), "under_investing": _("under-investing"), "low": _("low"),
        "fair": _("fair"), "excellent": _("excellent"), "below_target": _("below target"),
        "great": _("great"), "critical": _("critical"), "average": _("average"),
    }.get(code, code)


def health_band(code: str) -> str:
    return {"critical": _("critical"), "needs_work": _("needs work"),
            "healthy": _("healthy"), "excellent": _("excellent")}.get(code, code)


def funnel_stage(code: str) -> str:
    return {"awareness": _("Awareness"), "interest": _("Interest"),
            "consideration": _("Consideration"), "intent": _("Intent"),
            "purchase": _("Purchase")}.get(code, code)


def assumption(code: str) -> str:
    return {"gross_margin_pct": _("Gross margin"), "purchases_per_year": _("Purchases a year"),
            "lifespan_years": _("Customer lifespan"),
            "repeat_window_days": _("Repeat window")}.get(code, code)
