"""Pure renderers of the AmoCRM screens."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import moment, number
from handlers import labels
from handlers.ui import h
from services.amocrm.accounts import AccountStatus, LogEntry


def target_label(target: str | None) -> str:
    if target is None:
        return _("not mapped")
    if target in ("won", "lost"):
        return labels.lead_status(target)
    return labels.lead_stage(target)


def field_label(name: str) -> str:
    return {"utm_source": _("UTM source"), "utm_medium": _("UTM medium"),
            "utm_campaign": _("UTM campaign"), "source": _("Lead source")}.get(name, name)


def intro_text(redirect_uri: str) -> str:
    return "\n".join([
        _("🔗 <b>AmoCRM</b> — two-way sync of leads, contacts and deals"),
        "",
        _("1. In AmoCRM open Settings → Integrations → Create integration."),
        _("2. Use this redirect address: <code>{uri}</code>").format(uri=h(redirect_uri)),
        _("3. Press Connect and send me the account address, the integration ID and the "
          "secret key."),
    ])


def plan_needed_text() -> str:
    return _("🔗 AmoCRM sync is part of the Growth plan and above. Upgrade in /plan.")


def subdomain_prompt() -> str:
    return _("Send your AmoCRM address, for example <code>mycompany.amocrm.ru</code>.")


def client_id_prompt() -> str:
    return _("Now send the integration ID (Settings → Integrations → your integration → "
             "Keys and scopes).")


def client_secret_prompt() -> str:
    return _("And the secret key from the same tab. I will delete your message after reading "
             "it.")


def bad_value_text() -> str:
    return _("That doesn't look right: letters, digits, “-” and “_”, at least 8 characters. "
             "Please send it again, or /cancel.")


def bad_subdomain_text() -> str:
    return _("That is not an AmoCRM address. Example: mycompany.amocrm.ru. Send it again, "
             "or /cancel.")


def auth_text() -> str:
    return "\n\n".join([
        _("Almost done: press the button, choose the account and allow access. I will "
          "write here as soon as AmoCRM confirms."),
        _("If the page after “Allow” does not open, copy the whole address from the browser "
          "bar and send it here. An authorisation code shown by AmoCRM works too."),
    ])


def bad_code_text() -> str:
    return _("That is not an authorisation code. Send the code, or the whole address the "
             "browser opened after “Allow” (it contains <code>code=</code>), or /cancel.")


def code_checking_text() -> str:
    return _("⏳ Checking the code with AmoCRM…")


def code_refused_text() -> str:
    return _("AmoCRM did not accept this code: it works once and only for about 20 minutes. "
             "Press the button again, allow access and send the new code.")


def code_stale_text() -> str:
    return _("This code belongs to another connection attempt. Open /amocrm and connect "
             "again.")


def code_connected_text(queued: int) -> str:
    return _("✅ AmoCRM is connected. {count} records are queued for the first "
             "sync.").format(count=queued)


def status_text(status: AccountStatus, *, locale: str, timezone: str,
                reconcile_minutes: int = 30) -> str:
    state = {"connected": _("✅ connected"), "pending": _("⏳ waiting for your permission in "
                                                        "AmoCRM"),
             "error": _("⚠️ AmoCRM refused the connection — connect again")}.get(
        status.status, status.status)
    lines = [_("🔗 <b>AmoCRM</b>: {subdomain} — {state}").format(
        subdomain=h(status.subdomain), state=state)]
    if status.status != "pending":
        last = moment(status.last_sync_at, locale, timezone) if status.last_sync_at \
            else _("not yet")
        lines += [
            _("Last sync: {time}").format(time=last),
            _("Linked records: {linked} · in the queue: {pending} · failed: {failed}").format(
                linked=number(status.linked, locale), pending=number(status.pending, locale),
                failed=number(status.failed, locale)),
        ]
        if status.deleted:
            lines.append(_("Deleted in AmoCRM or closed after a delete here: {count} "
                           "(kept in BiznesPilot, no longer synced)").format(
                count=number(status.deleted, locale)))
        if status.status == "connected" and not status.webhook:
            lines += ["", _("ℹ️ AmoCRM cannot reach this server (no public address), so "
                            "changes made in AmoCRM arrive with the check every {minutes} "
                            "min, not instantly. BiznesPilot changes still go out at "
                            "once.").format(minutes=reconcile_minutes)]
    if status.last_error:
        when = moment(status.last_error_at, locale, timezone) if status.last_error_at else ""
        lines += ["", _("⚠️ Last error ({time}): {error}").format(time=when,
                                                                  error=h(status.last_error))]
    return "\n".join(lines)


def stages_text() -> str:
    return _("🎯 <b>Stages</b>: what each AmoCRM status means in your BiznesPilot funnel. "
             "Won (142) and Lost (143) are fixed. Press a status to change it.")


def stage_choice_text(name: str) -> str:
    return _("Which funnel stage is “{status}”?").format(status=h(name))


def fields_text() -> str:
    return _("🧩 <b>Fields</b>: name, phone and e-mail go to the contact (PHONE, EMAIL) and "
             "the order total to the deal budget. Choose which AmoCRM deal fields get the "
             "UTM tags and the lead source.")


def field_choice_text(name: str) -> str:
    return _("Which AmoCRM field gets “{field}”?").format(field=field_label(name))


def _action(code: str) -> str:
    return {"created": _("created"), "updated": _("updated"), "found": _("matched"),
            "skipped": _("skipped"), "failed": _("failed"), "retry": _("will retry"),
            "note": _("note added"), "task": _("task added"), "connected": _("connected"),
            "disconnected": _("disconnected"), "token_refreshed": _("token refreshed"),
            "auth_failed": _("access refused"), "reconciled": _("reconciled"),
            "deleted": _("deleted in AmoCRM, unlinked"),
            "closed": _("deleted here, AmoCRM deal closed"),
            "restored": _("restored in AmoCRM, linked again"),
            "webhook_skipped": _("no public address: checked on schedule")}.get(code, code)


def _entity(code: str | None) -> str:
    return {"lead": _("lead"), "customer": _("contact"), "order": _("order")}.get(
        code or "", code or "")


def log_text(entries: list[LogEntry], *, locale: str, timezone: str) -> str:
    if not entries:
        return _("📜 The sync log is empty so far.")
    lines = [_("📜 <b>AmoCRM sync log</b> (newest first)")]
    for e in entries:
        arrow = {"out": "⬆️", "in": "⬇️"}.get(e.direction, "⚙️")
        parts = [moment(e.at, locale, timezone), arrow, _action(e.action)]
        if e.entity:
            parts.append(_entity(e.entity) + (f" #{e.local_id}" if e.local_id else ""))
        if e.amo_id:
            parts.append(f"↔ {e.amo_id}")
        line = " ".join(parts)
        if e.detail and not e.ok:
            line += f" — {h(e.detail[:80])}"
        lines.append(("❌ " if not e.ok else "") + line)
    return "\n".join(lines)


def sync_queued_text(count: int) -> str:
    return _("🔄 Sync started: {count} new records queued; changes are checked too. The log "
             "shows the progress.").format(count=count)


def disconnect_prompt() -> str:
    return _("Disconnect AmoCRM? BiznesPilot forgets the tokens and the links; your data in "
             "AmoCRM stays.")


def disconnected_text() -> str:
    return _("🔌 AmoCRM is disconnected.")


def amo_failed_text() -> str:
    return _("😔 AmoCRM did not answer properly. Please try again in a minute.")


def note_usage_text() -> str:
    return _("Write it like this: <code>/amocrm note 12 Called, will pay on Friday</code> — "
             "the lead number, then the note.")


def note_queued_text(lead_id: int) -> str:
    return _("📝 The note goes to the AmoCRM deal of lead #{id}.").format(id=lead_id)


def not_connected_text() -> str:
    return _("AmoCRM is not connected. /amocrm connects it.")


def pipelines_text() -> str:
    return _("🛤 Which AmoCRM pipeline do BiznesPilot leads go to? Its statuses get the "
             "default stages; you can change them after.")
