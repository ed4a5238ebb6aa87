"""A responder whose answers carry terminal control sequences, as a trained answer or a chat
user's stored message can: a window-title OSC ending in BEL, a clear-screen CSI, an 8-bit CSI
(U+009B) and a right-to-left override. Loaded by ``chatcore chat`` in a subprocess through
``plugins.modules`` (responder ``hostile``).

- ``quiet``: a plain answer (nothing to escape)
- anything else: ``ANSWER``, then ``you said: <text>``; read as ``READ_AS``, from ``SOURCE``
"""

from __future__ import annotations

from chatcore import Reply, hookimpl

TITLE, CLEAR, CSI8, RLO = "\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m", "\u202e"
ANSWER = f"title{TITLE} clear{CLEAR} red{CSI8} flip{RLO}galf"
READ_AS = f"read{CLEAR}as"
SOURCE = f"hostile{CSI8}"
MODEL_NAME = f"hostile-model{TITLE}"


class HostileResponder:
    model_name = MODEL_NAME
    languages = ("en",)

    async def respond(self, message, context):
        if message.text == "quiet":
            return Reply("a plain answer", confidence=0.9)
        text = f"{ANSWER}\nyou said: {message.text}"
        return Reply(text, confidence=0.8, source=SOURCE, read_as=READ_AS)


@hookimpl
def chatcore_register_responders(register) -> None:
    register("hostile", lambda settings, runtime: HostileResponder())
