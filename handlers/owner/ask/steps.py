"""Ask AI: /ask (or the menu button) opens the chat, every text is a question, /new starts
over. Memory is in the database, so a restart loses nothing; the state is the FSM's (persisted).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers.owner.ask import keyboards, texts
from handlers.owner.ask.callbacks import AskAction, AskCB
from handlers.owner.ask.states import AskSG
from handlers.streaming import AnswerStream, fallback_note, markdown_to_html, plain_text
from handlers.ui import MenuCB, MenuItem, h
from services.ai import AIGateway, AIRequest, Turn, advisor, context, conversations, prompts
from services.db.models import Business, User

router = Router(name="ask")
steps = Router(name="ask.steps")
steps.message.filter(StateFilter(AskSG))
router.include_router(steps)

NOT_COMMAND = ~F.text.startswith("/")
QUESTION_LIMIT = 2000


def intro_text(*, ai_on: bool, turns: int) -> str:
    lines = [_("🤖 <b>Ask AI</b> — your marketing advisor. I know your profile, canvas and "
               "goals."),
             "",
             _("Type your question, e.g. <i>How do I get more customers this month?</i>")]
    if turns:
        lines.append(_("We continue our conversation ({count} messages). /new starts over."
                       ).format(count=turns))
    else:
        lines.append(_("/new starts a new conversation, /menu leaves."))
    if not ai_on:
        lines += ["", _("⚙️ Offline answer — built from rules and templates, no AI key in use.")]
    return "\n".join(lines)


async def open_ask(message: Message, state: FSMContext, session: AsyncSession, *,
                   ai: AIGateway, user: User, business: Business, fresh: bool = False) -> None:
    await state.set_state(AskSG.chatting)
    if fresh:
        await conversations.start(session, business_id=business.id, user_id=user.id)
        turns = 0
    else:
        turns = await conversations.turn_count(session, business_id=business.id,
                                               user_id=user.id)
    await message.answer(intro_text(ai_on=ai.enabled, turns=turns))


@router.message(Command("ask"), flags={"perm": BUSINESS})
async def cmd_ask(message: Message, state: FSMContext, session: AsyncSession, ai: AIGateway,
                  user: User, business: Business) -> None:
    await open_ask(message, state, session, ai=ai, user=user, business=business)


@router.message(Command("new"), flags={"perm": BUSINESS})
async def cmd_new(message: Message, state: FSMContext, session: AsyncSession, ai: AIGateway,
                  user: User, business: Business) -> None:
    await message.answer(_("🆕 New conversation: I have forgotten the previous questions."))
    await open_ask(message, state, session, ai=ai, user=user, business=business, fresh=True)


@router.callback_query(MenuCB.filter(F.item == MenuItem.ASK_AI), flags={"perm": BUSINESS})
async def on_ask(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 ai: AIGateway, user: User, business: Business) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await open_ask(callback.message, state, session, ai=ai, user=user, business=business)


@router.callback_query(AskCB.filter(F.action == AskAction.NEW), flags={"perm": BUSINESS})
async def on_new(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 ai: AIGateway, user: User, business: Business) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("🆕 New conversation: I have forgotten the previous questions."))
    await open_ask(callback.message, state, session, ai=ai, user=user, business=business,
                   fresh=True)


@steps.message(AskSG.chatting, F.text, NOT_COMMAND, flags={"perm": BUSINESS})
async def question_entered(message: Message, bot: Bot, session: AsyncSession, ai: AIGateway,
                           user: User, business: Business, locale: str) -> None:
    question = " ".join((message.text or "").split())
    if len(question) > QUESTION_LIMIT:
        await message.answer(_("That is too long: at most {max} characters.").format(
            max=QUESTION_LIMIT))
        return
    history: list[Turn] = []
    facts = ""
    if ai.enabled:  # offline, only the advisor's own reads are needed
        history = await conversations.recent_turns(session, business_id=business.id,
                                                   user_id=user.id)
        facts = await context.business_facts(session, business.id)
    advice = await advisor.advise(session, business_id=business.id, question=question)
    request = AIRequest(business_id=business.id, feature="ask", locale=locale,
                        instructions=prompts.ASK_INSTRUCTIONS,
                        turns=[*history, Turn("user", question)], facts=facts,
                        max_tokens=1500)
    async with AnswerStream(bot, message.chat.id) as stream:
        reply = await ai.complete(session, request,
                                  fallback=lambda: texts.advice_html(advice, locale),
                                  on_text=stream.update)
        if reply.is_fallback:
            shown = f"{reply.text}\n\n<i>{h(fallback_note(reply))}</i>"
        else:
            shown = markdown_to_html(reply.text)
        await stream.finish(shown, reply_markup=keyboards.answer_keyboard())
    answer = plain_text(reply.text) if reply.is_fallback else reply.text
    await conversations.add_exchange(session, business_id=business.id, user_id=user.id,
                                     question=question, answer=answer, source=reply.source)


@steps.message(AskSG.chatting, NOT_COMMAND, flags={"perm": BUSINESS})
async def question_invalid(message: Message) -> None:
    await message.answer(_("Please type your question as text."))
