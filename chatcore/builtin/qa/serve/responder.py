"""The ``qa`` responder: answers with the trained model, off the event loop.

The model loads in the background from ``start()`` so a frontend shows its prompt at once;
inference runs on one dedicated thread (TensorFlow calls must not block the event loop).
``swap_model`` replaces the model while serving: the new one loads and answers a check on
another thread, then new questions go to it while those already queued finish on the old one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from chatcore.batching import MicroBatcher
from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.builtin.qa.model.modeldir import version
from chatcore.settings import Settings
from chatcore.types import Message, Reply

if TYPE_CHECKING:  # NumPy: not on a base install, where only the settings are read
    from chatcore.builtin.qa.teach.memory import TaughtMemory

log = logging.getLogger(__name__)


TAUGHT_THRESHOLD = 0.72
"""The cosine at which a message is taken for a taught question; see docs/teach.md for how it
was chosen (data/dev) and what it scores (data/test)."""


class TaughtSettings(Settings):
    enabled: bool = Field(True, description="consult taught answers (chatcore teach)")
    threshold: float = Field(
        TAUGHT_THRESHOLD,
        ge=-1,
        le=1,
        description="a message this close (cosine) to a taught question gets its answer",
    )
    poll_seconds: float = Field(1.0, gt=0, description="how often new teaching is read")
    path: Path | None = Field(
        None, description="default: <data_dir>/taught.sqlite3 (in Redis with store: redis)"
    )


class QASettings(Settings):
    model_dir: Path | None = Field(None, description="default: <data_dir>/models/default")
    mode: Literal["select", "generate", "hybrid"] = Field(
        "select",
        description="select from the answer bank; generate with the decoder; hybrid: select "
        "when confident, else generate (a low-confidence generation still falls back). "
        "Default select: it scores best on data/dev (chatcore eval prints best_mode)",
    )
    threshold: float | None = Field(
        None, ge=0, le=1, description="fallback below this confidence (default: the model's)"
    )
    min_similarity: float | None = Field(
        None,
        ge=-1,
        le=1,
        description="fall back when no known question is this close (the encoder's cosine; "
        "default: the model's). Lower it when right answers fall back, raise it when "
        "unrelated questions get answers",
    )
    top_k: int = Field(5, ge=1, description="sample among at most this many answers")
    seed: int | None = Field(None, description="seed for choosing among several answers")
    max_batch: int = Field(
        64, ge=1, description="concurrent questions answered together in one model call"
    )
    batch_window_ms: float = Field(
        0.0, ge=0, le=50, description="extra wait to grow batches (0: a lone question never waits)"
    )
    taught: TaughtSettings = Field(default_factory=TaughtSettings)


def default_model_dir(runtime: Any) -> Path:
    return Path(runtime.data_dir) / "models" / "default"


class QAResponder:
    """Loads a model directory lazily and answers questions with it."""

    def __init__(self, settings: QASettings, model_dir: Path, taught: TaughtMemory | None = None):
        self.settings = settings
        self.model_dir = Path(model_dir)
        self.taught = taught  # what operators taught (chatcore teach), followed while serving
        self._following: asyncio.Task | None = None
        self._rng = random.Random(settings.seed)
        self._executor: ThreadPoolExecutor | None = None
        self._loading: asyncio.Future | None = None
        self._batcher: MicroBatcher | None = None
        self._retired: list[MicroBatcher] = []  # replaced batchers finishing their queue
        self._swap_lock = asyncio.Lock()
        self._swapping: asyncio.Future | None = None
        self._version: str | None = None
        self._closed = False

    def attach(self, engine: Any) -> None:
        """Offer the taught log to the admins' /teach (chatcore.builtin.qa.teach.command)."""
        if self.taught is not None:
            from chatcore.builtin.qa.teach.command import offer_teaching

            offer_teaching(engine, self.taught.log)

    @property
    def model_version(self) -> str | None:
        """The loaded model's id (modeldir.version); None until a model has loaded."""
        return self._version

    async def start(self) -> None:
        """Begin loading the model in the background; the first answer waits for it. Taught
        answers are read now and followed every ``taught.poll_seconds``."""
        self._ensure_loading()
        if self.taught is not None and self._following is None:
            try:
                await asyncio.to_thread(self.taught.refresh)
            except Exception as exc:  # the log unreachable now: serve, and keep trying
                log.warning("could not read taught answers yet: %s", exc)
            self._following = asyncio.create_task(self._follow_taught(self.taught))

    async def _follow_taught(self, memory: TaughtMemory) -> None:
        """New teaching from any process, within a poll; a failed read is retried."""
        while True:
            await asyncio.sleep(self.settings.taught.poll_seconds)
            try:
                await asyncio.to_thread(memory.refresh)
            except Exception as exc:  # the store away for a moment: keep what is known
                log.warning("could not read taught answers: %s", exc)

    async def ready(self) -> None:
        """The model loaded and checked, or the error that stops it (a frontend fails fast)."""
        await self._ensure_loading()

    def _check_open(self) -> None:
        """Never load or use the model behind a closed engine's back."""
        if self._closed:
            raise RuntimeError("the qa responder is closed")

    def _ensure_loading(self) -> asyncio.Future:
        self._check_open()
        if self._loading is None:
            loop = asyncio.get_running_loop()
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="chatcore-qa")
            self._loading = loop.run_in_executor(self._executor, self._load)
        return self._loading

    def _load(self):
        answerer, self._version = _load_answerer(self.settings, self.model_dir)
        return answerer

    async def _ready_batcher(self) -> MicroBatcher:
        """Questions from concurrent chats share model calls (see chatcore.batching)."""
        return (await self._serving())[1]

    async def _serving(self) -> tuple[Any, MicroBatcher]:
        """The answerer and its batcher, taken together (a swap replaces both at once)."""
        await self._ensure_loading()
        self._check_open()  # it may have closed while this question waited for the model
        answerer = self._loading.result()
        if self._batcher is None:
            self._batcher = MicroBatcher(
                _with_taught(_in_context(answerer), self.taught),
                max_batch=self.settings.max_batch,
                window_ms=self.settings.batch_window_ms,
                executor=self._executor,
            )
        return answerer, self._batcher

    async def swap_model(self, model_dir: Path) -> None:
        """Load and check the model in ``model_dir`` on a thread of its own, then answer new
        questions with it; questions already queued finish on the old model. A model that fails
        to load or to answer raises, and the old one keeps serving untouched."""
        async with self._swap_lock:
            self._check_open()
            await self._settle_first_load()
            loop = asyncio.get_running_loop()
            loader = ThreadPoolExecutor(1, thread_name_prefix="chatcore-qa-swap")
            try:
                self._swapping = loop.run_in_executor(
                    loader, _load_checked, self.settings, Path(model_dir)
                )
                answerer, loaded_version = await self._swapping
            finally:
                self._swapping = None
                loader.shutdown(wait=False)
            self._check_open()  # closed while loading: stay closed, drop the new model
            await self._switch(answerer, Path(model_dir), loaded_version)

    async def _settle_first_load(self) -> None:
        """A swap waits for the first load; a failed one is replaced by the swap."""
        if self._loading is not None and not self._loading.done():
            try:
                await self._loading
            except Exception:
                log.debug("the first model load failed; the swap replaces it", exc_info=True)
            self._check_open()

    async def _switch(self, answerer: Any, model_dir: Path, loaded_version: str) -> None:
        loading = asyncio.get_running_loop().create_future()
        loading.set_result(answerer)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="chatcore-qa")
        old, self._batcher = self._batcher, None
        self._loading, self.model_dir, self._version = loading, model_dir, loaded_version
        if old is not None:  # its queue runs on, on the old model, then it is dropped
            self._retired.append(old)
            try:
                await old.close()
            finally:
                self._retired.remove(old)

    def prepare(self, message: Message, context: list) -> None:
        """Before the input filters: when the message may follow the previous question, ask
        the encoder to make the follow-up reading's vector with the next vector it makes (the
        meaning filter's), not in a call of its own. Nothing before the model has loaded."""
        from chatcore.builtin.qa.data.text import reading
        from chatcore.builtin.qa.model.features import encode_soon
        from chatcore.builtin.qa.serve.context import contextual_text

        loading = self._loading
        if loading is None or not loading.done() or loading.cancelled() or loading.exception():
            return
        answerer = loading.result()
        previous = _previous(answerer, context)
        if previous is not None and hasattr(answerer, "predict_in_context"):
            encode_soon([reading(contextual_text(previous, message.text))])

    async def respond(self, message: Message, context: list) -> Reply:
        answerer, batcher = await self._serving()
        previous = _previous(answerer, context)
        prediction, taught = await batcher.submit((message.text, previous))
        if taught is not None:
            return Reply(taught.item.answer or "", round(taught.score, 4), source="taught")
        override = (
            self.taught.knowledge.override(prediction.answers[0])
            if (self.taught is not None and prediction.answers and not prediction.fallback)
            else None
        )
        if prediction.fallback or (override is not None and override.deleted):
            choices = getattr(prediction, "nearest", ())
            return Reply("", prediction.confidence, fallback=True, source="qa", choices=choices)
        answers = prediction.answers[: self.settings.top_k]
        text = answers[0] if len(answers) == 1 else self._rng.choice(answers)
        if override is not None and override.answer:
            text = override.answer
        read_as = getattr(prediction, "read_as", "")
        return Reply(text, prediction.confidence, fallback=False, source="qa", read_as=read_as)

    async def close(self) -> None:
        self._closed = True
        if self._following is not None:
            self._following.cancel()
            await asyncio.gather(self._following, return_exceptions=True)
            self._following = None
        if self.taught is not None:  # off the loop: a refresh's read may hold the log a moment
            await asyncio.to_thread(self.taught.log.close)
        for batcher in [*self._retired, self._batcher]:
            if batcher is not None:
                await batcher.close()  # queued questions finish before the thread goes
        self._batcher = None
        if self._swapping is not None and not self._swapping.done():
            try:
                await self._swapping  # like a first load, a swap's load runs to its end
            except Exception:
                log.debug("model swap failed during close", exc_info=True)
        if self._loading is not None and not self._loading.done():
            try:
                await self._loading  # a load in progress cannot be interrupted; let it end
            except Exception:
                log.debug("model load failed during close", exc_info=True)
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._loading = None


