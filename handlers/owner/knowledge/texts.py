"""Wording of the /kb screens."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import money
from handlers.errors import describe_invalid
from handlers.owner.imports.texts import error_line
from handlers.ui import h
from services.errors import InvalidInput
from services.imports import RowError
from services.salesbot import knowledge
from services.salesbot.knowledge import (
    Counts,
    EntryKind,
    EntryView,
    ImportPreview,
    ImportResult,
    ProductView,
)

LIST_TEXT_LIMIT = 120
MAX_ERRORS_SHOWN = 10


def _short(text: str, limit: int = LIST_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_label(kind: EntryKind) -> str:
    return {EntryKind.FAQ: _("❓ FAQ"), EntryKind.DELIVERY: _("🚚 Delivery"),
            EntryKind.PAYMENT: _("💳 Payment")}[kind]


def summary_text(business_name: str, counts: Counts) -> str:
    lines = [
        _("📚 <b>Knowledge base</b> — {business}").format(business=h(business_name)),
        _("Your sales bot answers customers from it first, and never makes up a price."),
        "",
        _("❓ FAQ: {count}").format(count=counts.entries[EntryKind.FAQ]),
        _("🚚 Delivery: {count}").format(count=counts.entries[EntryKind.DELIVERY]),
        _("💳 Payment: {count}").format(count=counts.entries[EntryKind.PAYMENT]),
        _("🛍 Products and services: {count}").format(count=counts.products),
    ]
    if counts.empty:
        lines += ["", guide_text()]
    return "\n".join(lines)


def guide_text() -> str:
    return _("<b>How to fill it</b>\n"
             "• Add your products with prices: the bot shows them when asked “narxi qancha?”.\n"
             "• Add delivery and payment terms, and answers to questions customers often ask. "
             "Write a question several ways, one per line (e.g. in Uzbek and Russian): the bot "
             "recognises typos and both scripts.\n"
             "• Or import a CSV/Excel file with the columns “type, question, answer, price”.")


def entry_lines(number: int, entry: EntryView) -> list[str]:
    question = entry.question.splitlines()[0]
    more = len(entry.question.splitlines()) - 1
    suffix = _(" (other phrasings: {count})").format(count=more) if more else ""
    return [f"{number}. {kind_label(entry.kind)} <b>{h(_short(question))}</b>{suffix}",
            f"   {h(_short(entry.answer))}"]


def product_line(number: int, product: ProductView, locale: str) -> str:
    price = money(product.price, locale) if product.price else _("no price")
    photo = " 🖼" if product.photo_file_id else ""
    text = f"{number}. <b>{h(_short(product.name))}</b> — {price}{photo}"
    if product.description:
        text += f"\n   {h(_short(product.description))}"
    return text


def entries_text(entries: list[EntryView], first: int, page: int, pages: int) -> str:
    lines = [_("📋 <b>Questions and answers</b>")]
    if not entries:
        lines.append(_("Nothing here yet. Add the questions customers ask most."))
    for number, entry in enumerate(entries, first):
        lines += entry_lines(number, entry)
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    return "\n".join(lines)


def products_text(products: list[ProductView], first: int, page: int, pages: int,
                  locale: str) -> str:
    lines = [_("🛍 <b>Products and services</b>")]
    if not products:
        lines.append(_("Nothing here yet. Add what you sell, with prices."))
    lines += [product_line(n, p, locale) for n, p in enumerate(products, first)]
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    return "\n".join(lines)


def field_labels(target_is_entry: bool) -> dict[str, str]:
    if target_is_entry:
        return {"question": _("Question"), "answer": _("Answer"), "kind": _("Type")}
    return {"name": _("Name"), "price": _("Price"), "description": _("Description"),
            "photo": _("Photo")}


def ask_field_text(field: str) -> str:
    return {
        "question": _("Type the question. You can write it several ways, one per line."),
        "answer": _("Type the answer the bot should give."),
        "name": _("Type the product or service name."),
        "price": _("Type the price in so'm (e.g. 150 000 or 1.2 mln), or “-” for no price."),
        "description": _("Type a short description, or “-” for none."),
        "photo": _("Send a photo, or “-” to remove it."),
    }[field]


def invalid_text(exc: InvalidInput) -> str:
    if exc.reason == "no_words":
        return _("Please write it in words, e.g. “Yetkazib berish bormi?”.")
    return describe_invalid(exc)


def limit_text(resource: str) -> str:
    if resource == "kb_products":
        limit = knowledge.MAX_PRODUCTS
        return _("🛍 The knowledge base holds at most {limit} products. Delete some to add "
                 "new ones.").format(limit=limit)
    limit = knowledge.MAX_ENTRIES
    return _("📋 The knowledge base holds at most {limit} questions. Delete some to add new "
             "ones.").format(limit=limit)


def import_start_text() -> str:
    return _("📥 Send me a CSV or Excel (.xlsx) file. Columns: “type” (FAQ, delivery, "
             "payment or product), “question” (or the product name), “answer” (or the "
             "description) and “price”. Headers in Uzbek or Russian work too: “turi, savol, "
             "javob, narx”.")


def preview_text(preview: ImportPreview, filename: str) -> str:
    lines = [_("📥 <b>Import to the knowledge base</b> — {file}").format(file=h(filename))]
    if preview.missing:
        lines.append(_("I can't find a question or name column. Name the first row’s "
                       "columns “question, answer, price” (or “savol, javob, narx”)."))
        return "\n".join(lines)
    lines.append(_("Rows: {total}. Ready to import — questions: {entries}, products: "
                   "{products}.").format(total=preview.total_rows, entries=preview.entries,
                                         products=preview.products))
    if preview.blocked is not None:
        lines.append(limit_text(preview.blocked))
    if preview.errors:
        lines += ["", _("Rows with errors (they are skipped): {count}").format(
            count=preview.error_rows)]
        lines += [_error_line(e) for e in preview.errors[:MAX_ERRORS_SHOWN]]
    return "\n".join(lines)


def _error_line(error: RowError) -> str:
    if error.field == "type":
        return _("Row {row}, “{column}”: unknown type “{value}” — use FAQ, delivery, payment "
                 "or product").format(row=error.row, column=h(error.column),
                                      value=h(error.params.get("value", "")))
    if error.reason == "no_words":
        return _("Row {row}, “{column}”: write it in words").format(row=error.row,
                                                                   column=h(error.column))
    return error_line(error)


def result_text(result: ImportResult) -> str:
    return _("✅ Imported. Questions: {entries}; new products: {created}; updated products: "
             "{updated}; skipped rows: {skipped}.").format(entries=result.entries,
                                               created=result.products_created,
                                               updated=result.products_updated,
                                               skipped=result.skipped)
