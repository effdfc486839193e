"""❓ Help for each step of credit repair: what is asked, why (citing an article of the
Regulations only for what it says; other rules by their own names), and where to find it."""

from __future__ import annotations

from flows.engine.text import N_

HELP: dict[str, str] = {
    "record_type": N_(
        "Choose the kind of record you want repaired. An administrative penalty is a decision "
        "(决定书) by an authority, shown on Credit China or the National Enterprise Credit "
        "Information Publicity System; the abnormal operations list and the list of seriously "
        "illegal and dishonest entities are kept by market regulation. Why: each kind has its "
        "own rules and office. Art. 58 of the Regulations asks the city to provide credit repair."
    ),
    "procedure": N_(
        "How the penalty was decided. A simplified-procedure penalty is decided on the spot "
        "(当场处罚, a short decision handed over there and then); a warning only (警告) has no "
        "fine. Everything else, with a written decision after an investigation, is the ordinary "
        "procedure. The decision itself says which."
    ),
    "not_published": N_(
        "This screen says whether a record of this kind is published at all. If it is not, "
        "there is nothing to repair. ⬅️ Back changes the procedure."
    ),
    "decided_on": N_(
        "The date printed on the penalty decision (决定书), e.g. 2025-06-01. Why: the periods "
        "after which a repair can be requested run from that date. It cannot be in the future."
    ),
    "decision_no": N_(
        "The number printed at the top of the decision, e.g. 沪市监罚〔2025〕123号. Any "
        "brackets are fine; if yours looks different, type it exactly as printed."
    ),
    "authority": N_(
        "The authority that issued the decision, as named on it. Tap it if it is in the list, "
        "or type its name, e.g. 上海市浦东新区市场监督管理局."
    ),
    "sector": N_(
        "The field the penalty concerns. Why: penalties about food, drugs, special equipment, "
        "production safety and fire safety stay published longer under Shanghai's rules."
    ),
    "grade": N_(
        "How serious the violation was judged to be: the decision or the Credit China page "
        "often says so. If you cannot tell, choose “Not sure”: the office will say."
    ),
    "window": N_(
        "This screen says which rule decides when a repair can be requested and when "
        "publicity ends by itself. If the day has not come, you can keep your answers and be "
        "reminded on that day."
    ),
    "told_on": N_(
        "The date from which the office (Credit China (Shanghai) or the authority) said you can "
        "request the repair. I remind you on that day if you like; I do not check it."
    ),
    "told_wait": N_(
        "This screen waits for the day the office named. Until then your answers are kept and "
        "you can be reminded on that day; ⬅️ Back changes the date."
    ),
    "listed_on": N_(
        "The date the record was made, e.g. the date you were put on the list, as shown on the "
        "National Enterprise Credit Information Publicity System or in the notice you got."
    ),
    "abnormal_reason": N_(
        "Why you were put on the abnormal operations list: the publicity system and the "
        "listing decision say so. Why: each reason has its own cure."
    ),
    "district": N_(
        "The district where your company is registered. Why: the market regulation "
        "administration of that district keeps the list and decides on removal."
    ),
    "cure": N_(
        "What to do before removal can be asked for. Do it first, then tap the button; your "
        "answers are kept if you leave now."
    ),
    "record_note": N_(
        "Describe the record in a sentence: what it says, who recorded it and where you saw "
        "it, e.g. “listed as a dishonest judgment debtor by a district court”."
    ),
    "obligations_met": N_(
        "Whether you have done everything the record asks: paid the fine and any late "
        "payment charge, stopped and corrected the conduct, filed what was missing. Why: a "
        "repair is only granted once they are met."
    ),
    "not_yet": N_(
        "A repair is only granted once the obligations are met. Meet them first; your answers "
        "are kept. ⬅️ Back changes your answer."
    ),
    "proof": N_(
        "Proof that the obligations are met: the fine's payment receipt, a rectification "
        "report, the filed annual report, or the authority's notice. Photos or PDFs."
    ),
    "company_name": N_(
        "The company's full registered name, as on the business licence, e.g. "
        "上海某某科技有限公司. It goes into the credit commitment letter."
    ),
    "credit_code": N_(
        "The 18-character unified social credit code on the business licence, e.g. "
        "91310115MA1K3YJ12G. It goes into the credit commitment letter."
    ),
    "registered_on": N_(
        "The date of establishment on the business licence (成立日期), e.g. 2020-05-20. Why: "
        "a record cannot normally be older than the company."
    ),
    "letter": N_(
        "The credit commitment letter (信用承诺书) is part of every repair application. Read "
        "it; by tapping you make this commitment in your company's name. The time you "
        "confirm is recorded, and the office gets the letter as a PDF."
    ),
}