def _load_answerer(settings: QASettings, model_dir: Path) -> tuple[Any, str]:
    from chatcore.builtin.qa.serve.modes import load_answerer

    answerer = load_answerer(model_dir, settings.mode, settings.threshold, settings.min_similarity)
    return answerer, version(model_dir)  # after the load, which verified the directory


def check_model(settings: QASettings, model_dir: Path) -> str:
    """Load a model as serving would and have it answer one question; its version, or the
    error that would refuse it (``chatcore model publish`` checks before it publishes; the
    load also leaves the model's NumPy fast path beside it, which is published with it)."""
    return _load_checked(settings, model_dir)[1]


def _load_checked(settings: QASettings, model_dir: Path) -> tuple[Any, str]:
    """Load a model and have it answer one question the way serving asks it."""
    answerer, loaded_version = _load_answerer(settings, model_dir)
    results = _in_context(answerer)([("hello", None)])
    count = len(results) if hasattr(results, "__len__") else type(results).__name__
    if count != 1:
        raise ModelFormatError(f"{model_dir}: the model gave {count} answers for 1 question")
    return answerer, loaded_version


def _in_context(answerer: Any):
    """The batch function: (message, previous question) pairs to predictions. Answerers
    without ``predict_in_context`` (the generation modes) read each message alone."""
    if hasattr(answerer, "predict_in_context"):
        return answerer.predict_in_context
    return lambda items: answerer.predict_many([text for text, _ in items])


