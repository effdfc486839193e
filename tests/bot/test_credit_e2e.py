"""Credit repair end to end over the stand-in Bot API, on both Telegram runtimes.

1. In Chinese, with the credit rules checked by a person: a general penalty whose repair day
   is ahead; the founder asks for a reminder and leaves; the bot and the worker are restarted;
   the worker's timed event fires on the day (a hand-moved clock) and the founder is reminded
   once, with a button back into the saved application; on that day the founder goes on,
   adds proof, confirms the commitment letter and submits; the worker delivers a signed
   bundle with the letter as a PDF whose text names the company in Chinese.
2. In English, with the shipped rules (no day named): the abnormal operations list's cure,
   the office's own day and a reminder that is cancelled, then submitted: no reminder left.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from pathlib import Path

from botapi_stub import BotApiStub
from pdfs import pdf_text
from policy_files import checked_file
from telegram_harness import CJK, at_step, pdf, tap
from test_complaint_e2e import SECRET, running
from test_complaint_e2e import Founder as ComplaintFounder

from bot.core.reminders import REMINDER, reminder_id
from bot.handoff.bundle import validate_bundle_json
from bot.workers.timers import TimerWorker
from flows.engine.address import Address
from flows.engine.periods import SHANGHAI
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows

SPEC = next(s for s in all_flows(load_policy_data()) if s.id == "credit")
COMPANY, CODE = "上海某某科技有限公司", "91310115MA1K3YJ12G"
CREDIT_CHAT, CREDIT_STAFF = -1001000000091, 9091


def credit_agencies(receiver_url: str, inbox: Path) -> str:
    """Credit China (Shanghai) over signed HTTPS to the reference receiver, with a staff chat;
    every other office into a folder."""
    q = json.dumps
    others = [o.id for o in load_policy_data().offices if o.id != "credit_china_shanghai"]
    return f"""
[[agency]]
id = "credit"
name = {{ zh = "信用中国（上海）", en = "Credit China (Shanghai)" }}
offices = ["credit_china_shanghai"]
transport = "https"
url = {q(receiver_url)}
secrets = [{q(SECRET)}]
timeout_s = 10
staff_chat_id = {CREDIT_CHAT}
staff_user_ids = [{CREDIT_STAFF}]

[[agency]]
id = "others"
name = {{ zh = "其他部门", en = "Other offices" }}
offices = {q(others)}
transport = "directory"
path = {q(str(inbox / "others"))}
"""


def at(name: str):
    return at_step(SPEC.index(name), "crd")


class Founder(ComplaintFounder):
    """A founder in their private chat, answering the credit-repair flow's steps."""

    async def pick(self, step: str, value: str, op: str = "p") -> dict:
        message = await self.wait(at(step))
        await tap(self.api, self.user, message, op, value, self.lang)
        return message

    async def say(self, step: str, text: str) -> None:
        await self.wait(at(step))
        self.api.push_message(self.user, text, language_code=self.lang)


def shanghai(day, hour: int = 10) -> float:
    return datetime.combine(day, time(hour), SHANGHAI).timestamp()


async def open_credit(founder: Founder) -> None:
    api, user, lang = founder.api, founder.user, founder.lang
    api.push_message(user, "/start", language_code=lang)
    menu = await founder.wait(lambda m: "a:o:::credit" in str(BotApiStub.buttons(m)))
    await tap(api, user, menu, "o", "credit", lang)


async def finish(founder: Founder, *, proof: str) -> str:
    """From the obligations to the confirmation; the reference."""
    api, user, lang = founder.api, founder.user, founder.lang
    await founder.pick("obligations_met", "yes")
    await founder.wait(at("proof"))
    api.push_document(
        user, proof, "缴款凭证.pdf", "application/pdf", 900, content=pdf(proof), language_code=lang
    )
    got = await founder.wait(lambda m: at("proof")(m) and "缴款凭证.pdf" in m["text"])
    await tap(api, user, got, "d", "", lang)
    await founder.say("company_name", COMPANY)
    await founder.say("credit_code", CODE)
    await founder.say("registered_on", "2018-03-01")
    letter = await founder.pick("letter", "confirmed")
    assert COMPANY in letter["text"] and CODE in letter["text"]
    assert len(letter["text"]) <= 1200
    summary = await founder.wait(lambda m: "a:y:crd" in str(BotApiStub.buttons(m)))
    await tap(api, user, summary, "y", "", lang)
    done = await founder.wait(lambda m: "SUB-" in m["text"])
    [reference] = re.findall(r"SUB-\d{8}-[A-Z0-9]+", done["text"])
    return reference


