"""The one command line: ``biznespilot shell|run|webhook|scheduler|migrate|i18n|platform``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="biznespilot", description="BiznesPilot")
    sub = parser.add_subparsers(dest="command", required=True)
    shell = sub.add_parser("shell", help="chat with the owner bot in the terminal (no token)")
    shell.add_argument("--demo", action="store_true", help="seed and log into a demo business")
    shell.add_argument("--lang", default="uz", choices=["uz", "uz_Cyrl", "ru", "en"])
    shell.add_argument("--sales", metavar="BUSINESS",
                       help="talk to this business's bot (id or name) as a customer")
    sub.add_parser("run", help="serve the owner bot and every business bot by long polling "
                              "(needs BOT_TOKEN)")
    sub.add_parser("webhook", help="serve the owner bot and every business bot by webhook "
                                  "(needs BOT_TOKEN and WEBHOOK_BASE_URL)")
    sub.add_parser("scheduler", help="the scheduled jobs and the AmoCRM queue for server mode "
                                     "(one leader among any number of these processes)")
    sub.add_parser("migrate", help="upgrade the database schema")
    i18n = sub.add_parser("i18n", help="message catalogs: extract, compile or check")
    i18n.add_argument("action", choices=["extract", "compile", "check"])
    platform = sub.add_parser("platform", help="platform settings from the shell (when the bot "
                                               "itself cannot be used): show, maintenance, "
                                               "registration")
    platform.add_argument("setting", choices=["show", "maintenance", "registration"])
    platform.add_argument("value", nargs="?", choices=["on", "off", "open", "closed"])
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command == "shell":
        _setup_logging("WARNING")
        if args.sales:
            from bot.shell import run_sales_shell

            return asyncio.run(run_sales_shell(settings, business=args.sales,
                                               language=args.lang))
        asyncio.run(_shell(settings, args.demo, args.lang))
        return 0
    _setup_logging(settings.log_level)
    if args.command in ("run", "webhook", "scheduler"):
        if settings.bot_token is None:
            print("BOT_TOKEN is not set. Try `biznespilot shell --demo` to use it without a "
                  "token.", file=sys.stderr)
            return 2
        from bot.app import build_app
        from bot.runner import run_polling, run_scheduler, run_webhook

        serve = {"run": run_polling, "webhook": run_webhook,
                 "scheduler": run_scheduler}[args.command]

        async def _run() -> None:
            app = await build_app(settings)
            assert settings.bot_token is not None
            await serve(app, settings.bot_token.get_secret_value())

        asyncio.run(_run())
        return 0
    if args.command == "migrate":
        from bot.migrations import upgrade
        from services.db.session import make_engine

        async def _migrate() -> None:
            engine = make_engine(settings.database_url)
            await upgrade(engine)
            await engine.dispose()

        if settings.database_url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(_migrate())
        return 0
    if args.command == "i18n":
        from bot import i18n_tools

        return i18n_tools.run(args.action)
    if args.command == "platform":
        return asyncio.run(_platform(settings, args.setting, args.value))
    return 1


async def _platform(settings: Settings, setting: str, value: str | None) -> int:
    """Show or change a platform setting directly in the database (audited, no actor). Running
    bots see the change within their settings cache's TTL."""
    from services import platform_settings as ps
    from services.db.session import make_engine, make_sessionmaker

    wanted = {"maintenance": {"on": True, "off": False},
              "registration": {"open": True, "closed": False}}.get(setting, {})
    if setting != "show" and value not in wanted:
        print(f"usage: biznespilot platform {setting} {'|'.join(wanted)}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            if setting == "maintenance":
                await ps.set_maintenance(session, actor_id=None, on=wanted[str(value)])
            elif setting == "registration":
                await ps.set_registration(session, actor_id=None, open_=wanted[str(value)])
            current = await ps.load(session)
    finally:
        await engine.dispose()
    print(f"maintenance: {'on' if current.maintenance else 'off'}")
    print(f"registration: {'open' if current.registration_open else 'closed'}")
    print(f"trial days: {current.trial_days or 'each plan'}")
    # loaded without the key box: a stored key reads as "not decryptable", i.e. present
    stored = current.ai_key_broken or current.ai_key is not None
    print(f"platform AI key: {'set' if stored else 'not set'}")
    return 0


async def _shell(settings: Settings, demo: bool, lang: str) -> None:
    from bot.shell import run_shell

    await run_shell(settings, demo=demo, language=lang)


if __name__ == "__main__":
    raise SystemExit(main())
