"""❓ Help for each question of the subsidy application: what is asked, why (citing an
article of the Regulations only for what it says), and where to find the answer."""

from __future__ import annotations

from flows.engine.text import N_

HELP: dict[str, str] = {
    "applicant": N_(
        "The group you, the applicant, belong to. Why: support is for particular groups: "
        "tax and fee relief for graduates, veterans, unemployed and disabled people, and the "
        "one-time startup subsidy for people with employment difficulty and eligible "
        "graduates (Art. 38). The office will ask for proof: the graduation certificate, the "
        "discharge certificate, the disability certificate (from the Disabled Persons' "
        "Federation, 残联) or the Employment and Entrepreneurship Certificate (就业创业证; in "
        "Shanghai usually applied for on One-Netcom or at your community affairs service "
        "centre)."
    ),
    "graduation_year": N_(
        "The year on your graduation certificate (毕业证书), e.g. 2024. Why: support for "
        "graduates is for eligible graduates (Art. 38), and the programme rules count the "
        "years since graduation; the office checks the certificate."
    ),
    "residence": N_(
        "Whether you hold a Shanghai hukou (see your household register, 户口簿), a Shanghai "
        "residence permit (上海市居住证) or an overseas talent residence permit. Why: under "
        "Shanghai's rules the social insurance subsidy for start-up organisations (Art. 38) "
        "asks one of these of the legal representative."
    ),
    "first_business": N_(
        "Whether this is the first business you start in Shanghai; if you registered one "
        "here before, answer No. Why: the one-time startup subsidy is for a first small or "
        "micro business in Shanghai (Art. 38)."
    ),
    "registered": N_(
        "Whether the business is registered already, that is, it has a business licence "
        "(营业执照). Why: most programmes are for registered businesses; a startup "
        "guarantee loan (Art. 37) can be asked for before registering too."
    ),
    "registered_on": N_(
        "The date of establishment (成立日期) printed on the business licence. Why: support "
        "for start-up organisations (Art. 38) and the rent subsidy depend on how long the "
        "business has existed; the programme rules set the periods."
    ),
    "org_type": N_(
        "The type (类型) on the business licence, or the one you plan. Why: the rent "
        "subsidy and the social insurance subsidy are for small and micro enterprises "
        "(Art. 36, 38); the programme rules add individual businesses, cooperatives or "
        "private non-enterprise units for some."
    ),
    "district": N_(
        "The district where the business is or will be registered; type its name or tap it. "
        "Why: you apply there: subsidies go to the human resources and social security "
        "departments of the district (Art. 36, 38)."
    ),
    "insured_staff": N_(
        "How many employees the business itself pays social insurance for, as its payment "
        "record shows (print it from One-Netcom, 一网通办); 0 if none. Why: the social "
        "insurance subsidy for start-up organisations (Art. 38) is counted on them."
    ),
    "insured_since": N_(
        "The date your longest-serving insured employee started working for you, from the "
        "labour contract or the social insurance record, e.g. 2025-06-01. Why: under "
        "Shanghai's rules the social insurance subsidy (Art. 38) needs staff employed for a "
        "minimum time, counted on calendar dates; the results will say if it is too short."
    ),
    "lease": N_(
        "Whether the business rents its premises under a lease (租赁合同). Why: the startup "
        "premises rent subsidy (Art. 36) is for rented premises, and the office will ask "
        "for the lease."
    ),
    "dishonest": N_(
        "Whether a court lists you as a dishonest judgment debtor (失信被执行人); check on "
        "China Enforcement Information Disclosure (zxgk.court.gov.cn) or Credit China "
        "(creditchina.gov.cn). Why: under Shanghai's loan rules, startup guarantee loans "
        "(Art. 37) are not for listed debtors."
    ),
    "programme": N_(
        "Choose the programme to apply for now; you can come back for another one later. "
        "Why: each is its own application to its own office (Art. 36–38). A ❌ line says "
        "why a programme does not fit; a ❔ line names a condition only the office can "
        "confirm, and you may still apply. If an answer was wrong, go ⬅️ Back and change it."
    ),
    "consent": N_(
        "Your consent lets me take your ID number and the other personal data for this "
        "application only (Personal Information Protection Law, Art. 29). If you do not "
        "agree, nothing sensitive is asked or kept, and you can apply in person at the "
        "office instead."
    ),
    "applicant_name": N_(
        "Your full name exactly as on your resident ID card (居民身份证). Why: the office "
        "checks it against your ID number."
    ),
    "id_number": N_(
        "The 18-character number on the photo side of your resident ID card; the last "
        "character may be X. Why: the office identifies you by it. It is stored encrypted "
        "and shown masked."
    ),
    "mobile": N_(
        "A mainland mobile number where the office can reach you about this application; "
        "+86 is fine. It is stored encrypted and shown masked."
    ),
    "company_name": N_(
        "The registered name (名称) exactly as on the business licence, e.g. "
        "上海某某科技有限公司. Why: the office finds your business by it and its credit code."
    ),
    "credit_code": N_(
        "The 18-character unified social credit code (统一社会信用代码) printed on the "
        "business licence; you can also look it up on the National Enterprise Credit "
        "Information Publicity System (gsxt.gov.cn)."
    ),
    "lease_months": N_(
        "The months from the start to the end of your lease, as the contract states, "
        "e.g. 24. Why: the rent subsidy (Art. 36) is worked out over the lease; the office "
        "checks the contract."
    ),
    "monthly_rent": N_(
        "The monthly rent the lease contract states, in CNY, e.g. 6000. Why: the office "
        "works out the rent subsidy (Art. 36) from it."
    ),
    "loan_amount": N_(
        "How much you want to borrow, in CNY. Why: startup guarantee loans (Art. 37) have "
        "a cap that depends on whether you borrow as an individual or as a start-up "
        "organisation; the guarantee agency and the bank decide the amount."
    ),
}
