"""Settings of the moderation filters (each filter's YAML section)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, field_validator

from chatcore.settings import Settings

ActionName = Literal["block", "mask", "flag"]
# categories whose words may have an overrule of their own (meaning filter), in the order
# ``chatcore train-meaning`` chooses them
OwnOverruleCategory = Literal["self-harm", "sexual", "violent-threat"]
OWN_OVERRULE_CATEGORIES: tuple[str, ...] = get_args(OwnOverruleCategory)
PolicyAction = Literal["block", "mask", "flag", "allow"]  # allow: not acted on, not recorded
WHERE = re.compile(r"[a-z][a-z0-9_-]*(?::[a-z]+)?")  # telegram, telegram:group, web
DEFAULT_REGIONS = ("US", "GB", "CN", "DE", "FR", "IN", "JP", "AU", "CA", "HK", "TW", "SG")


class LexiconSettings(Settings):
    builtin: bool = Field(True, description="use the term lists shipped with the plugin")
    languages: list[str] = Field(default_factory=lambda: ["en", "zh"])
    lists: list[Path] = Field(default_factory=list, description="your term lists (txt or yaml)")
    allow_lists: list[Path] = Field(default_factory=list, description="your allow lists")
    terms: dict[str, list[str]] = Field(
        default_factory=dict, description="extra terms inline, by category"
    )
    allow: list[str] = Field(default_factory=list, description="allowed words/phrases inline")
    actions: dict[str, PolicyAction] = Field(
        default_factory=dict, description="action per category (others: default_action)"
    )
    frontends: dict[str, dict[str, PolicyAction]] = Field(
        default_factory=dict,
        description="per frontend (telegram, web, repl) or frontend:chat type (telegram:group, "
        "telegram:private), actions per category over `actions`: a group stricter than a "
        "private chat",
    )
    default_action: ActionName = "block"

    @field_validator("frontends")
    @classmethod
    def _frontends(cls, frontends: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for where in frontends:
            if not WHERE.fullmatch(where):
                raise ValueError(
                    f"{where!r} is not a frontend or frontend:chat type (telegram:group)"
                )
        return frontends

    def actions_for(self, channel: str, chat_type: str | None) -> dict[str, str]:
        """The actions for a message: ``actions``, then the frontend's, then the frontend's
        for its kind of chat (a supergroup counts as a group)."""
        kind = "group" if chat_type in ("group", "supergroup") else chat_type
        merged = dict(self.actions)
        merged.update(self.frontends.get(channel, {}))
        if kind:
            merged.update(self.frontends.get(f"{channel}:{kind}", {}))
        return merged

    pinyin: bool = Field(True, description="also match pinyin spellings of Chinese terms")
    wildcards: bool = Field(True, description="match 'sh*t'-style spellings")
    homophones: bool = Field(
        True, description="match Chinese homophones of terms of 3+ characters (草泥马)"
    )


class PiiSettings(Settings):
    kinds: list[Literal["email", "phone", "card", "iban", "cn_id"]] = Field(
        default_factory=lambda: ["email", "phone", "card", "iban", "cn_id"]
    )
    action: ActionName = Field("mask", description="what to do with personal data")
    regions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REGIONS),
        description="where a phone number written without +country may be from (ISO codes)",
    )

    @field_validator("regions")
    @classmethod
    def _regions(cls, regions: list[str]) -> list[str]:
        for region in regions:
            if not (len(region) == 2 and region.isascii() and region.isupper()):
                raise ValueError(f"{region!r} is not a two-letter region code such as US or CN")
        return regions


class ClassifierSettings(Settings):
    threshold: float = Field(0.9, gt=0, lt=1, description="offensive probability to act on")
    action: ActionName = "block"
    category: str = "offensive"
    batch_size: int = Field(64, ge=1)
    batch_wait_ms: float = Field(2.0, ge=0, description="wait this long to fill a batch")


class MeaningSettings(Settings):
    threshold: float | None = Field(
        None, gt=0, lt=1, description="offensive probability that acts alone (default: the model's)"
    )
    overrule: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="below it a listed word is an innocent sense (default: the model's)",
    )
    short_threshold: float | None = Field(
        None,
        gt=0,
        le=1,
        description="what a message of one or two words needs to act alone (1: never; "
        "default: the model's)",
    )
    clause_threshold: float | None = Field(
        None,
        gt=0,
        le=1,
        description="what the clause around a listed word, read alone, needs to keep the "
        "lexicon's verdict (1: never; default: the model's)",
    )
    category_overrules: dict[OwnOverruleCategory, float] | None = Field(
        None,
        description="what keeps the lexicon's verdict where its only words are of one "
        "category, per category (never less than overrule; default: the model's)",
    )
    action: ActionName = Field("block", description="for what the classifier finds alone")
    model_dir: Path | None = Field(None, description="default: the model shipped in the package")
    max_batch: int = Field(64, ge=1)
    batch_window_ms: float = Field(
        0.0, ge=0, le=50, description="extra wait to grow batches (0: a lone message never waits)"
    )

    @field_validator("category_overrules")
    @classmethod
    def _probabilities(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None and not all(0 <= v < 1 for v in value.values()):
            raise ValueError("each category's overrule is a probability: 0 <= p < 1")
        return value
