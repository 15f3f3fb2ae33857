"""What the integrations screens say: names, statuses, errors and the step-by-step help."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from services.integrations import Kind

NAMES = {Kind.INSTAGRAM: "Instagram", Kind.FACEBOOK: "Facebook", Kind.GOOGLE_ADS: "Google Ads",
         Kind.GA4: "Google Analytics 4"}
GOOGLE = frozenset({Kind.GOOGLE_ADS, Kind.GA4})
SCOPES = {Kind.GOOGLE_ADS: "https://www.googleapis.com/auth/adwords",
          Kind.GA4: "https://www.googleapis.com/auth/analytics.readonly"}
APIS = {Kind.GOOGLE_ADS: "Google Ads API", Kind.GA4: "Google Analytics Data API"}


def error_text(code: str | None) -> str:
    """Why the last sync failed, in a few words."""
    return {
        "auth_expired": _("the access expired or was revoked: reconnect"),
        "rate_limited": _("the service asked us to slow down"),
        "unavailable": _("the service did not answer"),
        "bad_response": _("the service refused the request"),
        "circuit_open": _("paused after repeated errors"),
    }.get(code or "", _("an unexpected error"))


def check_failed(code: str) -> str:
    """The test call after connecting failed."""
    if code == "auth_expired":
        return _("❌ The token was refused (expired, revoked or mistyped). Please check it and "
                 "send it again.")
    if code == "bad_response":
        return _("❌ The service refused the request. Check the id and that the token has the "
                 "permissions listed above, then send it again.")
    return _("❌ The service is not answering right now. Please send it again in a few "
             "minutes.")


def account_step(kind: Kind) -> str:
    """Step 1: where to find the account id."""
    if kind is Kind.INSTAGRAM:
        return _("📸 <b>Connect Instagram — step 1 of 2.</b>\n\n"
                 "You need an Instagram business or creator account linked to a Facebook "
                 "Page.\n"
                 "1. Open developers.facebook.com → Tools → Graph API Explorer and choose your "
                 "app.\n"
                 "2. Add the permissions instagram_basic, instagram_manage_insights, "
                 "pages_show_list, pages_read_engagement and press “Generate Access Token”.\n"
                 "3. Run <code>me/accounts?fields=instagram_business_account</code> and copy "
                 "the id of instagram_business_account.\n\n"
                 "Send that Instagram account id (digits).")
    if kind is Kind.FACEBOOK:
        return _("📘 <b>Connect a Facebook Page — step 1 of 2.</b>\n\n"
                 "1. Open developers.facebook.com → Tools → Graph API Explorer and choose your "
                 "app.\n"
                 "2. Add the permissions pages_show_list, pages_read_engagement and "
                 "read_insights and press “Generate Access Token”.\n"
                 "3. Run <code>me/accounts</code>: each Page has an id and an access_token.\n\n"
                 "Send the Page id (digits).")
    if kind is Kind.GOOGLE_ADS:
        return _("📈 <b>Connect Google Ads — step 1 of 4.</b>\n\n"
                 "Send your Google Ads customer id: the 10-digit number at the top of Google "
                 "Ads, like 123-456-7890.")
    return _("🌐 <b>Connect Google Analytics 4 — step 1 of 4.</b>\n\n"
             "Send the GA4 property id: Google Analytics → Admin → Property settings → "
             "Property ID (digits, like 345678901).")


def token_step(kind: Kind) -> str:
    if kind is Kind.INSTAGRAM:
        return _("<b>Step 2 of 2.</b> Send the access token from Graph API Explorer. A "
                 "long-lived token lasts 60 days; when the platform's Meta app is set up we "
                 "renew it before it expires.\n\n<i>We delete your message with the token "
                 "right after reading it and store the token encrypted.</i>")
    return _("<b>Step 2 of 2.</b> Send the Page's access_token from <code>me/accounts</code>."
             "\n\n<i>We delete your message with the token right after reading it and store "
             "the token encrypted.</i>")


def client_id_step(kind: Kind) -> str:
    return _("<b>Step 2 of 4.</b> In Google Cloud Console open APIs & Services: enable the "
             "{api}, then Credentials → Create credentials → OAuth client ID (Desktop app).\n\n"
             "Send the client ID (it ends with .apps.googleusercontent.com).").format(
        api=APIS[kind])


def client_secret_step() -> str:
    return _("<b>Step 3 of 4.</b> Send the client secret of the same OAuth client.\n\n"
             "<i>We delete your message right after reading it.</i>")


def refresh_token_step(kind: Kind) -> str:
    return _("<b>Step 4 of 4.</b> Get a refresh token for this client with the scope "
             "<code>{scope}</code> — for example in the OAuth 2.0 Playground "
             "(developers.google.com/oauthplayground): ⚙️ → “Use your own OAuth credentials”, "
             "authorize the scope, “Exchange authorization code for tokens”.\n\n"
             "Send the refresh token.").format(scope=SCOPES[kind])


RATE_EXAMPLES = {"USD": "12 850", "EUR": "13 900", "RUB": "140", "KZT": "25,4"}


def rate_step(kind: Kind, currency: str, *, current: str | None) -> str:
    """Ask how many so'm one unit of the ad account's currency is."""
    text = _("💱 {name} reports this account's spend in <b>{currency}</b>, and your analytics "
             "is in so'm. How many so'm is 1 {currency}? Send a number, for example "
             "{example}.").format(name=NAMES[kind], currency=currency,
                                  example=RATE_EXAMPLES.get(currency, "1 000"))
    if current is None:
        return text + "\n\n" + _("Until you do, {name} spend is not counted in the "
                                   "dashboard.").format(name=NAMES[kind])
    return text + "\n\n" + _("Now: 1 {currency} = {rate} so'm.").format(currency=currency,
                                                                         rate=current)


def bad_rate(reason: str, currency: str, low: str, high: str) -> str:
    if reason == "range":
        return _("1 {currency} is usually between {low} and {high} so'm — please check the "
                 "rate and send it again.").format(currency=currency, low=low, high=high)
    return _("That doesn't look like a rate: send the number of so'm for 1 {currency}, like "
             "{example}.").format(currency=currency,
                                  example=RATE_EXAMPLES.get(currency, "1 000"))
