"""Built-in plugin: the ``handoff`` responder and the /human and /done commands.

A chat goes to a person when the user asks (/human, or words like "talk to a person") or
after several fallbacks in a row; operators answer from a Telegram chat or the web console;
/done or a timeout gives it back to the bot (docs/handoff.md)."""

from __future__ import annotations

from chatcore.contracts import CommandContext
from chatcore.hookspecs import hookimpl
from chatcore.types import Reply

MESSAGES = {
    # to the user, in their language
    "handoff.started": {
        "en": "I'm passing you to a person. They will answer here; just keep writing. "
        "Send /done to come back to me.",
        "zh": "我正在为你转接人工客服，对方会在这里回复你，你可以继续留言。"
        "发送 /done 可回到机器人。",
    },
    "handoff.after_fallbacks": {
        "en": "Sorry I couldn't help. I've asked a person to take over; they will answer "
        "here. Send /done to come back to me.",
        "zh": "抱歉没能帮上忙。我已请人工客服接手，对方会在这里回复你。发送 /done 可回到机器人。",
    },
    "handoff.already": {
        "en": "A person has been asked to help you; they will answer here.",
        "zh": "已经请人工客服来帮你了，对方会在这里回复。",
    },
    "handoff.closed": {
        "en": "Our team is there {hours}. Please write again then; until then I'll do my best.",
        "zh": "人工客服的服务时间是 {hours}，请到时再联系。在此之前我会尽力帮你。",
    },
    "handoff.unavailable": {
        "en": "Sorry, I can't reach a person from here.",
        "zh": "抱歉，这里无法转接人工客服。",
    },
    "handoff.ended": {
        "en": "You're back with the bot. Ask me anything.",
        "zh": "你已回到机器人对话，有什么问题尽管问我。",
    },
    "handoff.timeout_wait": {
        "en": "Sorry, nobody could take your chat just now. You're back with the bot; "
        "try /human again later.",
        "zh": "抱歉，现在没有人工客服可以接待。你已回到机器人对话，请稍后再发送 /human 试试。",
    },
    "handoff.timeout_idle": {
        "en": "This chat with a person has ended after a quiet while. You're back with the bot.",
        "zh": "由于一段时间没有消息，人工对话已结束。你已回到机器人对话。",
    },
    "handoff.none": {
        "en": "You're talking with the bot already.",
        "zh": "你现在就在和机器人对话。",
    },
    # to operators (in the default language)
    "handoff.notice": {
        "en": "needs a person ({reason}). Reply to this message to answer; reply /done to "
        "give the chat back to the bot.",
        "zh": "需要人工（{reason}）。回复本条消息即可回答用户；回复 /done 把对话交还机器人。",
    },
    "handoff.reason_asked": {"en": "the user asked", "zh": "用户要求"},
    "handoff.reason_fallbacks": {
        "en": "the bot could not answer several times",
        "zh": "机器人多次无法回答",
    },
    "handoff.back": {"en": "back with the bot ({why})", "zh": "已交还机器人（{why}）"},
    "handoff.why_done": {"en": "/done {who}", "zh": "/done {who}"},
    "handoff.why_wait": {"en": "no operator answered in time", "zh": "没有客服及时回复"},
    "handoff.why_idle": {"en": "quiet too long", "zh": "长时间无消息"},
    "handoff.not_operator": {
        "en": "Only operators can answer chats here.",
        "zh": "只有客服人员可以在这里回复用户。",
    },
    "handoff.reply_how": {
        "en": "Reply to a message that names a chat, like [telegram:42], to answer it.",
        "zh": "请回复带有对话标记（如 [telegram:42]）的消息来回答用户。",
    },
    "handoff.not_waiting": {
        "en": "{chat} is not with a person (any more); nothing was sent.",
        "zh": "{chat} 当前不在人工对话中，消息未发送。",
    },
    "handoff.unreachable": {
        "en": "{chat} cannot be reached from this process; nothing was sent.",
        "zh": "此进程无法联系到 {chat}，消息未发送。",
    },
    "handoff.undeliverable": {
        "en": "Could not deliver to {chat} (the user may have blocked the bot); nothing was sent.",
        "zh": "无法送达 {chat}（用户可能已屏蔽机器人），消息未发送。",
    },
    "handoff.blocked": {
        "en": "Not sent to {chat}: moderation blocked that reply.",
        "zh": "未发送给 {chat}：该回复被内容审核拦截。",
    },
}
"""What the handoff plugin says, to users and to operators (see chatcore.messages)."""


@hookimpl
def chatcore_register_responders(register) -> None:
    from chatcore.builtin.handoff.settings import HandoffSettings

    register(
        "handoff",
        build_handoff,
        settings=HandoffSettings,
        description="hands a chat to a person (operators) and back; put it first",
    )


def build_handoff(settings, runtime):
    """The handoff responder, once the config can make it work: first among the responders
    (else the bot answers chats that are with a person), and a fallback count the context
    can reach (it counts the fallbacks among the recent turns the engine passes)."""
    from chatcore.builtin.handoff.service import HandoffService
    from chatcore.errors import ConfigError

    config = runtime.config
    problems = []
    responders = config.core.responders
    if responders and responders[0] != "handoff":
        where = config.error(("responders",), "")[:-2]
        problems.append(f"{where} 'handoff' must come first, e.g. [handoff, {responders[0]}]")
    turns = config.core.engine.context_turns
    if settings.after_fallbacks > turns + 1:
        problems.append(
            config.error(
                ("handoff", "after_fallbacks"),
                f"{settings.after_fallbacks} fallbacks in a row can never be counted with "
                f"engine.context_turns {turns}: at most {turns + 1} (or raise context_turns)",
            )
        )
    if problems:
        raise ConfigError(problems)
    return HandoffService(settings)


async def human_command(ctx: CommandContext) -> Reply | str:
    """Ask for a person."""
    service = ctx.engine.services.get("handoff")
    if service is None:
        return ctx.text("handoff.unavailable")
    return await service.begin(ctx.message, "asked")


async def done_command(ctx: CommandContext) -> str:
    """In a handed-over chat: back to the bot. In the operators' chat, as a reply to a
    chat's notice: give that chat back."""
    service = ctx.engine.services.get("handoff")
    if service is None:
        return ctx.text("handoff.none")
    message = ctx.message
    if not service.is_operators_chat(message):
        ended = await service.finish(message.chat_key, "done", by="user", tell_user=False)
        return ctx.text("handoff.ended" if ended is not None else "handoff.none")
    from chatcore.builtin.handoff.service import chat_named_in

    who = f"{message.channel}:{message.user_id}"
    if not service.is_operator(who):
        return ctx.text("handoff.not_operator")
    target = chat_named_in(message.meta.get("reply_to_text", ""))
    if target is None:
        return ctx.text("handoff.reply_how")
    if await service.finish(target, "done", by=who) is None:
        return ctx.text("handoff.not_waiting", chat=target)
    return ""


@hookimpl
def chatcore_register_commands(register) -> None:
    register("human", human_command, description="talk to a person instead of the bot")
    register("done", done_command, description="end the chat with a person, back to the bot")


@hookimpl
def chatcore_register_messages(register) -> None:
    register(MESSAGES)
