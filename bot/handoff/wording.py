"""application.pdf's wording: bilingual labels, choice names, values and the declaration.

The PDF is the agency's document, so its text is fixed Chinese and English (the labels follow the
bot's catalogs), not translated per founder.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.engine.districts import by_code

SHANGHAI = timezone(timedelta(hours=8))
MONEY = frozenset({"monthly_rent", "loan_amount", "owed", "paid", "outstanding", "amount"})
# Answer name -> (Chinese, English) label; the wording of the bot's catalogs.
LABELS: dict[str, tuple[str, str]] = {
    "applicant": ("申请人类别", "Applicant"),
    "graduation_year": ("毕业年份", "Graduation year"),
    "residence": ("户籍或居住证", "Hukou or residence permit"),
    "first_business": ("在沪首次创业", "First business in Shanghai"),
    "registered": ("已登记注册", "Business registered"),
    "registered_on": ("登记日期", "Registration date"),
    "org_type": ("组织类型", "Organisation type"),
    "district": ("所在区", "District"),
    "insured_staff": ("参保员工人数", "Insured staff"),
    "insured_since": ("最长在职员工入职日期", "Employed since"),
    "lease": ("经营场所租赁合同", "Premises lease"),
    "dishonest": ("失信被执行人", "Listed as dishonest judgment debtor"),
    "programme": ("申请项目", "Programme"),
    "consent": ("个人信息使用授权", "Consent to personal data use"),
    "applicant_name": ("姓名", "Name"),
    "id_number": ("居民身份证号码", "Resident ID number"),
    "mobile": ("手机号码", "Mobile number"),
    "company_name": ("企业名称", "Business name"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "lease_months": ("租赁期限（月）", "Lease period (months)"),
    "monthly_rent": ("月租金", "Monthly rent"),
    "loan_amount": ("贷款金额", "Loan amount"),
    # a complaint's (flows/services/complaint) and its follow-ups' (flows/services/followup)
    "anonymous": ("匿名举报", "Anonymous tip-off"),
    "deadline": ("答复时限", "Deadline for the answer"),
    "payer_type": ("付款方", "Payer"),
    "contract_on": ("合同签订日期", "Contract date"),
    "delivered_on": ("交付或验收日期", "Delivery or acceptance date"),
    "term_days": ("约定付款期限（天）", "Agreed payment term (days)"),
    "owed": ("应付金额", "Amount owed"),
    "paid": ("已付金额", "Amount paid"),
    "outstanding": ("未付金额", "Amount outstanding"),
    "respondent_type": ("被投诉方类型", "Complaint about"),
    "respondent": ("被投诉单位名称", "Name of the body or business"),
    "description": ("经过", "What happened"),
    "happened_on": ("发生日期", "When it happened"),
    "amount": ("涉及金额", "Amount involved"),
    "evidence": ("证据材料", "Evidence"),
    "outcome": ("诉求", "Outcome wanted"),
    "purpose": ("事由", "Purpose"),
    "escalate_to": ("督办申请提交给", "Supervision requested from"),
    "verdict": ("评价", "Rating"),
}
RESPONDENTS = {
    "government_body": ("国家机关", "Government body"),
    "public_institution": ("事业单位", "Public institution"),
    "large_enterprise": ("大型企业", "Large enterprise"),
    "association": ("行业协会或商会", "Association or chamber"),
    "enterprise": ("其他企业", "Another business"),
    "official": ("工作人员", "An official"),
    "other": ("其他", "Someone else"),
}
# Codes of choice answers -> (Chinese, English).
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "applicant": {
        "graduate": ("高校毕业生", "College graduate"),
        "employment_difficulty": ("就业困难人员", "Person with employment difficulty"),
        "veteran": ("退役军人", "Veteran"),
        "unemployed": ("登记失业人员", "Registered unemployed"),
        "disabled": ("残疾人", "Person with a disability"),
        "returning_migrant": ("返乡农民工", "Returning migrant worker"),
        "other": ("均不符合", "None of these"),
    },
    "residence": {
        "hukou": ("上海户籍", "Shanghai hukou"),
        "residence_permit": ("上海市居住证", "Shanghai residence permit"),
        "talent_permit": ("海外人才居住证", "Overseas talent residence permit"),
        "none": ("均不符合", "None of these"),
    },
    "org_type": {
        "small_micro": ("小型微型企业", "Small or micro enterprise"),
        "individual": ("个体工商户", "Individual business"),
        "cooperative": ("农民专业合作社", "Farmers' cooperative"),
        "non_enterprise": ("民办非企业单位", "Private non-enterprise unit"),
        "other": ("其他或尚未确定", "Other / not yet decided"),
    },
    "consent": {"agree": ("同意", "Agreed"), "decline": ("不同意", "Declined")},
    "payer_type": RESPONDENTS,
    "respondent_type": RESPONDENTS,
    "purpose": {
        "answer": ("答复部门提问", "Answer to the office's question"),
        "escalation": ("申请督办", "Request for supervision"),
        "rating": ("对处理结果的评价", "Rating of the handling"),
    },
    "escalate_to": {
        "municipal_commission": (
            "上海市经济和信息化委员会",
            "Municipal Commission of Economy and Informatization",
        ),
        "hotline_12345": ("12345市民服务热线", "12345 citizen service hotline"),
    },
    "verdict": {"satisfied": ("满意", "Satisfied"), "dissatisfied": ("不满意", "Not satisfied")},
}
# The applicant's declaration closing the PDF, above the moment they confirmed in the bot.
DECLARATION = (
    "本人承诺所填信息真实、准确、完整，所提交的材料真实有效；如有虚假，本人愿承担相应的法律责任。",
    (
        "I declare that the information given is true, accurate and complete and that the "
        "documents submitted are genuine; I accept the legal consequences of any false statement."
    ),
)
# Service (flow id) -> (Chinese, English) name: the PDF's title when the section names no
# programme.
SERVICES: dict[str, tuple[str, str]] = {
    "subsidy": ("扶持政策申请", "Support programme application"),
    "complaint": ("投诉举报", "Complaint or tip-off"),
}
# Shown instead of the applicant and business when a submission is anonymous (applicant null).
ANONYMOUS = ("匿名举报：不含申请人身份信息", "Anonymous tip-off: no applicant identity")
NO_BUSINESS = ("未提供", "None given")
DECLARATION_HEADING = "申请人声明 / Applicant's declaration"
CONFIRMED = "确认日期 / Date of confirmation"
CONFIRMED_HOW = "在本助手中确认提交 / confirmed by the applicant in this bot"
# A complaint's deadline: the words around its dates.
DEADLINE_WORDS = {
    "about": ("约", "about"),
    "latest": ("最迟", "at most"),
    "checked": ("时限规则已核实", "rule checked"),
    "unchecked": ("时限规则未经核实", "rule not yet checked"),
}


def characters() -> str:
    """Every character of the fixed wording: the font must have a glyph for each."""
    texts = [*DECLARATION, DECLARATION_HEADING, CONFIRMED, CONFIRMED_HOW, *ANONYMOUS, *NO_BUSINESS]
    texts += [text for pair in SERVICES.values() for text in pair]
    texts += [text for pair in DEADLINE_WORDS.values() for text in pair]
    texts += [text for pair in LABELS.values() for text in pair]
    texts += [text for choices in CHOICES.values() for pair in choices.values() for text in pair]
    return "".join(sorted(set("".join(texts))))


def both(zh: str, en: str) -> str:
    """Chinese / English, once when they are the same."""
    return zh if zh == en else f"{zh} / {en}"


def localized(value: Mapping[str, str]) -> str:
    """A bundle's {"zh", "en"} text in both languages."""
    return both(value.get("zh", ""), value.get("en", ""))


