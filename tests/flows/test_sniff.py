"""A file's type from its first bytes, whatever its name or claimed type."""

from __future__ import annotations

import pytest

from flows.engine.sniff import HEAD_BYTES, sniff


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b"%PDF-2.0", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00", "image/jpeg"),
        (b"\xff\xd8\xff\xdb\x00\x43", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"just some text, named scan.png\n", ""),
        (b"", ""),
        (b"%PDF", ""),  # cut short
        (b"%pdf-1.4", ""),  # signatures are exact
        (b" %PDF-1.4", ""),  # and at the start
        (b"\x89PNG\r\n", ""),  # a PNG signature cut short
        (b"\xff\xd8", ""),
        (b"GIF89a\x01\x00", ""),
        (b"PK\x03\x04\x14\x00", ""),  # a zip (docx, xlsx)
        (b"MZ\x90\x00", ""),  # a Windows program
        (b"<html><body>%PDF-1.4", ""),
    ],
)
def test_type_comes_from_the_signature(head, mime):
    assert sniff(head) == mime


def test_the_head_read_is_enough_for_every_signature():
    assert HEAD_BYTES == 8
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100) == "image/png"
