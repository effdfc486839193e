"""Credit repair in the local chat, in English and Chinese: a penalty whose repair day has come
(rules checked by a person), the proof, the company, the commitment letter and the
submission; the office's day and its reminder where the shipped rules name no day."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from policy_files import checked_file

from bot.channels.local.chat import LocalChat
from bot.config import Settings
from bot.core.reminders import REMINDER, reminder_id
from bot.wiring import create_app
from flows.engine.outcome import Op
from flows.engine.periods import SHANGHAI


def tap(local: LocalChat, op: Op, value: str | None = None) -> str:
    """The local chat's line for the first shown button doing `op` (with `value`)."""
    index = next(
        i
        for i, a in enumerate(local.channel.buttons)
        if getattr(a, "op", None) is op and (value is None or a.value == value)
    )
    return f"#{index + 1}"


async def send(local: LocalChat, out: io.StringIO, line: str) -> str:
    """Send a line; what the bot answered to it."""
    start = len(out.getvalue())
    await local.send(line)
    return out.getvalue()[start:]


def chat(redis, redis_url, key_prefix, policy=None, user=78):
    settings = Settings(redis_url=redis_url, redis_prefix=key_prefix, policy_file=policy)
    app = create_app(settings, redis)
    out = io.StringIO()
    return app, LocalChat(app.service, user_id=user, out=out), out


async def test_a_penalty_repair_in_english_from_record_to_submission(
    redis, redis_url, key_prefix, tmp_path
):
    app, local, out = chat(redis, redis_url, key_prefix, checked_file(tmp_path, "credit_rule"))
    proof = tmp_path / "receipt.pdf"
    proof.write_bytes(b"%PDF-1.4 receipt")
    decided = (app.service.today() - timedelta(days=200)).isoformat()
    await local.send("/lang en")
    await local.send("/start credit")
    await local.send(tap(local, Op.PICK, "penalty"))
    await local.send(tap(local, Op.PICK, "ordinary"))
    await local.send(decided)
    await local.send("沪市监罚（2025）１２３号")
    await local.send("市监局")  # a typed word for a listed authority
    await local.send(tap(local, Op.PICK, "other"))
    screen = await send(local, out, tap(local, Op.PICK, "general"))
    assert "A repair can be requested from" in screen and "checked 2026-12-01" in screen
    await local.send(tap(local, Op.PICK, "go"))
    await local.send(tap(local, Op.PICK, "yes"))
    await local.send(f"/file {proof}")
    await local.send(tap(local, Op.DONE))
    await local.send("上海某某科技有限公司")
    await local.send("91310115MA1K3YJ12G")
    letter = await send(local, out, "2020-05-20")
    assert "credit commitment letter" in letter and "上海某某科技有限公司" in letter
    assert (
        "沪市监罚〔2025〕123号" in letter
        and "Shanghai Administration for Market Regulation" in letter
    )
    summary = await send(local, out, tap(local, Op.PICK, "confirmed"))
    assert "Credit commitment letter: ✍️ I make this commitment" in summary
    done = await send(local, out, tap(local, Op.CONFIRM))
    assert "Credit repair application submitted" in done and "Credit China (Shanghai)" in done
    state = await app.store.peek(local.founder.address)
    [line] = state.applications
    record = await app.submissions.get(line["reference"])
    assert record is not None and record.flow == "credit" and record.programme == "penalty"
    assert record.answers["authority"] == "samr_shanghai"
    assert record.answers["commitment_at"].endswith("Z")
    assert [a["document"] for a in record.attachments] == ["obligation_proof"]
    assert "Administrative penalty" in await send(local, out, "/apps")


async def test_in_chinese_the_office_s_day_is_reminded_and_cancelled(redis, redis_url, key_prefix):
    app, local, out = chat(redis, redis_url, key_prefix, user=79)
    today = app.service.today()
    await local.send("/start credit")
    await local.send(tap(local, Op.PICK, "abnormal_list"))  # the shipped rules: no day named
    await local.send((today - timedelta(days=400)).isoformat())
    await local.send(tap(local, Op.PICK, "annual_report"))
    cure = await send(local, out, "徐汇")
    assert "年度报告" in cure and "严重违法失信名单" in cure
    assert str(today.year + 2) not in cure  # the three-year day is not named: rule unchecked
    await local.send(tap(local, Op.BACK))
    await local.send(tap(local, Op.BACK))
    await local.send(tap(local, Op.BACK))
    await local.send(tap(local, Op.BACK))
    await local.send(tap(local, Op.PICK, "serious_list"))
    screen = await send(local, out, (today - timedelta(days=30)).isoformat())
    assert "受理部门" in screen and "📅" in screen
    await local.send(tap(local, Op.PICK, "told"))
    day = today + timedelta(days=40)
    assert f"🔔 {day.isoformat()}提醒我" in await send(local, out, day.isoformat())
    assert "已设置" in await send(local, out, tap(local, Op.REMIND, "on"))
    event = await app.timer_store.get(reminder_id(local.founder.address, "credit"))
    assert event is not None and event.kind == REMINDER
    moment = datetime.fromtimestamp(event.due_at, SHANGHAI)
    assert (moment.date(), moment.hour) == (day, 9)
    assert event.payload == {
        "founder": str(local.founder.address),
        "flow": "credit",
        "on": str(day),
    }
    apps = await send(local, out, "/apps")
    assert f"🔔 {day.isoformat()}提醒" in apps  # My applications shows the day
    await local.send(tap(local, Op.OPEN, "credit"))
    assert "提醒已取消" in await send(local, out, tap(local, Op.REMIND, "off"))
    assert await app.timer_store.get(reminder_id(local.founder.address, "credit")) is None
    assert isinstance(day, date)
