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
    title: Mapping[str, str]  # {"zh", "en"}: the programme's or category's, else the service's
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
    if not isinstance(programme, Mapping):
        programme = None
    # what the section is about: a programme, or a complaint's category (with its title)
    titled = next(
        (
            section[name]
            for name in ("programme", "category")
            if isinstance(section.get(name), Mapping) and "title" in section[name]
        ),
        None,
    )
    if titled is not None:
        title: Mapping[str, str] = titled["title"]
        articles = tuple(titled.get("articles") or ())
    else:
        zh, en = SERVICES.get(service, (service, service))
        title, articles = {"zh": zh, "en": en}, ()
    shown_as_title = ("programme", "answers", *(("category",) if titled is not None else ()))
    details = {k: v for k, v in section.items() if k not in shown_as_title}
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
