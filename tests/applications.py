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


CREDIT_COMPANY = "上海某某科技有限公司"
CREDIT_CODE = "91310000MA1FL4XQ8K"
COMMITMENT_TEXT = {
    "zh": (
        f"本企业{CREDIT_COMPANY}（统一社会信用代码{CREDIT_CODE}）郑重承诺：已履行行政处罚决定书"
        "沪市监罚〔2025〕123号规定的义务，所提交材料真实有效；如有虚假，愿承担相应法律责任。"
    ),
    "en": (
        f"{CREDIT_COMPANY} (unified social credit code {CREDIT_CODE}) solemnly commits that it "
        "has fulfilled the obligations of penalty decision 沪市监罚〔2025〕123号 and that the "
        "documents submitted are genuine; it accepts the legal consequences of any false statement."
    ),
}


def credit_answers(record_type: str = "penalty") -> dict[str, Any]:
    """Every answer of a finished credit repair for `record_type` ("penalty" or
    "abnormal_list"), as the credit flow records them (the proof's file answer included)."""
    record: dict[str, Any] = {
        "penalty": {
            "procedure": "ordinary",
            "decided_on": "2025-06-01",
            "decision_no": "沪市监罚〔2025〕123号",
            "decision_no_standard": True,
            "authority": "上海市浦东新区市场监督管理局",
            "sector": "food",
            "grade": "general",
        },
        "abnormal_list": {
            "listed_on": "2025-08-15",
            "abnormal_reason": "annual_report",
            "district": "xuhui",
        },
    }[record_type]
    return {
        "record_type": record_type,
        **record,
        "earliest_on": "2025-09-01" if record_type == "penalty" else None,
        "ends_on": "2026-06-01" if record_type == "penalty" else None,
        "earliest_rule": "penalty_general_min" if record_type == "penalty" else None,
        "ends_rule": "penalty_general_max" if record_type == "penalty" else None,
        "window_quotable": record_type == "penalty",
        "obligations_met": True,
        "proof": [{"file_id": "tg-proof-1", "name": "receipt.pdf"}],
        "company_name": CREDIT_COMPANY,
        "credit_code": CREDIT_CODE,
        "registered_on": "2020-01-02",
        "commitment": "confirmed",
        "commitment_at": "2026-12-01T09:30:00Z",
        "commitment_text": COMMITMENT_TEXT,
    }
