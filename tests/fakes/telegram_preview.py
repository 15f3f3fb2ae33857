"""A fake t.me: serves ``/s/<channel>`` preview pages in the real structure (PROTOCOLS.md §4):
the channel header with abbreviated counters, posts oldest first (20 per page) with views like
"1.2K", a reply preview inside a post, service messages, ``<link rel="prev" href="?before=">``
paging; a redirect for unknown channels (as t.me does) or 404; scripted 429/5xx. Tests change
a channel's data between calls, as a live channel does."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from aiohttp import web

from tests.fakes._server import serve_locally

PAGE_SIZE = 20


@dataclass
class FakePost:
    post_id: int
    text: str
    views: int
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reply_to: str | None = None  # the text of the post it replies to
    service: bool = False


@dataclass
class FakeChannel:
    username: str
    title: str
    subscribers: int
    posts: list[FakePost] = field(default_factory=list)

    def post(self, text: str, views: int, *, at: datetime | None = None, **kwargs: object
             ) -> FakePost:
        """Publish a post (the next id)."""
        next_id = (self.posts[-1].post_id + 1) if self.posts else 1
        item = FakePost(next_id, text, views, at or datetime.now(UTC), **kwargs)  # type: ignore[arg-type]
        self.posts.append(item)
        return item


def counter(value: int) -> str:
    """How t.me abbreviates: 999, 1.2K, 12.5K, 3.4M."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if value >= 10_000:
        return f"{value / 1_000:.1f}".rstrip("0").rstrip(".") + "K"
    if value >= 1_000:
        return f"{value / 1_000:.1f}".rstrip("0").rstrip(".") + "K"
    return str(value)


def _post_html(channel: FakeChannel, post: FakePost) -> str:
    ref = f"{channel.username}/{post.post_id}"
    if post.service:
        return (f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
                f'<div class="tgme_widget_message service_message js-widget_message" '
                f'data-post="{ref}"><div class="tgme_widget_message_bubble">'
                f'<div class="tgme_widget_message_text js-message_text">Channel photo updated'
                f'</div></div></div></div>')
    body = "<br/>".join(escape(line) for line in post.text.split("\n"))
    reply = ""
    if post.reply_to:
        reply = (f'<a class="tgme_widget_message_reply" href="https://t.me/{ref}">'
                 f'<div class="tgme_widget_message_author accent_color">'
                 f'<span class="tgme_widget_message_author_name">{escape(channel.title)}'
                 f'</span></div><div class="tgme_widget_message_text js-message_reply_text" '
                 f'dir="auto">{escape(post.reply_to)}</div></a>')
    stamp = post.at.isoformat(timespec="seconds")
    return f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{ref}"
      data-view="eyJjIjotMTAwMTIzfQ">
  <div class="tgme_widget_message_user"><a href="https://t.me/{channel.username}"></a></div>
  <div class="tgme_widget_message_bubble">
   <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
    href="https://t.me/{channel.username}"><span dir="auto">{escape(channel.title)}</span></a>
   </div>
   {reply}
   <div class="tgme_widget_message_text js-message_text" dir="auto">{body}
    <i class="emoji" style="background-image:url('//telegram.org/img/emoji/40/F09F94A5.png')">
    <b>🔥</b></i></div>
   <div class="tgme_widget_message_footer compact js-message_footer">
    <div class="tgme_widget_message_info short js-message_info">
     <span class="tgme_widget_message_views">{counter(post.views)}</span>
     <span class="copyonly"> views</span>
     <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
      href="https://t.me/{ref}"><time datetime="{stamp}" class="time">{post.at:%H:%M}</time>
     </a></span>
    </div>
   </div>
  </div>
 </div>
</div>"""


def render_page(channel: FakeChannel, before: int | None = None) -> str:
    """The page t.me serves: the newest ``PAGE_SIZE`` posts older than ``before``."""
    older = [p for p in channel.posts if before is None or p.post_id < before]
    page = older[-PAGE_SIZE:]
    prev = ""
    if page and page[0].post_id > 1 and len(older) > len(page):
        prev = (f'<link rel="prev" href="/s/{channel.username}?before={page[0].post_id}">')
    body = "".join(_post_html(channel, p) for p in page) or (
        '<div class="tme_no_messages_found">No posts found</div>')
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(channel.title)} – Telegram</title>
<meta property="og:title" content="{escape(channel.title)}">
<meta property="og:description" content="Channel of {escape(channel.title)}">
<meta property="og:image" content="https://cdn4.telesco.pe/file/x.jpg">
{prev}
</head><body class="widget_frame_base tgme_webpage">
<header class="tgme_header"><div class="tgme_header_search"></div></header>
<main class="tgme_main"><section class="tgme_channel_history js-message_history">
{body}
</section></main>
<aside class="tgme_right_column"><div class="tgme_channel_info">
 <div class="tgme_channel_info_header">
  <i class="tgme_page_photo_image"></i>
  <div class="tgme_channel_info_header_title"><span dir="auto">{escape(channel.title)}</span>
  </div>
  <div class="tgme_channel_info_header_username"><a href="https://t.me/{channel.username}">
   @{channel.username}</a></div>
 </div>
 <div class="tgme_channel_info_counters">
  <div class="tgme_channel_info_counter"><span class="counter_value">{counter(channel.subscribers)}
   </span> <span class="counter_type">subscribers</span></div>
  <div class="tgme_channel_info_counter"><span class="counter_value">{len(channel.posts)}</span>
   <span class="counter_type">photos</span></div>
 </div>
 <div class="tgme_channel_info_description">{escape(channel.title)} rasmiy kanali</div>
</div></aside>
</body></html>"""


class FakeTme:
    """The fake t.me server; ``channels`` maps names to channels (change them freely)."""

    def __init__(self) -> None:
        self.channels: dict[str, FakeChannel] = {}
        self.requests: list[str] = []
        self._script: deque[int] = deque()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.redirect_unknown = True

    def channel(self, username: str, title: str, subscribers: int) -> FakeChannel:
        item = FakeChannel(username, title, subscribers)
        self.channels[username.lower()] = item
        return item

    def script(self, *statuses: int) -> None:
        """Answer the next requests with these statuses (429, 500, 502…) before serving."""
        self._script.extend(statuses)

    async def __aenter__(self) -> FakeTme:
        app = web.Application()
        app.router.add_get("/s/{name}", self._page)
        app.router.add_get("/{name}", self._profile)
        self._runner, self.base_url = await serve_locally(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _page(self, request: web.Request) -> web.Response:
        self.requests.append(str(request.rel_url))
        if self._script:
            status = self._script.popleft()
            headers = {"Retry-After": "1"} if status == 429 else None
            return web.Response(status=status, text="Too Many Requests" if status == 429
                                else "Bad Gateway", headers=headers)
        name = request.match_info["name"]
        channel = self.channels.get(name.lower())
        if channel is None:
            if self.redirect_unknown:  # t.me sends unknown or private names to the profile
                raise web.HTTPFound(f"/{name}")
            return web.Response(status=404, text="Not Found")
        before = request.query.get("before")
        html = render_page(channel, int(before) if before and before.isdigit() else None)
        return web.Response(text=html, content_type="text/html")

    async def _profile(self, request: web.Request) -> web.Response:
        return web.Response(text='<html><div class="tgme_page"></div></html>',
                            content_type="text/html")
