"""Scheduled and on-demand reports (SPEC §3.8): periods and due times, the report's numbers
from ``services.kpi``, recipients and runs, and the PDF and Excel exports."""

from services.reports.data import REPORT_KPIS, ReportData, build_report
from services.reports.delivery import (
    DueReport,
    Recipient,
    due_reports,
    is_opted_in,
    recipients,
    record_run,
    set_opt_in,
)
from services.reports.schedule import SEND_AT, ReportKind, Window, due_window, window

__all__ = [
    "REPORT_KPIS", "SEND_AT", "DueReport", "Recipient", "ReportData", "ReportKind", "Window",
    "build_report", "due_reports", "due_window", "is_opted_in", "recipients", "record_run",
    "set_opt_in", "window",
]
