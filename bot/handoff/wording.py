"""application.pdf's wording: bilingual labels, choice names, values and the declaration.

The PDF is the agency's document, so its text is fixed Chinese and English (the labels follow the
bot's catalogs), not translated per founder.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.engine.districts import by_code
from flows.engine.periods import SHANGHAI

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
    # a credit repair's (flows/services/credit); its section's fields (bundle v2 `credit`)
    "record": ("信用记录", "Credit record"),
    "record_type": ("记录类型", "Record type"),
    "procedure": ("处罚程序", "Penalty procedure"),
    "decided_on": ("处罚决定日期", "Date of the penalty decision"),
    "decision_no": ("处罚决定书文号", "Penalty decision number"),
    "decision_no_standard": ("文号格式规范", "Decision number in a common form"),
    "authority": ("作出决定的机关", "Deciding authority"),
    "sector": ("所属领域", "Sector"),
    "grade": ("违法行为轻重", "Gravity of the offence"),
    "listed_on": ("列入日期", "Date listed"),
    "abnormal_reason": ("列入经营异常名录的原因", "Reason for the abnormal-operations list"),
    "record_note": ("记录说明", "About the record"),
    "window": ("可申请修复的期间", "When repair may be applied for"),
    "earliest_on": ("最早可申请日期", "Earliest date to apply"),
    "ends_on": ("公示期届满日期", "Publication ends on"),
    "window_quotable": ("期间规则已核实", "Period rule checked"),
    "obligations_met": ("已履行法定义务", "Legal obligations fulfilled"),
    "commitment": ("信用承诺", "Credit commitment"),
    "commitment_at": ("承诺确认时间", "Commitment confirmed at"),
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
    "record_type": {
        "penalty": ("行政处罚信息", "Administrative penalty"),
        "abnormal_list": ("经营异常名录", "List of abnormal operations"),
        "serious_list": ("严重违法失信名单", "List of serious violations and dishonesty"),
        "other": ("其他失信信息", "Other dishonesty record"),
    },
    "procedure": {"ordinary": ("普通程序", "Ordinary procedure")},
    "sector": {
        "food": ("食品", "Food"),
        "drugs": ("药品", "Drugs"),
        "special_equipment": ("特种设备", "Special equipment"),
        "production_safety": ("安全生产", "Production safety"),
        "fire_safety": ("消防安全", "Fire safety"),
        "other": ("其他领域", "Other sector"),
    },
    "grade": {
        "minor": ("轻微", "Minor"),
        "general": ("一般", "General"),
        "serious": ("较重或严重", "Serious"),
        "unknown": ("不确定", "Not known"),
    },
    "abnormal_reason": {
        "annual_report": ("未按期报送年度报告", "Annual report not filed on time"),
        "not_published": ("未按规定公示即时信息", "Required information not published"),
        "unreachable": ("通过登记的住所无法联系", "Not reachable at the registered address"),
        "false_info": ("公示信息隐瞒真实情况、弄虚作假", "False information published"),
    },
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
BOT = "上海中小企业服务助手 / Shanghai SME founders' bot"  # the author of every PDF
SERVICES: dict[str, tuple[str, str]] = {
    "subsidy": ("扶持政策申请", "Support programme application"),
    "complaint": ("投诉举报", "Complaint or tip-off"),
    "credit": ("信用修复申请", "Credit repair application"),
}
# Documents outside the policy data's list, by the id bundle.json gives them: those the bot
# writes itself (a section's `documents`) and those a service asks for by its own name.
DOCUMENTS: dict[str, tuple[str, str]] = {
    "commitment_letter": ("信用承诺书", "Credit commitment letter"),
    "obligation_proof": ("履行义务及纠正失信行为的证明材料", "Proof the obligations are met"),
}
# The credit commitment letter (bot.handoff.letter): headings and the line saying when the
# founder confirmed it ({when}: the moment in Shanghai time).
LETTER = {
    "subject": ("承诺主体", "Committing party"),
    "record": ("信用记录", "Credit record"),
    "text": ("承诺内容", "Commitment"),
    "translation": ("英文译文（仅供参考，以中文为准）", "English translation, for reference only"),
    "confirmed": (
        "由申请人于 {when} 在上海中小企业服务助手中确认。",
        "Confirmed by the applicant in the Shanghai SME founders' bot at {when}.",
    ),
    "commitment": (
        "已确认，见附件信用承诺书",
        "Confirmed: see the credit commitment letter attached",
    ),
    "free_text": ("申请人填写", "as typed by the applicant"),
    "time": ("{when}（北京时间）", "{when} Beijing time ({utc})"),
}
# A credit repair's window for applying: the words around its dates.
WINDOW_WORDS = {
    "from": ("最早", "from"),
    "until": ("至", "until"),
    "unknown": ("未计算", "not computed"),
}
# Shown instead of the applicant and business when a submission is anonymous (applicant null).
ANONYMOUS = ("匿名举报：不含申请人身份信息", "Anonymous tip-off: no applicant identity")
NO_BUSINESS = ("未提供", "None given")
# Shown as the applicant when the business applies with no person named (a credit repair).
THE_BUSINESS = ("由企业申请（见下方企业信息）", "The business applies (see below)")
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
    texts += THE_BUSINESS
    texts += [text for pair in SERVICES.values() for text in pair]
    texts += [text for pair in DEADLINE_WORDS.values() for text in pair]
    texts += [
        text for table in (DOCUMENTS, LETTER, WINDOW_WORDS) for p in table.values() for text in p
    ]
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
    if name == "window" and answer is None:
        return both(*WINDOW_WORDS["unknown"])
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
    if isinstance(answer, Mapping) and (shown := _credit(name, answer)) is not None:
        return shown
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


RECORD_KEYS = {"type": "record_type", "note": "record_note"}  # record field -> its answer


def _credit(name: str, found: Mapping[str, Any]) -> str | None:
    """A credit repair's record, window, commitment or authority (bundle v2 `credit`)."""
    if name == "authority":
        text = localized(found.get("name") or {})
        return text if found.get("id") else f"{text} ({both(*LETTER['free_text'])})"
    if name == "record":
        return "\n".join(
            f"{label(RECORD_KEYS.get(k, k))}: {value(RECORD_KEYS.get(k, k), v)}"
            for k, v in found.items()
        )
    if name == "window":
        start, end = found.get("earliest_on") or "—", found.get("ends_on") or "—"
        checked = DEADLINE_WORDS["checked" if found.get("quotable") else "unchecked"]
        words = WINDOW_WORDS
        return f"{both(*words['from'])} {start}; {both(*words['until'])} {end}; {both(*checked)}"
    if name == "commitment":
        return f"{both(*LETTER['commitment'])}\n{when(str(found.get('confirmed_at') or ''))}"
    return None
