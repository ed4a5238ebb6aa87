"""Personal data is found only when its checksum says so."""

from __future__ import annotations

import pytest

from chatcore.builtin.moderation.filters import PiiFilter
from chatcore.builtin.moderation.pii import find_pii


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


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("call 883.263.5730 13276505551 now", ["883.263.5730", "13276505551"]),
        ("+4420 7946 0958", ["+4420 7946 0958"]),  # country code glued to the area code
        ("(020) 7946 0958", ["(020) 7946 0958"]),
        ("order 12345 12345 12345", ["12345 12345"]),  # at most five groups of digits
        ("mailto:jane@example.org, bob@x.io", ["jane@example.org", "bob@x.io"]),
        ("<jane.doe+tag@mail.example.co.uk>", ["jane.doe+tag@mail.example.co.uk"]),
        ("a@b@example.com", ["b@example.com"]),
        ("x" * 70 + "@example.com", ["x" * 70 + "@example.com"]),
        ("a" * 5000 + " jane@example.org", ["jane@example.org"]),
        ("1" * 5000 + " +1 (555) 123-4567", ["+1 (555) 123-4567"]),
    ],
)
def test_spans_found_the_linear_patterns_keep(text, found):
    """What the patterns took before they were made linear (issue #17) and still take."""
    assert [text[s.start : s.end] for s in find_pii(text)] == found
