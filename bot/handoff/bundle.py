"""What one delivery carries, built from a submission: bundle.json (in the version the agency
takes: docs/bundle.schema.json for 1, docs/bundle/v2/ for 2), application.pdf and the
attachments' bytes, fetched from the channel at delivery time."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from bot.handoff.document import bundle_document, rfc3339, section_for, section_source
from bot.handoff.fonts import PdfFont, load_font
from bot.handoff.pdf import render_application_pdf
from bot.handoff.rendering import Render, inline
from bot.handoff.sections import SECTIONS, Sections
from bot.handoff.types import (
    BUNDLE_SCHEMA_VERSION,
    BUNDLE_VERSIONS,
    Attachment,
    Bundle,
    safe_file_names,
)
from bot.handoff.wording import DOCUMENTS
from flows.engine.draft import Submission
from flows.engine.text import Localized
from flows.policy.loader import PolicyData

__all__ = [
    "SCHEMA_PATHS", "build_bundle", "build_bundle_json", "bundle_document", "rfc3339",
    "validate_bundle_json",
]  # fmt: skip
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Each version's top schema; version 2's service sections sit beside it (<service>.schema.json).
SCHEMA_PATHS = {1: DOCS / "bundle.schema.json", 2: DOCS / "bundle" / "v2" / "bundle.schema.json"}
Fetch = Callable[[str], Awaitable[bytes]]
# Errors whose message names the keys at fault, not the whole object's content.
NAMING_KEYS = frozenset({"required", "additionalProperties", "propertyNames"})


def _encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def build_bundle_json(
    submission: Submission,
    policy: PolicyData,
    attachments: Sequence[Attachment],
    *,
    case: Submission | None = None,
    version: int = BUNDLE_SCHEMA_VERSION,
    sections: Sections = SECTIONS,
) -> bytes:
    """bundle.json as UTF-8 bytes: keys sorted, Chinese as is, sizes and SHA-256 from the bytes."""
    document = bundle_document(
        submission, policy, attachments, case=case, version=version, sections=sections
    )
    return _encode(document)


async def build_bundle(
    submission: Submission,
    policy: PolicyData,
    agency_id: str,
    fetch: Fetch,
    *,
    case: Submission | None = None,
    font: PdfFont | None = None,
    version: int = BUNDLE_SCHEMA_VERSION,
    sections: Sections = SECTIONS,
    render: Render = inline,
) -> Bundle:
    """Fetch the submission's files through `fetch(file_id)`, then build bundle.json in bundle
    `version` and the PDF in `font` (a supplement is given its `case`); the files the
    service's section writes itself (`Section.documents`, in `font`) go after the founder's.
    The PDFs are made by `render` (a pool of processes in the worker, else on this loop).
    `UnsupportedBundle`, before any file is fetched, when that version cannot carry the
    submission's service."""
    section = section_for(submission, case, version=version, sections=sections)
    font = font or load_font()
    made: tuple[Attachment, ...] = ()
    if section.makes_documents:
        source = section_source(submission, policy, case, section)
        made = await render(section.documents, source, font)
    files = submission.attachments
    # one naming for both: the founder's files keep their names, the bot's go after them
    names = safe_file_names([str(f.get("name") or "") for f in files] + [a.name for a in made])
    attachments = [
        Attachment(
            name=name,
            mime=str(f.get("mime") or "application/octet-stream"),
            content=await fetch(str(f["file_id"])),
            document=str(f.get("document") or ""),
        )
        for name, f in zip(names, files, strict=False)
    ]
    attachments += [
        replace(a, name=name) for name, a in zip(names[len(files) :], made, strict=True)
    ]
    document = bundle_document(
        submission, policy, attachments, case=case, version=version, sections=sections
    )
    # the names of the documents attached (all the PDF looks up), not the whole catalogue
    known = {k: Localized(*name) for k, name in DOCUMENTS.items()}
    known |= {d.id: d.name for d in policy.documents}
    attached = {a.document for a in attachments}
    document_names = {k: name for k, name in known.items() if k in attached}
    bundle_json, pdf = await render(bundle_files, document, document_names, font)
    return Bundle(
        reference=submission.reference,
        agency=agency_id,
        bundle_json=bundle_json,
        pdf=pdf,
        attachments=tuple(attachments),
        kind=document["kind"],
        version=version,
    )


def bundle_files(
    document: Mapping[str, Any], document_names: Mapping[str, Localized], font: PdfFont
) -> tuple[bytes, bytes]:
    """bundle.json and application.pdf of a bundle document: both where PDFs are rendered, as
    the indented encoding runs in pure Python (json's C encoder takes no indent)."""
    pdf = render_application_pdf(document, document_names=document_names, font=font)
    return _encode(document), pdf


@cache
def _validator(version: int) -> Any:
    # jsonschema is a dev dependency: the tests and agencies' own checks use it.
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    top = SCHEMA_PATHS[version]
    paths = [top] if version == 1 else sorted(top.parent.glob("*.schema.json"))
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    return Draft202012Validator(json.loads(top.read_text(encoding="utf-8")), registry=registry)


def validate_bundle_json(data: bytes) -> None:
    """Check bundle.json against its version's schema (docs/bundle.schema.json or
    docs/bundle/v2/); ValueError names the first bad path."""
    from jsonschema.exceptions import best_match

    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"$: not UTF-8 JSON ({error})") from error
    version = document.get("schema_version") if isinstance(document, dict) else None
    if version not in BUNDLE_VERSIONS or isinstance(version, bool):
        raise ValueError(f"$.schema_version: {version!r} is not a known version (1 or 2)")
    validator = _validator(version)
    first = best_match(validator.iter_errors(document))
    if first is not None:
        raise ValueError(f"{first.json_path}: {_reason(first, validator.schema)}")


def _reason(error: Any, schema: Mapping[str, Any]) -> str:
    """The error's message; for a whole object (whose message would repeat it, personal data
    and all), the rule it breaks: the nearest description on the way to it in the schema."""
    if not isinstance(error.instance, (dict, list)) or error.validator in NAMING_KEYS:
        return str(error.message)
    path = error.absolute_schema_path
    rule, node = "/".join(map(str, path)), schema
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):  # into a $ref: the rule so far names it
            break
        if isinstance(node, dict) and "description" in node:
            rule = str(node["description"])
    return f"breaks {error.validator!r}: {rule}"
