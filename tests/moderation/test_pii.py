"""Personal data is found only when its checksum says so."""

from __future__ import annotations

import pytest
from chatcore_moderation.filters import PiiFilter


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail me: jane.doe+x@example.co.uk", "pii-email"),
        ("call +1 (555) 123-4567", "pii-phone"),
        ("我的手机13812345678", "pii-phone"),
        ("card 4111 1111 1111 1111 thanks", "pii-card"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "pii-iban"),
        ("身份证11010519491231002X", "pii-cn_id"),
    ],
)
def test_personal_data_is_masked(text, kind):
    verdict = PiiFilter().decide(text)
    assert verdict.action.value == "mask" and verdict.category == kind
    digits_left = [c for c in verdict.masked if c.isdigit()]
    assert len(digits_left) <= 1, verdict.masked  # at most a country code prefix digit


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "IBAN GB82WEST12345698765433",  # fails mod 97
        "身份证110105194912310021",  # wrong check digit
        "meeting on 2024-01-15 at 10:30",
        "I have 3 cats and 22 dogs, order 12345",
    ],
)
def test_lookalikes_are_left_alone(text):
    assert PiiFilter().decide(text).action.value == "allow"
