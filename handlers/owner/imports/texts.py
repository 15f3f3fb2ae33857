"""Wording of the import screens and of proposed free-text entries."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import day, money, number
from handlers import labels
from handlers.errors import describe_invalid
from handlers.owner.entry.texts import KIND_ICONS
from handlers.ui import h
from services import marketing
from services.entry_parser import EntryKind, Proposal
from services.errors import InvalidInput
from services.imports import Field, ImportResult, Kind, LimitBlock, Preview, Record, RowError

MAX_ERRORS_SHOWN = 10


def kind_label(kind: Kind) -> str:
    return {
        Kind.SPEND: _("Marketing spend"),
        Kind.LEADS: _("Leads"),
        Kind.ORDERS: _("Orders"),
        Kind.CUSTOMERS: _("Customers"),
    }[kind]


def field_label(field: Field) -> str:
    return {
        Field.DATE: _("Date"),
        Field.CHANNEL: _("Channel"),
        Field.AMOUNT: _("Amount"),
        Field.IMPRESSIONS: _("Impressions"),
        Field.CLICKS: _("Clicks"),
        Field.NOTE: _("Note"),
        Field.NAME: _("Name"),
        Field.PHONE: _("Phone"),
        Field.EMAIL: _("E-mail"),
        Field.STATUS: _("Status"),
        Field.STAGE: _("Stage"),
        Field.UTM_SOURCE: "UTM source",
        Field.UTM_MEDIUM: "UTM medium",
        Field.UTM_CAMPAIGN: "UTM campaign",
    }[field]


def ask_file_text(kind: Kind | None) -> str:
    what = kind_label(kind) if kind else _("spend, leads, orders or customers")
    return _("📥 Send me a CSV or Excel (.xlsx) file with {what}, up to 10 MB. The first row "
             "should hold the column names, e.g. “Date, Channel, Amount” or “Sana, Kanal, "
             "Summa”.").format(what=h(what))


def start_text() -> str:
    return _("📥 <b>Import from a file</b>\n\nWhat does the file contain? Or just send it: "
             "I will tell from the column names.")


def file_error(exc: InvalidInput) -> str:
    """The message for a file that can't be imported at all."""
    reason, params = exc.reason, exc.params
    return {
        "file_too_big": _("📦 This file is too big: the limit is {max} MB. Split it into "
                          "smaller files.").format(max=params.get("max", 10)),
        "file_format": _("I can read .csv and .xlsx files. Save the sheet in one of these "
                         "formats and send it again."),
        "file_empty": _("The file has no rows to import: the first row should hold the "
                        "column names and the data below it."),
        "file_unreadable": _("I couldn't open this file. Is it a real .xlsx (not password "
                             "protected)? Try saving it again, or as CSV."),
        "file_rows": _("This file has more than {max} rows. Split it into smaller files."
                       ).format(max=params.get("max", "")),
        "nothing": _("No row can be imported: fix the errors and send the file again."),
    }.get(reason, describe_invalid(exc))


def reason_text(error: RowError) -> str:
    """A row error's reason, localized."""
    value = h(error.params.get("value", ""))
    if error.reason == "required":
        return _("empty, but required")
    if error.reason == "channel":
        return _("unknown channel “{value}”").format(value=value)
    if error.reason == "duplicate":
        return _("a customer with the phone {value} already exists or repeats in the file"
                 ).format(value=value)
    if error.reason == "choice" and error.field == "status":
        return _("unknown status")
    if error.reason == "choice" and error.field == "stage":
        return _("unknown funnel stage")
    return describe_invalid(InvalidInput(field=error.field, reason=error.reason,
                                         **error.params))


def error_line(error: RowError) -> str:
    return _("Row {row}, “{column}”: {reason}").format(
        row=error.row, column=h(error.column), reason=reason_text(error))


def record_line(index: int, kind: Kind, r: Record, locale: str) -> str:
    parts: list[str] = []
    if r.day is not None:
        parts.append(day(r.day, locale))
    if kind in {Kind.LEADS, Kind.CUSTOMERS, Kind.ORDERS} and r.name:
        parts.append(f"<b>{h(r.name)}</b>")
    if r.phone:
        parts.append(r.phone)
    if r.channel:
        # "insta" / "Телеграм" as the channel the row will land in, not as typed
        kind_code = marketing.kind_for_alias(r.channel)
        parts.append(f"{KIND_ICONS.get(kind_code, '')} {labels.channel_kind(kind_code)}"
                     if kind_code else h(r.channel))
    if r.amount is not None:
        parts.append(f"<b>{money(r.amount, locale)}</b>")
    if r.clicks is not None:
        parts.append(_("{count} clicks").format(count=number(r.clicks, locale)))
    if r.status:
        parts.append(labels.order_status(r.status) if kind is Kind.ORDERS
                     else labels.lead_status(r.status))
    return f"{index}. " + " · ".join(parts)


