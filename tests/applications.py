"""A complete subsidy application's answers, as the subsidy flow records them: shared by the
bundle tests and the hand-off end-to-end tests."""

from __future__ import annotations

from typing import Any

COMPANY = "上海示例科技有限公司"
ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"


def subsidy_answers(programme: str) -> dict[str, Any]:
    """Every answer of a finished application for `programme` (documents aside)."""
    return {
        "applicant": "graduate",
        "graduation_year": 2024,
        "residence": "hukou",
        "first_business": True,
        "registered": True,
        "registered_on": "2025-03-15",
        "org_type": "small_micro",
        "district": "xuhui",
        "insured_staff": 2,
        "insured_since": "2025-03-01",
        "lease": False,
        "dishonest": False,
        "programme": programme,
        "consent": "agree",
        "applicant_name": "张三",
        "id_number": ID_NUMBER,
        "mobile": MOBILE,
        "company_name": COMPANY,
        "credit_code": "91310000MA1FL4XQ8K",
    }