def moment(stamp: str) -> datetime | None:
    """An RFC 3339 stamp of the bundle in Shanghai time (None when it is not one)."""
    try:
        return datetime.fromisoformat(stamp).astimezone(SHANGHAI)
    except ValueError:
        return None


def when(stamp: str, *, utc: bool = True) -> str:
    """The moment in Shanghai time for the office, and the UTC stamp unless `utc` is False."""
    if (shanghai := moment(stamp)) is None:
        return stamp
    return f"{shanghai:%Y-%m-%d %H:%M} 北京时间 / Beijing time" + (f" ({stamp})" if utc else "")


def label(name: str) -> str:
    """An answer's label in both languages (its name when the PDF has none)."""
    return both(*LABELS.get(name, (name, name)))


def value(name: str, answer: Any, programme: Mapping[str, Any] | None = None) -> str:
    """An answer as the office reads it: choices, districts, money and yes/no in both languages
    (`programme`: the bundle's, whose id an answer `programme` is shown as its title)."""
    if answer is None:
        return "— 未填 / skipped"
    if isinstance(answer, bool):
        return "是 / Yes" if answer else "否 / No"
    if isinstance(answer, list):
        return "; ".join(value(name, item, programme) for item in answer)
    if name == "programme" and programme is not None and answer == programme["id"]:
        return localized(programme["title"])
    if name == "district" and (district := by_code(str(answer))) is not None:
        return both(district.zh, district.en)
    if name == "deadline" and isinstance(answer, Mapping):
        return _deadline(answer)
    if (choice := CHOICES.get(name, {}).get(str(answer))) is not None:
        return both(*choice)
    if name in MONEY:
        try:
            return f"¥{Decimal(str(answer)):,} 元 / CNY"
        except InvalidOperation:
            pass
    return str(answer)


def _deadline(found: Mapping[str, Any]) -> str:
    """A complaint's deadline (bundle v2 `complaint.deadline`) as the office reads it."""
    text = str(found.get("date") or "—")
    if found.get("approximate"):
        text = f"{both(*DEADLINE_WORDS['about'])} {text}"
    if found.get("latest"):
        text += f" ({both(*DEADLINE_WORDS['latest'])} {found['latest']})"
    checked = DEADLINE_WORDS["checked" if found.get("quotable") else "unchecked"]
    return f"{text}; {both(*checked)}"