def _with_taught(predict: Any, memory: TaughtMemory | None):
    """The batch function with each message's nearest taught question beside its prediction
    (the encoder's vectors of these texts were just made for the model: reused, not redone)."""

    def batch(items: list[tuple[str, Any]]) -> list[tuple[Any, Any]]:
        predictions = predict(items)
        if memory is None or not memory.has_questions:
            return [(p, None) for p in predictions]
        vectors = memory_vectors([text for text, _ in items])
        return [(p, memory.match(v)) for p, v in zip(predictions, vectors, strict=True)]

    return batch


def memory_vectors(texts: list[str]) -> Any:
    """The sentence vectors of messages as the model reads them (tokenized and rejoined)."""
    from chatcore.builtin.qa.data.text import reading
    from chatcore.builtin.qa.model.features import sentence_vectors

    return sentence_vectors([reading(text) for text in texts])


def _previous(answerer: Any, context: list) -> Any:
    """The question a message may follow: the chat's last turn, when this responder answered
    it from the bank (a fallback, a refusal or another responder's reply gives no context)."""
    from chatcore.builtin.qa.serve.context import Previous

    if not context or not hasattr(answerer, "answer_class"):
        return None
    last = context[-1]
    if last.fallback or last.source != "qa":
        return None
    index = answerer.answer_class(last.reply_text)
    return None if index is None else Previous(last.user_text, index)


class NoModelResponder:
    """Stands in for ``qa`` when it is only a built-in default and no model is trained yet:
    passes every message on (to the fallback), and says once how to train one."""

    def __init__(self, command: str):
        self.command = command
        self._warned = False

    async def respond(self, message: Message, context: list) -> None:
        if not self._warned:
            log.warning("no trained QA model yet; train one with: %s", self.command)
            self._warned = True
        return None
