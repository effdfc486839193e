"""A bundle.json of either version read the same way, for application.pdf and the staff desk:
the common part, and the service section's title, articles, answers and other fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.handoff.wording import SERVICES


@dataclass(frozen=True)
class BundleView:
    """What application.pdf shows of one bundle."""

    bundle: Mapping[str, Any]
    service: str
    title: Mapping[str, str]  # {"zh", "en"}: the programme's, else the service's name
    articles: tuple[int, ...]
    programme: Mapping[str, Any] | None
    answers: Mapping[str, Any]
    details: Mapping[str, Any]  # the section's other fields, shown above the answers
    applicant: Mapping[str, str] | None  # None: anonymous
    company: Mapping[str, str] | None
    district: Mapping[str, Any] | None


def read_bundle(bundle: Mapping[str, Any]) -> BundleView:
    """Version 1 (`programme`, `answers` at the top) or 2 (the section under `service`)."""
    if bundle.get("schema_version") == 1:
        service = "subsidy"
        section: Mapping[str, Any] = {
            "programme": bundle["programme"],
            "answers": bundle["answers"],
        }
    else:
        service = str(bundle["service"])
        section = bundle[service]
    programme = section.get("programme")
    if isinstance(programme, Mapping):
        title: Mapping[str, str] = programme["title"]
        articles = tuple(programme.get("articles") or ())
    else:
        programme = None
        zh, en = SERVICES.get(service, (service, service))
        title, articles = {"zh": zh, "en": en}, ()
    details = {k: v for k, v in section.items() if k not in ("programme", "answers")}
    return BundleView(
        bundle,
        service,
        title,
        articles,
        programme,
        section.get("answers") or {},
        details,
        bundle["applicant"],
        bundle["company"],
        bundle["district"],
    )
