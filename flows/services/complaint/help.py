"""❓ Help for each question of the complaint: what is asked, why (citing an article of the
Regulations only for what it says), and where to find the answer."""

from __future__ import annotations

from flows.engine.text import N_

HELP: dict[str, str] = {
    "category": N_(
        "Choose what your complaint is about; the next screen says which rule forbids it, "
        "what you can expect and where it goes. Why: each kind rests on its own article of "
        "the Regulations (Art. 5, 15, 54, 57, 65). If none fits, choose the last one."
    ),
    "expect": N_(
        "This screen explains the rule and what happens to your complaint. Tap ▶️ Continue to "
        "describe your case, or ⬅️ Back to choose another kind."
    ),
    "payer_type": N_(
        "Who owes you the money: a government body (机关), a public institution (事业单位, "
        "e.g. a public hospital or school) or a large enterprise. Why: the payment-arrears "
        "rules give each kind its own payment term (Art. 54 of the Regulations)."
    ),
    "contract_on": N_(
        "The date the contract with the payer was signed, as printed on it, e.g. 2025-07-01. "
        "Why: the rules that apply depend on when the contract was made."
    ),
    "delivered_on": N_(
        "The day you delivered the goods, finished the works or services, or, if the contract "
        "makes acceptance the condition of payment, the day they passed inspection or "
        "acceptance (验收). Why: the payment term runs from that day. It cannot be before the "
        "contract date."
    ),
    "term_days": N_(
        "The number of days the contract gives the payer to pay after delivery or acceptance, "
        "e.g. 30. Tap Skip if the contract names no term. Why: an agreed term applies, but the "
        "law caps it for some payers."
    ),
    "owed": N_(
        "The whole amount the payer owes under the contract for what you delivered, in CNY: "
        "12000, 12,000, 1.2万 or ¥12000 all work; at most two decimals (fen)."
    ),
    "paid": N_(
        "How much of it the payer has paid so far, in CNY; 0 if nothing. It cannot be more "
        "than the amount owed."
    ),
    "arrears_result": N_(
        "What the payment rules say about your figures. The office checks the dates and "
        "amounts against your contract. Tap ▶️ Continue to describe your complaint."
    ),
    "respondent_type": N_(
        "What kind of body your complaint is about. Why: it tells the Enterprise Service "
        "Cloud which department to pass it to (Art. 10)."
    ),
    "respondent": N_(
        "The full name of the body, organisation or business, as on its notices, contract or "
        "website, e.g. 上海市某某局 or 某某集团有限公司. Why: the office must know whom to "
        "investigate."
    ),
    "description": N_(
        "What happened, in your own words: who, what, when, where, and what it cost you. You "
        "may send several messages; each is added to the text until you tap ✅ Done. The "
        "office receives exactly what you type."
    ),
    "happened_on": N_(
        "The day it happened, or the day it began if it went on for a while, e.g. 2026-10-15. "
        "It cannot be in the future."
    ),
    "amount": N_(
        "The money involved in CNY, e.g. a fee charged or a loss: 12000, 12,000, 1.2万 or "
        "¥12000; at most two decimals. Tap Skip if no money is involved."
    ),
    "evidence": N_(
        "Photos or PDFs that support your complaint: contracts, notices, invoices, receipts, "
        "chat screenshots (PDF, JPEG or PNG; several at once are fine). Tap Skip if you have "
        "none, or 📎 Upload later to come back with them."
    ),
    "outcome": N_(
        "What you want the office to achieve, e.g. payment of what is owed, a refund, an end "
        "to the practice. Why: the office reports back on what it did about it (Art. 59)."
    ),
    "identity": N_(
        "A real-name complaint gives your name and mobile number to the office, so it can ask "
        "you questions and tell you the result; you get status updates here. An anonymous "
        "tip-off names no one: no contact details are asked or kept, the office cannot reach "
        "you, and no status updates can follow."
    ),
    "applicant_name": N_(
        "Your full name, as on your ID card. Why: a real-name complaint tells the office who "
        "complains, so it can reach you."
    ),
    "mobile": N_(
        "A mainland mobile number where the office can reach you about this complaint; +86 is "
        "fine. It is stored encrypted and shown masked."
    ),
}