def delivered_folder(inbox: Path, reference: str) -> Path:
    [folder] = [p for p in inbox.rglob(reference) if p.is_dir()]
    return folder


async def test_reminded_on_the_day_after_a_restart_then_submitted_in_chinese(
    api, redis, redis_url, key_prefix, tmp_path, runtime
):
    policy = checked_file(tmp_path, "credit_rule")
    founder = Founder(api, 8901, "zh-hans")
    address = Address.telegram(founder.user)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    async with running(api, redis, redis_url, key_prefix, tmp_path / "one", runtime, policy) as h:
        today = h.app.service.today()
        decided = today - timedelta(days=45)  # a general penalty: three months from then
        await open_credit(founder)
        await founder.pick("record_type", "penalty")
        await founder.pick("procedure", "ordinary")
        await founder.say("decided_on", decided.isoformat())
        await founder.say("decision_no", "沪市监罚（2026）88号")
        await founder.say("authority", "浦东新区市场监管局")  # typed: kept as the founder wrote it
        await founder.pick("sector", "other")
        window = await founder.pick("grade", "general")
        window = await founder.wait(at("window"))
        [earliest] = re.findall(r"自(\d{4}-\d{2}-\d{2})起可以申请信用修复", window["text"])
        assert earliest > today.isoformat() and "▶️ 继续" not in str(BotApiStub.buttons(window))
        await tap(api, founder.user, window, "rm", "on", founder.lang)
        await founder.wait(lambda m: "已设置" in m["text"])
        event = await h.app.timer_store.get(reminder_id(address, "credit"))
        assert event is not None and event.kind == REMINDER
        assert event.payload == {"founder": str(address), "flow": "credit", "on": earliest}
        ttl = await redis.pttl(h.app.store.keys.founder(address, "draft", "credit"))
        assert ttl > (datetime.fromisoformat(earliest).timestamp() - shanghai(today)) * 1000

    # a new bot process and a new worker, the same Redis: the event is still there
    async with running(
        api, redis, redis_url, key_prefix, tmp_path / "two", runtime, policy, credit_agencies
    ) as h:
        event = await h.app.timer_store.get(reminder_id(address, "credit"))
        assert event is not None
        clock = [event.due_at - 60]
        worker = TimerWorker(h.app.timer_store, h.app.timers().handlers, clock=lambda: clock[0])
        before = len(api.messages_to(founder.user))
        assert await worker.run_once() == 0  # not before 09:00 on the day
        clock[0] = event.due_at + 1
        assert await worker.run_once() == 1
        reminder = await founder.wait(lambda m: "今天" in m["text"], since=0)
        assert earliest in reminder["text"] and CJK.search(reminder["text"])
        await h.app.service.reminders.fire(event)  # fired again (at least once): not sent twice
        assert await worker.run_once() == 0
        sent = api.messages_to(founder.user)[before:]
        assert sum("今天" in m["text"] for m in sent) == 1

        h.app.service.clock = lambda: shanghai(datetime.fromisoformat(earliest).date())
        await tap(api, founder.user, reminder, "o", "credit", founder.lang)
        back = await founder.wait(at("window"))
        assert "欢迎回来" in back["text"] or "继续" in str(BotApiStub.buttons(back))
        await tap(api, founder.user, back, "p", "go", founder.lang)
        reference = await finish(founder, proof="receipt-zh")
        assert await h.app.timer_store.get(reminder_id(address, "credit")) is None

        assert await h.deliver() == 1
        folder = h.received / reference  # signed HTTPS to the reference receiver
        bundle = (folder / "bundle.json").read_bytes()
        validate_bundle_json(bundle)
        document = json.loads(bundle)
        assert (document["service"], document["office"]["id"]) == (
            "credit",
            "credit_china_shanghai",
        )
        assert document["company"] == {"name": COMPANY, "credit_code": CODE}
        record = document["credit"]["record"]
        assert record["decision_no"] == "沪市监罚〔2026〕88号"
        assert record["authority"]["id"] is None
        assert record["authority"]["name"]["zh"] == "浦东新区市场监管局"
        assert document["credit"]["window"]["earliest_on"] == earliest
        names = {a["document"]: a["name"] for a in document["attachments"]}
        assert set(names) == {"obligation_proof", "commitment_letter"}
        letter = (folder / "attachments" / names["commitment_letter"]).read_bytes()
        assert COMPANY in pdf_text(letter) and "信用承诺书" in pdf_text(letter)
        application = pdf_text((folder / "application.pdf").read_bytes())
        assert reference in application and COMPANY in application
        line = (await h.app.store.peek(address)).applications[-1]
        assert line["reference"] == reference and line["status"] == "delivered"

        # the office's staff get the case with the common buttons, and accept it
        [case_pdf, summary] = api.messages_to(CREDIT_CHAT)
        assert case_pdf["document"]["file_name"] == f"{reference}.pdf"
        assert reference in summary["text"]
        offered = {d for _label, d in BotApiStub.buttons(summary)}
        assert {f"c:a:{reference}", f"c:m:{reference}", f"c:r:{reference}"} <= offered
        h.tap(CREDIT_CHAT, CREDIT_STAFF, summary, f"c:a:{reference}")
        told = await founder.wait(lambda m: reference in m["text"] and "受理" in m["text"])
        assert "行政处罚信息" in told["text"]  # the record names the case, in Chinese
        # and the agency's own system reports the repair as done
        status, _answer = await h.report(reference, "resolved", "已完成信用修复", secret=SECRET)
        assert status == 200
        done = await founder.wait(
            lambda m: reference in m["text"] and "已完成信用修复" in m["text"]
        )
        assert CJK.search(done["text"])
        assert await h.listed_status(founder.user, reference) == "resolved"