def blocked_text(block: LimitBlock, locale: str) -> str:
    return _("⛔ This import is refused: it adds {adding} to “{resource}”, {used} of "
             "{limit} are used on your {plan} plan. Import fewer rows or upgrade in /plan."
             ).format(adding=number(block.adding, locale),
                      resource=labels.resource(block.resource),
                      used=number(block.used, locale), limit=number(block.limit, locale),
                      plan=block.plan.title())


def preview_text(p: Preview, *, filename: str, headers: tuple[str, ...], locale: str) -> str:
    lines = [_("📥 <b>Import: {kind}</b> — {file}").format(kind=kind_label(p.kind),
                                                          file=h(filename)), "",
             _("<b>Columns</b>")]
    for index, header in enumerate(headers):
        field = p.mapping.get(index)
        target = field_label(field) if field else _("(not imported)")
        lines.append(f"• {h(header or '#' + str(index + 1))} → {target}")
    lines.append("")
    if p.missing:
        lines.append(_("⚠️ No column for: {fields}. Press “Change columns” and choose which "
                       "column holds it.").format(
            fields=", ".join(field_label(f) for f in p.missing)))
        return "\n".join(lines)
    lines.append(_("Rows: {total} · ready: <b>{valid}</b> · with errors: {errors}").format(
        total=number(p.total_rows, locale), valid=number(p.valid, locale),
        errors=number(p.error_rows, locale)))
    if p.sample:
        lines += ["", _("<b>The first rows, as they will be saved</b>")]
        lines += [record_line(i, p.kind, r, locale) for i, r in enumerate(p.sample, 1)]
    if p.errors:
        lines += ["", _("<b>Errors</b> (these rows will be skipped)")]
        lines += [f"• {error_line(e)}" for e in p.errors[:MAX_ERRORS_SHOWN]]
        if len(p.errors) > MAX_ERRORS_SHOWN:
            lines.append(_("…and {count} more: press “Error report” for the full list.").format(
                count=number(len(p.errors) - MAX_ERRORS_SHOWN, locale)))
    if p.new_channels:
        lines += ["", _("New channels will be added: {channels}.").format(
            channels=", ".join(f"{KIND_ICONS.get(k, '')} {labels.channel_kind(k)}"
                               for k in p.new_channels))]
    if p.blocked is not None:
        lines += ["", blocked_text(p.blocked, locale)]
    return "\n".join(lines)


def result_text(result: ImportResult, locale: str) -> str:
    lines = [_("✅ Imported {count} rows: {kind}.").format(
        count=number(result.created, locale), kind=kind_label(result.kind))]
    if result.skipped:
        lines.append(_("Skipped rows with errors: {count}.").format(
            count=number(result.skipped, locale)))
    if result.customers_created:
        lines.append(_("New customers: {count}.").format(
            count=number(result.customers_created, locale)))
    if result.channels_created:
        lines.append(_("New channels: {channels}.").format(
            channels=", ".join(h(c) for c in result.channels_created)))
    return "\n".join(lines)


def report_headers() -> tuple[str, str, str]:
    return _("Row"), _("Column"), _("Problem")


def proposal_text(p: Proposal, locale: str, *, channel_name: str | None, offline: bool
                  ) -> str:
    title = {
        EntryKind.SPEND: _("💸 <b>Log this spend?</b>"),
        EntryKind.LEAD: _("🧲 <b>Add this lead?</b>"),
        EntryKind.ORDER: _("🧾 <b>Save this order?</b>"),
    }[p.kind]
    lines = [title]
    if p.amount is not None:
        lines.append(_("Amount: {amount}").format(amount=money(p.amount, locale)))
    if p.name:
        lines.append(_("Name: {name}").format(name=h(p.name)))
    if p.phone:
        lines.append(_("Phone: {phone}").format(phone=p.phone))
    if p.channel:
        label = h(channel_name) if channel_name else labels.channel_kind(p.channel)
        lines.append(_("Channel: {channel}").format(channel=label))
    lines.append(_("Day: {date}").format(date=day(p.day, locale)))
    if offline:
        lines += ["", _("⚙️ Offline answer — built from rules and templates, no AI key in use.")]
    return "\n".join(lines)
