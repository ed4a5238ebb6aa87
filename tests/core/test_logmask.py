"""Personal data in log records is masked, in linear time."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcore import logmask
from tests.bounds import assert_linear_scan


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail ann.lee+x@mail.example.co.uk now", "mail <email> now"),
        ("card 4111-1111-1111-1111.", "card <number>."),
        ("call +86 138 1234 5678", "call +<number>"),
        ("order 123456 shipped", "order 123456 shipped"),  # six digits: left alone
        ("你的邮箱 ann@example.org 收到了吗", "你的邮箱 <email> 收到了吗"),
    ],
)
def test_mask(text, masked):
    assert logmask.mask(text) == masked


UNITS = ["a1", "@", "a.", "1 ", "0", "a@b.", "1-", "x@y.co "]


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("pattern", [logmask.EMAIL, logmask.NUMBER], ids=["email", "number"])
def test_each_pattern_scans_a_megabyte_in_100ms(pattern, unit):
    text = unit * (1_000_000 // len(unit))
    assert_linear_scan(lambda t: pattern.sub("<x>", t), text, budget=0.1)


@pytest.mark.parametrize("unit", UNITS)
def test_masking_is_linear_on_a_megabyte(unit):
    assert_linear_scan(logmask.mask, unit * (1_000_000 // len(unit)), budget=0.3)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_masking_keeps_no_long_digit_run_or_address(text):
    masked = logmask.mask(text)
    assert logmask.NUMBER.search(masked) is None
    assert logmask.EMAIL.search(masked) is None


def test_records_are_masked_when_created():
    factory = logging.getLogRecordFactory()
    try:
        logmask.install(logging.DEBUG)
        make = logging.getLogRecordFactory()
        record = make("x", logging.DEBUG, __file__, 1, "from %s: %s", ("ann@example.org", 5), None)
        assert record.getMessage() == "from <email>: 5"
        assert logging.getLogger("telegram").level == logging.INFO
    finally:
        logging.setLogRecordFactory(factory)
        for name in logmask.PAYLOAD_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
