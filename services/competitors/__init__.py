"""Competitor intelligence (SPEC §3.5): competitors, their public Telegram channels and
Instagram accounts, the activities detected in them, SWOT and the weekly report."""

from services.competitors.service import (
    INSTAGRAM,
    TELEGRAM,
    ActivityKind,
    ActivityView,
    ChannelState,
    CompetitorView,
    Created,
    Field,
    add_note,
    create_competitor,
    delete_competitor,
    ensure_room,
    get_activity,
    get_competitor,
    list_competitors,
    overall_swot,
    own_channel,
    parse_field,
    parse_instagram,
    parse_name,
    recent_activities,
    set_overall_swot,
    set_own_channel,
    set_swot,
    update_competitor,
    usage,
)

__all__ = [
    "INSTAGRAM", "TELEGRAM", "ActivityKind", "ActivityView", "ChannelState", "CompetitorView",
    "Created", "Field",
    "add_note", "create_competitor", "delete_competitor", "ensure_room", "get_activity",
    "get_competitor", "list_competitors", "overall_swot", "own_channel", "parse_field",
    "parse_instagram", "parse_name", "recent_activities", "set_overall_swot",
    "set_own_channel", "set_swot", "update_competitor", "usage",
]
