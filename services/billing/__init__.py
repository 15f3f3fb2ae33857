"""Billing (SPEC §5): prices and coupons, invoices, the subscription lifecycle, and the
merchant sides of Payme, Click and Telegram payments.

Every way money arrives ends in :func:`services.billing.subscriptions.settle`, called on a
locked invoice row, so a repeated or concurrent callback never credits twice.
"""
