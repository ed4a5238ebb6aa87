"""The inline keyboards under replies: a fallback's choices ("did you mean ...?") and 👍/👎
under answers. A button's callback data says everything a press needs ("choice:0",
"rate:<turn id>:1"), so nothing is remembered between sending and pressing."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

CHOICE, RATE = "choice", "rate"
GOOD, BAD = "👍", "👎"
CHOSEN = " ✓"  # after the text of the rating the user gave


@dataclass(frozen=True)
class Press:
    """What a button's callback data asks: ``kind`` is ``choice`` (``index``) or ``rate``
    (``turn_id``, ``value``), or "" for data this bot does not know."""

    kind: str = ""
    index: int = 0
    turn_id: int = 0
    value: int = 0


def choices_keyboard(choices: tuple[str, ...] | list[str]) -> InlineKeyboardMarkup | None:
    """One button per row, labelled with the choice; None without choices."""
    if not choices:
        return None
    rows = [[InlineKeyboardButton(c, callback_data=f"{CHOICE}:{i}")] for i, c in enumerate(choices)]
    return InlineKeyboardMarkup(rows)


def rating_keyboard(turn_id: int) -> InlineKeyboardMarkup:
    """👍 and 👎 side by side, for the stored turn ``turn_id``."""
    row = [
        InlineKeyboardButton(GOOD, callback_data=f"{RATE}:{turn_id}:1"),
        InlineKeyboardButton(BAD, callback_data=f"{RATE}:{turn_id}:-1"),
    ]
    return InlineKeyboardMarkup([row])


def parse(data: str | None) -> Press:
    """The press ``data`` stands for; ``Press()`` (kind "") when it is not one of ours."""
    kind, _, rest = (data or "").partition(":")
    try:
        if kind == CHOICE:
            return Press(CHOICE, index=_natural(rest))
        if kind == RATE:
            turn, _, value = rest.partition(":")
            if value in ("1", "-1"):
                return Press(RATE, turn_id=_natural(turn), value=int(value))
    except ValueError:
        pass
    return Press()


def _natural(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def choice_text(markup: InlineKeyboardMarkup | None, index: int) -> str | None:
    """The text of choice ``index`` on a keyboard the bot sent, or None if it has none."""
    wanted = f"{CHOICE}:{index}"
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            if button.callback_data == wanted:
                return button.text
    return None


def rated_keyboard(markup: InlineKeyboardMarkup, chosen: str) -> InlineKeyboardMarkup:
    """The keyboard with the rating ``chosen`` (its callback data) ticked, the other not: the
    user sees what they said and may still change their mind (the last press counts)."""
    rows = []
    for row in markup.inline_keyboard:
        rows.append([_ticked(button, button.callback_data == chosen) for button in row])
    return InlineKeyboardMarkup(rows)


def _ticked(button: InlineKeyboardButton, chosen: bool) -> InlineKeyboardButton:
    if not str(button.callback_data or "").startswith(f"{RATE}:"):
        return button
    text = button.text.removesuffix(CHOSEN) + (CHOSEN if chosen else "")
    return InlineKeyboardButton(text, callback_data=button.callback_data)
