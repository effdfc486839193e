"""Registration guidance (Art. 2, 9, 34, 35): a few questions, then a personalised checklist —
SME size, online steps, materials, and the policies and public services that fit."""

from flows.services.registration.flow import FORMS, GROUPS, PREMISES, build

__all__ = ["FORMS", "GROUPS", "PREMISES", "build"]
