"""Stripe-style signatures: format, rotation, wrong secrets, clock tolerance, malformed headers."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from bot.handoff.signing import MAX_HEADER, SignatureError, sign, verify

BODY = b'{"reference": "SUB-20261128-7Q4K9M"}'
NOW = 1_800_000_000


def test_header_is_t_and_v1_over_timestamp_dot_body():
    header = sign(BODY, "s3cret", timestamp=NOW)
    expected = hmac.new(b"s3cret", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_sign_uses_the_clock_when_no_timestamp_is_given():
    header = sign(BODY, "s3cret")
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    verify(BODY, header, ["s3cret"])


def test_a_valid_signature_verifies():
    verify(BODY, sign(BODY, "s3cret", NOW), ["s3cret"], now=NOW + 10)


def test_rotation_old_secret_still_verifies_against_new_and_old():
    header = sign(BODY, "old-secret", NOW)
    verify(BODY, header, ["new-secret", "old-secret"], now=NOW)
    verify(BODY, sign(BODY, "new-secret", NOW), ["new-secret", "old-secret"], now=NOW)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(BODY, header, ["new-secret"], now=NOW)


def test_wrong_secret_is_rejected():
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(BODY, sign(BODY, "theirs", NOW), ["ours"], now=NOW)


def test_a_changed_body_is_rejected():
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(BODY + b" ", sign(BODY, "s3cret", NOW), ["s3cret"], now=NOW)


def test_a_changed_timestamp_is_rejected():
    signature = sign(BODY, "s3cret", NOW).split(",")[1]
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(BODY, f"t={NOW + 1},{signature}", ["s3cret"], now=NOW)


@pytest.mark.parametrize(
    ("offset", "problem"),
    [(301, "stale"), (-301, "in the future"), (3600, "stale"), (-86400, "in the future")],
)
def test_timestamps_outside_the_tolerance_are_rejected(offset, problem):
    header = sign(BODY, "s3cret", NOW)
    with pytest.raises(SignatureError, match=problem):
        verify(BODY, header, ["s3cret"], now=NOW + offset)


@pytest.mark.parametrize("offset", [300, -300, 0])
def test_timestamps_at_the_edge_of_the_tolerance_pass(offset):
    verify(BODY, sign(BODY, "s3cret", NOW), ["s3cret"], now=NOW + offset)


def test_the_tolerance_can_be_narrowed():
    with pytest.raises(SignatureError, match="stale"):
        verify(BODY, sign(BODY, "s3cret", NOW), ["s3cret"], tolerance_s=5, now=NOW + 6)


GOOD_V1 = "v1=" + "a" * 64


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"t=,{GOOD_V1}",
        f"t=abc,{GOOD_V1}",
        f"t=-5,{GOOD_V1}",
        f"t=1.5,{GOOD_V1}",
        f"t=١٢٣,{GOOD_V1}",  # non-ASCII digits
        GOOD_V1,
        "t=1800000000",
        "t=1800000000,v1=xyz",
        "t=1800000000,v1=" + "A" * 64,
        f"t=1,t=2,{GOOD_V1}",
        f"t=1800000000;{GOOD_V1}",
        "t=1800000000,v0=" + "a" * 64,
        f"t={'9' * 13},{GOOD_V1}",  # more digits than a Unix time needs
        f"t={'9' * 400},{GOOD_V1}",  # within the header's bound, a huge integer
        f"t={'9' * 5000},{GOOD_V1}",  # beyond the bound: more digits than int() converts
        f"t=1e999,{GOOD_V1}",  # a float overflowing to infinity
        f"t=inf,{GOOD_V1}",
        f"t=NaN,{GOOD_V1}",
        f"t=\ud800,{GOOD_V1}",  # a lone surrogate
        f"t=1800000000,{GOOD_V1}," + "x" * 500,  # longer than 512 characters
    ],
)
def test_malformed_headers_are_rejected(header):
    with pytest.raises(SignatureError):
        verify(BODY, header, ["s3cret"], now=NOW)


def test_extra_schemes_are_ignored_and_any_v1_may_match():
    good = sign(BODY, "s3cret", NOW).split(",")[1]
    header = f"t={NOW},v0=zzz,{GOOD_V1}, {good}"
    verify(BODY, header, ["s3cret"], now=NOW)


def test_secrets_must_be_given():
    with pytest.raises(ValueError):
        verify(BODY, sign(BODY, "s3cret", NOW), [], now=NOW)
    with pytest.raises(ValueError):
        sign(BODY, "")


def test_a_long_header_is_refused_before_any_work_even_with_a_good_signature():
    good = sign(BODY, "s3cret", NOW)
    verify(BODY, good + "," + "v0=" + "0" * (MAX_HEADER - len(good) - 4), ["s3cret"], now=NOW)
    with pytest.raises(SignatureError, match="longer than 512"):
        verify(BODY, good + "," + "v0=" + "0" * (MAX_HEADER - len(good) - 3), ["s3cret"], now=NOW)
