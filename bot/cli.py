"""The one command line: ``biznespilot shell|run|migrate|i18n``."""

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
    sub.add_parser("migrate", help="upgrade the database schema")
    i18n = sub.add_parser("i18n", help="message catalogs: extract, compile or check")
    i18n.add_argument("action", choices=["extract", "compile", "check"])
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
    if args.command in ("run", "webhook"):
        if settings.bot_token is None:
            print("BOT_TOKEN is not set. Try `biznespilot shell --demo` to use it without a "
                  "token.", file=sys.stderr)
            return 2
        from bot.app import build_app
        from bot.runner import run_polling, run_webhook

        serve = run_polling if args.command == "run" else run_webhook

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
    return 1


async def _shell(settings: Settings, demo: bool, lang: str) -> None:
    from bot.shell import run_shell

    await run_shell(settings, demo=demo, language=lang)


if __name__ == "__main__":
    raise SystemExit(main())