async def test_the_office_s_day_and_a_cancelled_reminder_then_submitted_in_english(
    api, redis, redis_url, key_prefix, tmp_path, runtime
):
    founder = Founder(api, 8902, "en")
    address = Address.telegram(founder.user)
    async with running(api, redis, redis_url, key_prefix, tmp_path, runtime) as h:
        today = h.app.service.today()
        await open_credit(founder)
        await founder.pick("record_type", "abnormal_list")
        await founder.say("listed_on", (today - timedelta(days=500)).isoformat())
        await founder.pick("abnormal_reason", "annual_report")
        cure = await founder.pick("district", "xuhui")
        cure = await founder.wait(at("cure"))
        assert "annual report" in cure["text"] and "seriously illegal" in cure["text"]
        assert not CJK.search(cure["text"].split("(")[0])
        await founder.pick("cure", "go")
        await founder.wait(at("obligations_met"))
        # back to the record: the serious list names no day, so the office's day is offered
        for step in ("obligations_met", "cure", "district", "abnormal_reason", "listed_on"):
            await founder.pick(step, "", "b")
        await founder.pick("record_type", "serious_list")
        await founder.say("listed_on", (today - timedelta(days=30)).isoformat())
        await founder.pick("window", "told")
        day = today + timedelta(days=20)
        await founder.say("told_on", day.isoformat())
        waiting = await founder.wait(at("told_wait"))
        await tap(api, founder.user, waiting, "rm", "on", founder.lang)
        await founder.wait(lambda m: "Reminder set" in m["text"])
        assert await h.app.timer_store.get(reminder_id(address, "credit")) is not None
        again = await founder.wait(at("told_wait"))
        await tap(api, founder.user, again, "rm", "off", founder.lang)
        await founder.wait(lambda m: "Reminder cancelled" in m["text"])
        assert await h.app.timer_store.get(reminder_id(address, "credit")) is None
        # the founder corrects the day to one that has come, and goes on
        await founder.pick("told_wait", "", "b")
        await founder.say("told_on", today.isoformat())
        await founder.pick("told_wait", "go")
        reference = await finish(founder, proof="receipt-en")
        submission = await h.app.submissions.get(reference)
        assert submission is not None and submission.office == "samr_shanghai"
        assert submission.answers["told_on"] == today.isoformat()
        assert submission.answers["earliest_on"] is None  # the rules name no day for this list
        assert await h.deliver() == 1
        bundle = (delivered_folder(h.inbox, reference) / "bundle.json").read_bytes()
        validate_bundle_json(bundle)
        assert json.loads(bundle)["credit"]["record"]["type"] == "serious_list"
