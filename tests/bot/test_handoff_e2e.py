"""The agency hand-off end to end, with a real Redis and real HTTP on loopback: the status
endpoint agencies report to, the worker delivering real submissions into a folder and to the
reference receiver, and agency staff acting on a case in Telegram (the real aiogram dispatcher
polling the stand-in Bot API server)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
import botapi_stub_types as tg
import pytest
from aiohttp import web
from applications import COMPANY, ID_NUMBER, subsidy_answers
from botapi_stub import BotApiStub
from jsonschema import Draft202012Validator
from pdfs import fonts, pdf_text
from telegram_harness import CJK, ROOT, RUNTIMES

from bot.config import Settings
from bot.core.commands import TelegramRuntime, commands_menu
from bot.core.references import new_reference
from bot.handoff.api import STATUS_PATH, create_api_app, parse_report
from bot.handoff.bundle import validate_bundle_json
from bot.handoff.receiver import RECEIPT, create_receiver_app
from bot.handoff.signing import SIGNATURE_HEADER, sign
from bot.serve import create_runtime
from bot.web import create_web_app
from bot.wiring import App, create_app, create_redis
from flows.engine.address import Address
from flows.engine.draft import Draft, Submission
from flows.policy.loader import load_policy_data
from storage.crypto import FieldCipher
from storage.statuses import AgencyReport, Outcome, StatusChange

T = Address.telegram

NEW_SECRET, OLD_SECRET, TAX_SECRET = "hrss-new-secret", "hrss-old-secret", "tax-secret"
HRSS_STAFF = (9001, 9002)
HRSS_CHAT = -1001000000001
TAX_STAFF = 9100
TAX_CHAT = -1001000000002
OUTSIDER = 5555
ADMIN = 4242
ZH_FOUNDER, EN_FOUNDER = 801, 802
LICENCE = b"%PDF-1.4 business licence " + bytes(range(256))
ID_PHOTO = b"\xff\xd8\xff\xe0 id card photo " + os.urandom(2000)

# The programmes used here and the office (hence agency) each goes to.
PROGRAMMES = {
    "startup_loan": "district_hrss",  # agency "hrss": https to the receiver, staff chat
    "key_group_tax_relief": "district_tax",  # agency "tax": https, a secret the receiver lacks
    "startup_subsidy": "district_employment_center",  # agency "employment": a folder, version 1
}


def agencies_toml(receiver_url: str, inbox: Path) -> str:
    """Four agencies covering every office of the real policy data; "employment" was integrated
    on bundle version 1, the others take version 2."""
    offices = [o.id for o in load_policy_data().offices]
    others = [o for o in offices if o not in PROGRAMMES.values()]
    q = json.dumps  # a JSON string is a valid TOML basic string
    return f"""
[[agency]]
id = "hrss"
name = {{ zh = "徐汇区人力资源和社会保障局", en = "Xuhui HR&SS Bureau" }}
offices = ["district_hrss"]
transport = "https"
url = {q(receiver_url)}
secrets = [{q(NEW_SECRET)}, {q(OLD_SECRET)}]
timeout_s = 10
staff_chat_id = {HRSS_CHAT}
staff_user_ids = [{HRSS_STAFF[0]}, {HRSS_STAFF[1]}]

[[agency]]
id = "tax"
name = {{ zh = "徐汇区税务局", en = "Xuhui tax bureau" }}
offices = ["district_tax"]
transport = "https"
url = {q(receiver_url)}
secrets = [{q(TAX_SECRET)}]
timeout_s = 10
staff_chat_id = {TAX_CHAT}
staff_user_ids = [{TAX_STAFF}]

[[agency]]
id = "employment"
name = {{ zh = "徐汇区就业促进中心", en = "Xuhui Employment Promotion Center" }}
offices = ["district_employment_center"]
transport = "directory"
path = {q(str(inbox / "employment"))}
bundle_version = 1

[[agency]]
id = "others"
name = {{ zh = "其他部门", en = "Other offices" }}
offices = {q(others)}
transport = "directory"
path = {q(str(inbox / "others"))}
"""


@dataclass
class Handoff:
    """Everything one test drives: the stub Bot API, the app on a real Redis, the bot's status
    endpoint, the reference receiver and the agency folders."""

    api: BotApiStub
    app: App
    runtime: TelegramRuntime
    status_url: str
    received: Path  # the reference receiver's folder (agencies "hrss" and "tax")
    inbox: Path  # the directory transport's root (agencies "employment" and "others")
    files: Path
    _callback_ids: count[int] = field(default_factory=lambda: count(1))
    _message_ids: count[int] = field(default_factory=lambda: count(100_000))
    _update_ids: count[int] = field(default_factory=lambda: count(500_000))
    _reports: count[int] = field(default_factory=lambda: count(1))

    async def submit(
        self,
        user_id: int,
        lang: str,
        programme: str = "startup_loan",
        *,
        chosen: str | None = None,
        telegram_knows_the_photo: bool = True,
    ) -> Submission:
        """An application committed the way the conversation does: the submission, its index line
        and outbox entry written with the founder's turn, the draft dropped. `lang` is the
        language the founder applied in; `chosen` the language they picked since (if any)."""
        licence = self.files / "营业执照.pdf"
        self.api.register_file(f"tg-licence-{user_id}", LICENCE, f"documents/{licence.name}")
        photo = f"tg-id-card-{user_id}"  # sent in Telegram: fetched with getFile
        if telegram_knows_the_photo:
            self.api.register_file(photo, ID_PHOTO, f"photos/{photo}.jpg")
        attachments = [
            {
                "file_id": photo,
                "name": "photo-1.jpg",
                "mime": "image/jpeg",
                "size": len(ID_PHOTO),
                "document": "id_card",
            },
            {
                "file_id": f"tg-licence-{user_id}",
                "name": licence.name,
                "mime": "application/pdf",
                "size": len(LICENCE),
                "document": "business_licence",
            },
        ]
        given = subsidy_answers(programme) | {
            "doc_id_card": [{"file_id": a["file_id"], "name": a["name"]} for a in attachments[:1]]
        }
        turn = await self.app.store.begin(T(user_id))
        assert turn is not None
        state = turn.state
        state.prefs.lang = chosen or lang
        state.touch("prefs")
        state.put_draft(Draft(flow="subsidy", step="summary", answers=given))
        submission = Submission(
            reference=new_reference(date.today()),
            founder=T(user_id),
            flow="subsidy",
            programme=programme,
            office=PROGRAMMES[programme],
            district="xuhui",
            locale=lang,
            answers=given,
            attachments=attachments,
            submitted_at=time.time(),
        )
        state.submit(submission)
        state.drop_draft("subsidy")
        await self.app.store.commit(turn)
        return submission

    async def report(
        self,
        reference: str,
        status: str,
        note: str = "",
        *,
        secret: str | None = NEW_SECRET,
        timestamp: int | None = None,
        url: str | None = None,
        report_id: str | None = None,
        sequence: int | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST a status report the way `bot.handoff.receiver.post_status` does; (HTTP status,
        JSON answer). `secret=None` sends no signature header. Unless given, each report has a
        new id and a sequence above every earlier one's."""
        number = next(self._reports)
        body = report_body(
            reference,
            status,
            note,
            report_id=f"auto-{number}" if report_id is None else report_id,
            sequence=number if sequence is None else sequence,
        )
        header = None if secret is None else sign(body, secret, timestamp)
        return await self.post(body, header, url)

    async def post(
        self, body: bytes, header: str | None, url: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """POST these bytes with this signature header (None: no header) to the endpoint."""
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers[SIGNATURE_HEADER] = header
        async with (
            aiohttp.ClientSession() as session,
            session.post(url or self.status_url, data=body, headers=headers) as response,
        ):
            if response.content_type != "application/json":
                return response.status, {"text": await response.text()}
            return response.status, await response.json()

    async def history(self, reference: str) -> list[tuple[str, str, str]]:
        """(status, actor, note) of every recorded change."""
        changes: list[StatusChange] = await self.app.statuses.history(reference)
        return [(c.status, c.actor, c.note) for c in changes]

    async def listed_status(self, user_id: int, reference: str) -> str:
        """The status on the founder's My applications line."""
        lines = (await self.app.store.peek(T(user_id))).applications
        [line] = [line for line in lines if line["reference"] == reference]
        return str(line["status"])

    async def deliver(self) -> int:
        """One pass of the delivery worker, with the bot (Telegram files, founders, staff)."""
        worker = self.app.worker(consumer="e2e-worker")
        try:
            return await worker.run_once()
        finally:
            await worker.deliver.close()  # type: ignore[attr-defined]

    def tap(
        self, chat_id: int, user_id: int, message: dict, data: str, lang: str = "zh-hans"
    ) -> str:
        """A button press by `user_id` on the bot's `message` in the (group) chat `chat_id`;
        returns the callback query id."""
        update = self.callback_update(chat_id, user_id, message, data, lang)
        self.api.push_update(update)
        return str(update["callback_query"]["id"])

    def say(self, chat_id: int, user_id: int, text: str, reply_to: dict | None = None) -> None:
        """A text message by `user_id` in the (group) chat `chat_id`."""
        self.api.push_update(self.message_update(chat_id, user_id, text, reply_to))

    def callback_update(
        self, chat_id: int, user_id: int, message: dict, data: str, lang: str = "zh-hans"
    ) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"staff-{next(self._callback_ids)}",
                "from": tg.make_user(user_id, first_name=f"U{user_id}", language_code=lang),
                "message": tg.api_message(message) | {"chat": group(chat_id)},
                "chat_instance": str(chat_id),
                "data": data,
            },
        }

    def message_update(
        self, chat_id: int, user_id: int, text: str, reply_to: dict | None = None
    ) -> dict[str, Any]:
        user = tg.make_user(user_id, first_name=f"U{user_id}")
        content: dict[str, Any] = {"text": text}
        if reply_to is not None:
            content["reply_to_message"] = tg.api_message(reply_to) | {"chat": group(chat_id)}
        message = tg.message_object(next(self._message_ids), user, group(chat_id), content)
        return {"update_id": next(self._update_ids), "message": message}

    async def answer_to(self, query_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The bot's answerCallbackQuery for `query_id` (waits for it, up to `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.api.callback_answers:
                if answer.get("callback_query_id") == query_id:
                    return answer
            await asyncio.sleep(0.01)
        raise AssertionError(f"callback {query_id} was not answered within {timeout}s")


def report_body(reference: str, status: str, note: str, *, report_id: str, sequence: int) -> bytes:
    """A status report's body as docs/status-report.schema.json describes it."""
    fields = {
        "reference": reference,
        "status": status,
        "note": note,
        "report_id": report_id,
        "sequence": sequence,
    }
    return json.dumps(fields, ensure_ascii=False).encode()


def group(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "Agency staff"}


def texts(api: BotApiStub, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in api.messages_to(chat_id)]


def assert_in_language(text: str, lang: str) -> None:
    """Chinese text for a Chinese founder; no Chinese at all for an English one."""
    assert bool(CJK.search(text)) == lang.startswith("zh"), text


@asynccontextmanager
async def running_handoff(
    api: BotApiStub,
    redis: Any,
    redis_url: str,
    key_prefix: str,
    tmp_path: Path,
    runtime: str,
    *,
    auto_ack: bool = False,
) -> AsyncIterator[Handoff]:
    """The receiver and the bot's status endpoint on loopback; with `auto_ack`, the receiver
    posts 'accepted' back to the status endpoint for each new submission."""
    received, inbox, files = tmp_path / "received", tmp_path / "inbox", tmp_path / "files"
    files.mkdir()
    # The status endpoint's socket is bound first, so the receiver can know its URL.
    status_socket = socket.socket()
    status_socket.bind(("127.0.0.1", 0))
    status_url = f"http://127.0.0.1:{status_socket.getsockname()[1]}{STATUS_PATH}"
    receiver = web.AppRunner(
        create_receiver_app(
            [NEW_SECRET],
            received,
            bot_status_url=status_url if auto_ack else None,
            ack_delay_s=0.2,
        ),
        access_log=None,
    )
    status_runner: web.AppRunner | None = None
    telegram: TelegramRuntime | None = None
    await receiver.setup()
    try:
        await web.TCPSite(receiver, "127.0.0.1", 0).start()
        receiver_url = f"http://127.0.0.1:{receiver.addresses[0][1]}/bundles"
        agencies = tmp_path / "agencies.toml"
        agencies.write_text(agencies_toml(receiver_url, inbox), encoding="utf-8")
        settings = Settings(
            telegram_bot_token="123456:TEST",
            telegram_api_url=api.base_url,
            redis_url=redis_url,
            redis_prefix=key_prefix,
            agencies_file=agencies,
            data_keys=FieldCipher.generate_key(),
            admin_ids=str(ADMIN),
            bot_runtime=runtime,
        )
        app = create_app(settings, redis)
        telegram = create_runtime(app)
        status_runner = web.AppRunner(
            create_api_app(app.desk(), app.submissions, app.agencies), access_log=None
        )
        await status_runner.setup()
        await web.SockSite(status_runner, status_socket).start()
        yield Handoff(api, app, telegram, status_url, received, inbox, files)
    finally:
        if status_runner is not None:
            await status_runner.cleanup()
        await receiver.cleanup()
        status_socket.close()
        if telegram is not None:
            await telegram.close()


@pytest.fixture
async def handoff(api, redis, redis_url, key_prefix, tmp_path, runtime) -> AsyncIterator[Handoff]:
    async with running_handoff(api, redis, redis_url, key_prefix, tmp_path, runtime) as running:
        yield running


@pytest.fixture
async def polling(handoff: Handoff) -> AsyncIterator[Handoff]:
    """The configured runtime long-polling the stub: staff chats and founders alike."""
    app = handoff.app
    await handoff.runtime.start(commands_menu(app.renderer, app.settings.default_locale))
    stop = asyncio.Event()
    task = asyncio.create_task(handoff.runtime.poll(stop))
    try:
        yield handoff
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


# -- 1. the status endpoint ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "lang", "chosen", "expected"),
    [
        (ZH_FOUNDER, "zh_CN", None, "已受理"),
        (EN_FOUNDER, "en", None, "accepted"),
        (EN_FOUNDER, "zh_CN", "en", "accepted"),  # applied in Chinese, switched to English since
    ],
)
async def test_a_signed_report_is_recorded_and_the_founder_told_in_their_language(
    handoff, user, lang, chosen, expected
):
    submission = await handoff.submit(user, lang, chosen=chosen)
    ref = submission.reference
    note = "材料已收到。" if (chosen or lang) == "zh_CN" else "All documents received."
    await handoff.report(ref, "accepted", note)  # its answer: see the test below
    assert await handoff.history(ref) == [("accepted", "agency:hrss", note)]
    assert await handoff.listed_status(user, ref) == "accepted"
    assert await handoff.app.statuses.current(ref) == "accepted"
    [told] = handoff.api.messages_to(user)
    assert ref in told["text"] and expected in told["text"] and note in told["text"]
    assert_in_language(told["text"], chosen or lang)
    [(_label, data)] = BotApiStub.buttons(told)
    assert data.startswith("a:a")  # 🗂 My applications


async def test_a_valid_report_is_answered_200_with_what_was_recorded(handoff):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN")
    ref = submission.reference
    status, body = await handoff.report(ref, "accepted", "ok")
    assert (status, body) == (
        200,
        {"ok": True, "duplicate": False, "reference": ref, "status": "accepted"},
    )


async def test_a_repeated_report_is_recorded_and_told_once(handoff):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN")
    ref = submission.reference
    answers = [  # an agency system retrying after a lost answer: the same report each time
        await handoff.report(ref, "accepted", "材料齐全", report_id="hrss-7", sequence=7)
        for _ in range(3)
    ]
    assert [(status, body["duplicate"]) for status, body in answers] == [
        (200, False),
        (200, True),
        (200, True),
    ]
    assert answers[2][1] == {"ok": True, "duplicate": True, "reference": ref, "status": "accepted"}
    # a new report saying the same again is taken (200) but not recorded or told again
    status, body = await handoff.report(ref, "accepted", "材料齐全", sequence=8)
    assert (status, body["duplicate"]) == (200, True)
    assert await handoff.history(ref) == [("accepted", "agency:hrss", "材料齐全")]
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 1
    await handoff.report(ref, "resolved", "", sequence=9)
    assert [s for s, _, _ in await handoff.history(ref)] == ["accepted", "resolved"]


async def test_a_report_signed_with_the_old_secret_is_accepted_during_a_rotation(handoff):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN")
    await handoff.report(submission.reference, "resolved", secret=OLD_SECRET)
    assert await handoff.history(submission.reference) == [("resolved", "agency:hrss", "")]
    [told] = handoff.api.messages_to(ZH_FOUNDER)
    assert "已办结" in told["text"]


@pytest.mark.parametrize(
    ("case", "secret", "age_s", "code"),
    [
        ("wrong secret", "not-the-secret", 0, 401),
        ("no signature", None, 0, 401),
        ("another agency's secret", TAX_SECRET, 0, 401),
        ("stale timestamp", NEW_SECRET, 301 + 60, 401),
        ("timestamp in the future", NEW_SECRET, -(301 + 60), 401),
    ],
)
async def test_a_badly_signed_report_is_refused_and_changes_nothing(
    handoff, case, secret, age_s, code
):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN")
    status, body = await handoff.report(
        submission.reference, "accepted", secret=secret, timestamp=int(time.time()) - age_s
    )
    assert (status, body) == (code, {"error": "bad or stale signature"}), case
    assert await handoff.history(submission.reference) == []
    assert await handoff.listed_status(ZH_FOUNDER, submission.reference) == "submitted"
    assert handoff.api.messages_to(ZH_FOUNDER) == []


async def test_an_agency_cannot_report_on_another_agencys_case(handoff):
    """The tax bureau signs correctly with its own secret, about a HR&SS case: refused."""
    hrss_case = await handoff.submit(ZH_FOUNDER, "zh_CN", "startup_loan")
    tax_case = await handoff.submit(EN_FOUNDER, "en", "key_group_tax_relief")
    status, _ = await handoff.report(hrss_case.reference, "rejected", "no", secret=TAX_SECRET)
    assert status == 401
    assert await handoff.history(hrss_case.reference) == []
    # … while the same secret works for the tax bureau's own case
    await handoff.report(tax_case.reference, "accepted", secret=TAX_SECRET)
    assert await handoff.history(tax_case.reference) == [("accepted", "agency:tax", "")]
    assert handoff.api.messages_to(ZH_FOUNDER) == []
    assert len(handoff.api.messages_to(EN_FOUNDER)) == 1


async def test_an_unknown_reference_is_404_only_with_a_valid_signature(handoff):
    status, body = await handoff.report("SUB-20260101-NOSUCH", "accepted")
    assert (status, body) == (404, {"error": "unknown reference"})
    # without a valid signature nobody learns whether a reference exists
    status, _ = await handoff.report("SUB-20260101-NOSUCH", "accepted", secret="guess")
    assert status == 401
    assert handoff.api.sent == []


@pytest.mark.parametrize("bad_status", ["approved", "delivered", "submitted", "supplied", ""])
async def test_a_status_agencies_may_not_report_is_refused(handoff, bad_status):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN")
    status, body = await handoff.report(submission.reference, bad_status)
    assert status == 400 and "status must be one of" in body["error"]
    assert await handoff.history(submission.reference) == []
    assert handoff.api.messages_to(ZH_FOUNDER) == []


async def test_a_report_on_a_case_of_an_agency_without_secrets_is_refused(handoff):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN", "startup_subsidy")  # directory
    status, _ = await handoff.report(submission.reference, "accepted", secret=NEW_SECRET)
    assert status == 401
    assert await handoff.history(submission.reference) == []


async def test_an_empty_reference_is_refused_without_a_server_error(handoff):
    status, _ = await handoff.report("", "accepted")
    assert status in (400, 404)


async def test_the_webhook_server_serves_the_status_endpoint(api, handoff):
    """In webhook mode the same endpoint is served beside Telegram's updates."""
    submission = await handoff.submit(EN_FOUNDER, "en")
    app = handoff.app
    webhook = (app.settings.webhook_path, "s3cret-token", handoff.runtime)
    web_app = create_web_app(app.desk(), app.submissions, app.agencies, webhook)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}{STATUS_PATH}"
        await handoff.report(submission.reference, "accepted", url=url)
    finally:
        await runner.cleanup()
    assert await handoff.history(submission.reference) == [("accepted", "agency:hrss", "")]
    [told] = api.messages_to(EN_FOUNDER)
    assert "accepted" in told["text"]


async def test_python_m_bot_api_serves_the_status_endpoint(handoff, redis_url, key_prefix):
    """The stand-alone process of the Procfile's `web:`: it decrypts the submission with
    DATA_KEYS, records the report in Redis and tells the founder through the Bot API."""
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = handoff.app.settings
    assert settings.data_keys is not None and settings.agencies_file is not None
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_API_URL": handoff.api.base_url,
        "BOT_RUNTIME": settings.bot_runtime,  # its notices go out through that runtime's client
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "AGENCIES_FILE": str(settings.agencies_file),
        "DATA_KEYS": settings.data_keys.get_secret_value(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    log = handoff.files / "api.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "api", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}{STATUS_PATH}"
    try:
        await wait_until_serving(f"http://127.0.0.1:{port}/healthz", proc)
        await handoff.report(submission.reference, "accepted", "收到", url=url)
        status, _ = await handoff.report(submission.reference, "rejected", secret="guess", url=url)
        assert status == 401
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    assert await handoff.history(submission.reference) == [("accepted", "agency:hrss", "收到")]
    [told] = handoff.api.messages_to(ZH_FOUNDER)
    assert "已受理" in told["text"] and "收到" in told["text"]
    assert ID_NUMBER not in log.read_text(errors="replace")


async def test_python_m_bot_worker_delivers_and_tells_the_founder(handoff, redis_url, key_prefix):
    """The Procfile's `worker:` on the configured runtime: it fetches the founder's files from
    Telegram, delivers into the agency's folder, and tells the founder through the Bot API."""
    submission = await handoff.submit(EN_FOUNDER, "en", "startup_subsidy")
    settings = handoff.app.settings
    assert settings.data_keys is not None and settings.agencies_file is not None
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_API_URL": handoff.api.base_url,
        "BOT_RUNTIME": settings.bot_runtime,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": key_prefix,
        "AGENCIES_FILE": str(settings.agencies_file),
        "DATA_KEYS": settings.data_keys.get_secret_value(),
    }
    log = handoff.files / "worker.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "worker", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        told = await handoff.api.wait_for_message(
            EN_FOUNDER, lambda m: submission.reference in m["text"], timeout=30, since=0
        )
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    assert "delivered to the office" in told["text"]
    attachments = handoff.inbox / "employment" / submission.reference / "attachments"
    assert sorted(p.read_bytes() for p in attachments.iterdir()) == sorted([ID_PHOTO, LICENCE])
    assert proc.returncode == 0 and ID_NUMBER not in log.read_text(errors="replace")


async def wait_until_serving(url: str, proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise AssertionError(f"`python -m bot api` exited with {proc.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} did not answer within 20 s")


# -- 2. the worker delivers real submissions ----------------------------------------------------


async def test_the_worker_delivers_into_the_agency_folder(handoff):
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN", "startup_subsidy")
    ref = submission.reference
    assert await handoff.deliver() == 1

    folder = handoff.inbox / "employment" / ref
    assert sorted(p.name for p in folder.iterdir()) == [
        "application.pdf",
        "attachments",
        "bundle.json",
    ]
    assert sorted(p.name for p in (handoff.inbox / "employment").iterdir()) == [ref]  # no .tmp
    bundle_json = (folder / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    document = json.loads(bundle_json)
    assert (document["reference"], document["kind"]) == (ref, "submission")
    assert (document["schema_version"], document["flow"]) == (1, "subsidy")  # as it was set up
    assert document["programme"]["id"] == "startup_subsidy" and "service" not in document
    assert document["company"]["name"] == COMPANY
    assert document["applicant"]["id_number"] == ID_NUMBER  # the agency gets it unsealed
    assert document["office"]["id"] == "district_employment_center"
    # both files fetched through Telegram's getFile and download
    assert {p.name: p.read_bytes() for p in (folder / "attachments").iterdir()} == {
        "photo-1.jpg": ID_PHOTO,
        "营业执照.pdf": LICENCE,
    }
    assert [(a["name"], a["document"], a["size"]) for a in document["attachments"]] == [
        ("photo-1.jpg", "id_card", len(ID_PHOTO)),
        ("营业执照.pdf", "business_licence", len(LICENCE)),
    ]
    pdf = (folder / "application.pdf").read_bytes()
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF") and COMPANY in text and ref in text
    assert "申请人声明 / Applicant's declaration" in text
    assert {(f.subtype, f.file) for f in fonts(pdf) if "WenQuanYi" in f.name} == {
        ("/TrueType", "/FontFile2")  # the worker embeds the CJK font as a subset
    }

    assert await handoff.history(ref) == [("delivered", "worker", "")]
    assert await handoff.listed_status(ZH_FOUNDER, ref) == "delivered"
    assert await handoff.app.outbox.is_delivered(ref)
    [told] = handoff.api.messages_to(ZH_FOUNDER)
    assert ref in told["text"] and "已送达受理部门" in told["text"]
    assert ("getFile", {"file_id": f"tg-id-card-{ZH_FOUNDER}"}) in handoff.api.sent
    # nothing more to do, and nothing is sent twice
    assert await handoff.deliver() == 0
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 1
    assert handoff.api.messages_to(HRSS_CHAT) == []  # this agency has no staff chat


async def test_the_worker_delivers_over_https_to_the_reference_receiver(handoff):
    submission = await handoff.submit(EN_FOUNDER, "en", "startup_loan")
    ref = submission.reference
    assert await handoff.deliver() == 1

    folder = handoff.received / ref
    receipt = json.loads((folder / RECEIPT).read_text())
    assert (receipt["reference"], receipt["kind"]) == (ref, "submission")
    delivery = await handoff.app.outbox.delivery(ref)
    assert receipt["delivery_id"] == delivery["delivery_id"] != ""  # the outbox entry's id
    bundle_json = (folder / "bundle.json").read_bytes()
    validate_bundle_json(bundle_json)
    document = json.loads(bundle_json)
    assert receipt["schema_version"] == document["schema_version"] == 2  # as the header said
    assert (document["service"], document["subsidy"]["programme"]["id"]) == (
        "subsidy",
        "startup_loan",
    )
    assert document["company"]["name"] == COMPANY
    assert COMPANY in pdf_text((folder / "application.pdf").read_bytes())
    assert {p.name: p.read_bytes() for p in (folder / "attachments").iterdir()} == {
        "photo-1.jpg": ID_PHOTO,
        "营业执照.pdf": LICENCE,
    }
    assert await handoff.history(ref) == [("delivered", "worker", "")]
    assert await handoff.listed_status(EN_FOUNDER, ref) == "delivered"
    [told] = handoff.api.messages_to(EN_FOUNDER)
    assert ref in told["text"] and "delivered to the office" in told["text"]
    assert_in_language(told["text"], "en")


async def test_a_receiver_refusing_the_signature_dead_letters_and_tells_the_admins(handoff):
    """The tax bureau's receiver does not know the secret the bot signs with: HTTP 401 is not
    retryable, so the entry is dead-lettered at once and the admins are told."""
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN", "key_group_tax_relief")
    assert await handoff.deliver() == 1
    assert not (handoff.received / submission.reference).exists()
    [letter] = await handoff.app.outbox.dead_letters()
    assert letter["reference"] == submission.reference and "HTTP 401" in letter["reason"]
    assert await handoff.history(submission.reference) == []
    assert handoff.api.messages_to(ZH_FOUNDER) == []
    [alert] = handoff.api.messages_to(ADMIN)
    assert submission.reference in alert["text"] and "HTTP 401" in alert["text"]


async def test_a_file_telegram_no_longer_has_is_dead_lettered_and_admins_told(handoff):
    submission = await handoff.submit(
        ZH_FOUNDER, "zh_CN", "startup_subsidy", telegram_knows_the_photo=False
    )
    assert await handoff.deliver() == 1
    assert not (handoff.inbox / "employment").exists()
    [letter] = await handoff.app.outbox.dead_letters()
    assert letter["reference"] == submission.reference
    assert "Telegram refused file" in letter["reason"]
    assert await handoff.history(submission.reference) == []
    assert handoff.api.messages_to(ZH_FOUNDER) == []
    [alert] = handoff.api.messages_to(ADMIN)
    assert submission.reference in alert["text"] and "死信" in alert["text"]


async def test_the_reference_receiver_answers_accepted_back_to_the_bot(
    api, redis, redis_url, key_prefix, tmp_path, runtime
):
    """The whole loop: the worker delivers, the receiver stores the bundle and posts 'accepted'
    to the bot's status endpoint, signed; the founder hears both."""
    async with running_handoff(
        api, redis, redis_url, key_prefix, tmp_path, runtime, auto_ack=True
    ) as handoff:
        submission = await handoff.submit(ZH_FOUNDER, "zh_CN", "startup_loan")
        ref = submission.reference
        assert await handoff.deliver() == 1
        await api.wait_for_message(ZH_FOUNDER, lambda m: "已受理" in m["text"], since=0)
    history = await handoff.history(ref)
    assert history[-1] == ("accepted", "agency:hrss", "Received.")
    # the receiver waits before answering; should it answer first, 'delivered' is not recorded
    assert [status for status, _, _ in history] in (["delivered", "accepted"], ["accepted"])
    assert await handoff.listed_status(ZH_FOUNDER, ref) == "accepted"
    assert len(api.messages_to(ZH_FOUNDER)) == len(history)


# -- 3. agency staff review the case in Telegram ------------------------------------------------


async def delivered_case(handoff: Handoff, user: int, lang: str) -> tuple[str, dict, dict]:
    """A HR&SS application delivered by the worker: its reference, and the PDF and the summary
    with buttons the staff chat got."""
    submission = await handoff.submit(user, lang, "startup_loan")
    assert await handoff.deliver() == 1
    [document, summary] = handoff.api.messages_to(HRSS_CHAT)
    return submission.reference, document, summary


@pytest.mark.parametrize(
    ("user", "lang", "word"), [(ZH_FOUNDER, "zh_CN", "已受理"), (EN_FOUNDER, "en", "accepted")]
)
async def test_staff_get_the_case_outsiders_are_refused_and_staff_accept(polling, user, lang, word):
    handoff, api = polling, polling.api
    ref, document, summary = await delivered_case(handoff, user, lang)

    assert document["document"]["file_name"] == f"{ref}.pdf"
    pdf = api.file_content(document["document"]["file_id"])
    assert pdf.startswith(b"%PDF") and COMPANY in pdf_text(pdf)
    # the summary is said once, beside the buttons; the PDF's caption only names it
    assert document["caption"] == f"📄 {ref} 的 PDF 文件"
    assert summary["text"].startswith(f"新申请 {ref}：") and "，—" not in summary["text"]
    assert BotApiStub.buttons(summary) == [
        ("✅ 受理", f"c:a:{ref}"),
        ("❓ 要求补充材料", f"c:m:{ref}"),
        ("❌ 不予通过", f"c:r:{ref}"),  # the status it sets reads 未通过 for the founder
        ("🏁 已办结", f"c:d:{ref}"),
    ]
    founder_before = texts(api, user)
    assert len(founder_before) == 1  # "delivered"

    # Someone in the chat who is not listed, and another agency's staff: refused with an alert.
    for outsider, outsider_lang, refusal in [
        (OUTSIDER, "zh-hans", "只有本部门登记的工作人员可以处理其案件。"),
        (TAX_STAFF, "en", "Only this agency's listed staff can act on its cases."),
    ]:
        answer = await handoff.answer_to(
            handoff.tap(HRSS_CHAT, outsider, summary, f"c:a:{ref}", outsider_lang)
        )
        assert (answer.get("show_alert"), answer.get("text")) == (True, refusal)
    # A forged button for a case that does not exist.
    answer = await handoff.answer_to(handoff.tap(HRSS_CHAT, HRSS_STAFF[0], summary, "c:a:SUB-X"))
    assert (answer.get("show_alert"), answer.get("text")) == (True, "找不到这个案件。")
    assert await handoff.history(ref) == [("delivered", "worker", "")]
    assert texts(api, user) == founder_before
    assert len(api.messages_to(HRSS_CHAT)) == 2

    revision = api.revision
    query = handoff.tap(HRSS_CHAT, HRSS_STAFF[0], summary, f"c:a:{ref}")
    done = await api.wait_for_message(
        HRSS_CHAT, lambda m: "已通知创业者" in m["text"], since=revision
    )
    assert ref in done["text"] and "已受理" in done["text"] and f"U{HRSS_STAFF[0]}" in done["text"]
    assert not (await handoff.answer_to(query)).get("show_alert")
    assert await handoff.history(ref) == [
        ("delivered", "worker", ""),
        ("accepted", f"staff:{HRSS_STAFF[0]}", ""),
    ]
    assert await handoff.listed_status(user, ref) == "accepted"
    told = texts(api, user)[-1]
    assert len(texts(api, user)) == 2 and ref in told and word in told
    assert_in_language(told, lang)


async def test_staff_acting_on_a_closed_case_are_told_why(polling):
    handoff, api = polling, polling.api
    ref, _document, summary = await delivered_case(handoff, ZH_FOUNDER, "zh_CN")
    revision = api.revision
    handoff.tap(HRSS_CHAT, HRSS_STAFF[0], summary, f"c:d:{ref}")
    await api.wait_for_message(HRSS_CHAT, lambda m: "已通知创业者" in m["text"], since=revision)
    told = len(texts(api, ZH_FOUNDER))
    revision = api.revision
    handoff.tap(HRSS_CHAT, HRSS_STAFF[1], summary, f"c:a:{ref}")  # an old button
    refused = await api.wait_for_message(
        HRSS_CHAT, lambda m: "不能改为" in m["text"], since=revision
    )
    assert refused["text"] == f"{ref} 当前状态为已办结，现在不能改为已受理。"
    assert [s for s, _, _ in await handoff.history(ref)] == ["delivered", "resolved"]
    assert len(texts(api, ZH_FOUNDER)) == told


@pytest.mark.parametrize(
    ("user", "lang", "reason", "words"),
    [
        (ZH_FOUNDER, "zh_CN", "营业执照已过期，请更新后重新申请。", ("未通过", "部门说明：")),
        (
            EN_FOUNDER,
            "en",
            "The business licence has expired.",
            ("rejected", "Note from the office:"),
        ),
    ],
)
async def test_staff_reject_with_a_reason_the_founder_sees(polling, user, lang, reason, words):
    handoff, api = polling, polling.api
    ref, _document, summary = await delivered_case(handoff, user, lang)

    revision = api.revision
    query = handoff.tap(HRSS_CHAT, HRSS_STAFF[1], summary, f"c:r:{ref}")
    prompt = await api.wait_for_message(HRSS_CHAT, lambda m: "理由" in m["text"], since=revision)
    assert prompt["text"] == f"请回复本消息，说明 {ref} 不予通过的理由。"
    assert not (await handoff.answer_to(query)).get("show_alert")
    assert await handoff.history(ref) == [("delivered", "worker", "")]  # not before the reason

    revision = api.revision
    handoff.say(HRSS_CHAT, OUTSIDER, "I am not staff, reject it because I say so", prompt)
    handoff.say(HRSS_CHAT, HRSS_STAFF[1], reason, prompt)
    done = await api.wait_for_message(
        HRSS_CHAT, lambda m: "已通知创业者" in m["text"], since=revision
    )
    assert done["text"] == f"{ref}：U{HRSS_STAFF[1]} 已标记为“未通过”。已通知创业者。"
    assert await handoff.history(ref) == [
        ("delivered", "worker", ""),
        ("rejected", f"staff:{HRSS_STAFF[1]}", reason),
    ]
    assert await handoff.listed_status(user, ref) == "rejected"
    founder = texts(api, user)
    assert len(founder) == 2
    told = founder[-1]
    assert ref in told and reason in told and all(word in told for word in words)
    assert_in_language(told, lang)


async def test_a_changed_mind_does_not_turn_later_chat_into_a_rejection(handoff):
    """Staff tap Reject, think again and tap Accept; a later chat message is just chat. Updates
    are fed to the runtime one by one, each handled to the end before the next."""
    app = handoff.app
    await handoff.runtime.start(commands_menu(app.renderer, app.settings.default_locale))
    ref, _document, summary = await delivered_case(handoff, ZH_FOUNDER, "zh_CN")
    staff = HRSS_STAFF[0]
    for update in (
        handoff.callback_update(HRSS_CHAT, staff, summary, f"c:r:{ref}"),
        handoff.callback_update(HRSS_CHAT, staff, summary, f"c:a:{ref}"),
        handoff.message_update(HRSS_CHAT, staff, "好的，谢谢大家。"),
    ):
        await handoff.runtime.accept(update)()
    assert await handoff.history(ref) == [
        ("delivered", "worker", ""),
        ("accepted", f"staff:{staff}", ""),
    ]


async def test_request_more_information_closes_the_loop_in_telegram(polling):
    """Staff ask; the founder is told with a button, answers with text and a document; the
    supplement reaches the office and the staff chat, its buttons acting on the case."""
    handoff, api = polling, polling.api
    ref, _document, summary = await delivered_case(handoff, ZH_FOUNDER, "zh_CN")
    question = "请补充租赁合同第2页。"

    revision = api.revision
    handoff.tap(HRSS_CHAT, HRSS_STAFF[0], summary, f"c:m:{ref}")
    prompt = await api.wait_for_message(HRSS_CHAT, lambda m: "补充" in m["text"], since=revision)
    handoff.say(HRSS_CHAT, HRSS_STAFF[0], question, prompt)
    told = await api.wait_for_message(ZH_FOUNDER, lambda m: question in m["text"])
    assert ref in told["text"] and "需补充材料" in told["text"]
    [answer_data] = [d for label, d in BotApiStub.buttons(told) if "答复部门" in label]

    api.push_callback(ZH_FOUNDER, answer_data, told["message_id"])
    screen = await api.wait_for_message(ZH_FOUNDER, lambda m: "请输入您的答复" in m["text"])
    assert question in screen["text"]
    api.push_message(ZH_FOUNDER, "第2页已补拍。")
    await api.wait_for_message(ZH_FOUNDER, lambda m: "部门要求的材料" in m["text"])
    api.register_file("tg-lease-p2", b"%PDF-1.4 lease page 2", "documents/lease-p2.pdf")
    api.push_document(ZH_FOUNDER, "tg-lease-p2", "租赁合同第2页.pdf", "application/pdf", 21)
    received = await api.wait_for_message(ZH_FOUNDER, lambda m: "租赁合同第2页.pdf" in m["text"])
    [done] = [d for label, d in BotApiStub.buttons(received) if label == "完成"]
    api.push_callback(ZH_FOUNDER, done, received["message_id"])
    review = await api.wait_for_message(ZH_FOUNDER, lambda m: "第2页已补拍。" in m["text"])
    [confirm] = [d for label, d in BotApiStub.buttons(review) if "确认" in label]
    api.push_callback(ZH_FOUNDER, confirm, review["message_id"])
    await api.wait_for_message(ZH_FOUNDER, lambda m: f"{ref}-S1" in m["text"])

    revision = api.revision
    assert await handoff.deliver() == 1
    staff_note = await api.wait_for_message(
        HRSS_CHAT, lambda m: f"{ref}-S1" in (m.get("text") or ""), since=revision
    )
    assert BotApiStub.buttons(staff_note)[0] == ("✅ 受理", f"c:a:{ref}")
    # the founder's typed answer is in the chat, not only in the PDF; the PDF comes before it,
    # captioned with its reference only (the summary is not said twice)
    head, _, body = staff_note["text"].partition("\n\n")
    assert head.startswith(f"创业者已就 {ref} 作出答复：补充材料 {ref}-S1（") and "—" not in head
    assert body.splitlines() == [
        f"部门的问题：“{question}”",
        "创业者的答复：“第2页已补拍。”",
        "创业者提交的文件（1 个）：租赁合同第2页.pdf",
    ]
    pdf, note = api.messages_to(HRSS_CHAT)[-2:]
    assert note == staff_note and pdf["caption"] == f"📄 {ref}-S1 的 PDF 文件"
    assert pdf["document"]["file_name"] == f"{ref}-S1.pdf"
    assert [s for s, _, _ in await handoff.history(ref)] == ["delivered", "more_info", "supplied"]
    assert await handoff.listed_status(ZH_FOUNDER, ref) == "supplied"


async def test_hostile_status_reports_get_a_deliberate_answer(reports, caplog):
    """The signature is checked before the body is read; a bad body with a good signature is
    400; a huge or malformed header is 401; nothing answers 500 or logs a traceback, and
    nothing the agency sent is logged."""
    handoff = reports
    caplog.set_level(logging.INFO)
    submission = await handoff.submit(ZH_FOUNDER, "zh_CN", "startup_loan")
    ref = submission.reference

    async def post(body: bytes, header: str | None) -> int:
        return (await handoff.post(body, header))[0]

    def report(**fields: object) -> bytes:
        base = {"reference": ref, "status": "accepted", "report_id": "r-1", "sequence": 1}
        return json.dumps(base | fields).encode()

    def raw(fields: str) -> bytes:  # JSON the json module would not write
        head = f'{{"reference": "{ref}", "status": "accepted", "report_id": "r-1"'
        return (head + ", " + fields + "}").encode()

    deep = b"[" * 30_000 + b"]" * 30_000  # under the size limit, deeper than any parser allows
    assert await post(deep, None) == 401  # not even parsed
    assert await post(b"x" * 70_000, sign(b"x", NEW_SECRET)) == 413
    for body in (
        deep,
        b'{"reference": "' + ref.encode() + b'", "note": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        raw('"sequence": 1, "note": "\\ud800"'),  # an escaped lone surrogate
        raw('"sequence": 1, "note": "\\udfff\\ud800"'),
        raw('"sequence": 1, "report_id": "\\ud800"'),
        raw('"sequence": ' + "9" * 5000),  # more digits than Python converts
        raw('"sequence": ' + "9" * 4000),  # converted, far above the bound
        raw('"sequence": 1e999'),  # a float overflowing to infinity
        raw('"sequence": NaN'),
        raw('"sequence": -Infinity'),
        report(sequence=0),
        report(sequence=-3),
        report(sequence=2**53),
        report(sequence=True),
        report(sequence="1"),
        report(sequence=1.5),
        report(sequence=None),
        report(report_id=""),
        report(report_id="x" * 129),
        report(report_id="with space"),
        report(report_id="受理-1"),
        report(report_id=7),
        json.dumps({"reference": ref, "status": "accepted", "sequence": 1}).encode(),  # no id
        json.dumps({"reference": ref, "status": "accepted", "report_id": "r-1"}).encode(),
        report(reference=1),
        report(note=["a"]),
        b"[]",
        b"null",
        b"\xff\xfe",
        b"",
    ):
        assert await post(body, sign(body, NEW_SECRET)) == 400, body[:60]
    body = report()
    now = str(int(time.time()))
    for header in (
        "t=" + "9" * 400 + ",v1=" + "0" * 64,  # within the bound: a huge integer
        "t=" + "9" * 5000 + ",v1=" + "0" * 64,  # beyond the bound
        "t=" + "9" * 13 + ",v1=" + sign(body, NEW_SECRET).partition("v1=")[2],
        "t=1e999,v1=" + "0" * 64,
        "t=-1,v1=" + "0" * 64,
        "t=１２３,v1=" + "0" * 64,  # fullwidth digits
        f"t={now},t={now},v1=" + "0" * 64,
        f"t={now}," + ",".join(["v1=" + "0" * 64] * 7),  # many signatures, none matching
        f"t={now},v1=" + "0" * 65,
        "t=1,v1=zz",
        "=,=,=",
        "é" * 600,
        "",
    ):
        assert await post(body, header) == 401, header[:40]
    assert await handoff.history(ref) == []
    assert handoff.api.messages_to(ZH_FOUNDER) == []
    assert "Traceback" not in caplog.text
    assert "ud800" not in caplog.text and "r-1" not in caplog.text


# -- 1b. reports applied once and in sequence ---------------------------------------------------


@pytest.fixture
async def reports(api, redis_url, key_prefix, tmp_path) -> AsyncIterator[Handoff]:
    """The hand-off with the status endpoint on a Redis client as the processes make it (a
    blocking pool); one runtime is enough: the endpoint does not depend on it."""
    client = create_redis(Settings(redis_url=redis_url))
    try:
        async with running_handoff(api, client, redis_url, key_prefix, tmp_path, RUNTIMES[0]) as h:
            yield h
    finally:
        await client.aclose()


async def test_a_replayed_older_report_within_the_window_is_refused_and_not_told_again(reports):
    """An attacker on the wire (or a confused agency) sends an older, correctly signed report
    again, well inside the 300 s window: the case does not go back, the founder hears nothing."""
    handoff = reports
    ref = (await handoff.submit(ZH_FOUNDER, "zh_CN")).reference
    older = report_body(ref, "more_info", "请补充租赁合同。", report_id="hrss-1", sequence=1)
    older_header = sign(older, NEW_SECRET)
    assert (await handoff.post(older, older_header))[0] == 200
    assert (await handoff.report(ref, "accepted", "材料齐全", sequence=2))[0] == 200
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 2

    status, body = await handoff.post(older, older_header)  # the very same bytes and header
    assert (status, body) == (
        200,
        {"ok": True, "duplicate": True, "reference": ref, "status": "more_info"},
    )
    assert [s for s, _, _ in await handoff.history(ref)] == ["more_info", "accepted"]
    assert await handoff.listed_status(ZH_FOUNDER, ref) == "accepted"
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 2


async def test_a_report_not_above_the_last_sequence_is_409_stale_and_a_gap_applies(reports):
    handoff = reports
    ref = (await handoff.submit(ZH_FOUNDER, "zh_CN")).reference
    assert (await handoff.report(ref, "accepted", sequence=5))[0] == 200
    for sequence in (5, 4, 1):  # new report ids, older or equal sequences
        status, body = await handoff.report(ref, "rejected", "不符合条件", sequence=sequence)
        assert (status, body) == (
            409,
            {"error": "stale sequence", "reference": ref, "last_sequence": 5},
        )
    status, body = await handoff.report(ref, "resolved", sequence=1_000)  # a gap is fine
    assert (status, body["duplicate"]) == (200, False)
    assert [s for s, _, _ in await handoff.history(ref)] == ["accepted", "resolved"]
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 2


async def test_a_closed_case_takes_no_further_change(reports):
    """Its service's lifecycle closes a resolved case: a later report is 409 and not told, and
    staff acting on it are told why."""
    handoff = reports
    ref = (await handoff.submit(ZH_FOUNDER, "zh_CN")).reference
    assert (await handoff.report(ref, "resolved"))[0] == 200
    status, body = await handoff.report(ref, "more_info", "再补充一份。")
    assert (status, body["error"], body["status"]) == (
        409,
        "not allowed from the case's status",
        "resolved",
    )
    assert [s for s, _, _ in await handoff.history(ref)] == ["resolved"]
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 1
    status, body = await handoff.report(ref, "delivered")
    assert status == 400 and "accepted" in body["error"]  # not the agency's to report


async def test_a_report_on_a_supplement_counts_in_its_cases_sequence(reports):
    handoff = reports
    ref = (await handoff.submit(ZH_FOUNDER, "zh_CN")).reference
    assert (await handoff.report(ref, "more_info", "请补充。", sequence=3))[0] == 200
    case = await handoff.app.submissions.get(ref)
    assert case is not None
    supplement = replace(case, reference=f"{ref}-S1", parent=ref)
    submissions = handoff.app.submissions
    await handoff.app.redis.set(
        submissions.keys.submission(supplement.reference), submissions.encode(supplement)
    )
    status, body = await handoff.report(supplement.reference, "accepted", sequence=2)
    assert (status, body["reference"]) == (409, ref)
    assert (await handoff.report(supplement.reference, "accepted", sequence=4))[0] == 200
    assert [s for s, _, _ in await handoff.history(ref)] == ["more_info", "accepted"]


async def test_500_concurrent_copies_of_one_report_are_recorded_and_told_once(reports):
    """The same signed report, 500 times at once over HTTP (no connection limit on the client):
    one is recorded and told, every other copy is answered 200 duplicate."""
    handoff = reports
    ref = (await handoff.submit(EN_FOUNDER, "en")).reference
    body = report_body(ref, "accepted", "All received.", report_id="hrss-500", sequence=1)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, NEW_SECRET)}

    async def post(session: aiohttp.ClientSession) -> tuple[int, bool]:
        async with session.post(handoff.status_url, data=body, headers=headers) as response:
            return response.status, (await response.json())["duplicate"]

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        answers = await asyncio.gather(*(post(session) for _ in range(500)))
    assert sorted(answers) == [(200, False)] + [(200, True)] * 499
    assert await handoff.history(ref) == [("accepted", "agency:hrss", "All received.")]
    [told] = handoff.api.messages_to(EN_FOUNDER)
    assert "accepted" in told["text"]


async def test_concurrent_changes_through_the_desk_are_decided_atomically(reports):
    """Staff tapping twice (200 copies) while the worker records the delivery and the agency
    answers: every copy decided in Redis, the founder told once per recorded change."""
    handoff = reports
    desk = handoff.app.desk()
    ref = (await handoff.submit(ZH_FOUNDER, "zh_CN")).reference
    report = AgencyReport("hrss", "hrss-1", 1)
    changes = [desk.change(ref, "accepted", "", "agency:hrss", report=report) for _ in range(100)]
    changes += [desk.change(ref, "delivered", "", "worker") for _ in range(100)]
    outcomes = [r.outcome for r in await asyncio.gather(*changes)]
    history = [s for s, _, _ in await handoff.history(ref)]
    assert history in (["delivered", "accepted"], ["accepted"])  # never a delivered after
    assert outcomes.count(Outcome.RECORDED) == len(history)
    staff = [desk.change(ref, "rejected", "不符合条件", "staff:9001") for _ in range(200)]
    outcomes = [r.outcome for r in await asyncio.gather(*staff)]
    assert outcomes.count(Outcome.RECORDED) == 1
    assert [s for s, _, _ in await handoff.history(ref)] == [*history, "rejected"]
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == len(history) + 1


async def test_the_documented_standard_library_sender_works(reports):
    """The `report_status` of docs/agency-integration.md, run as written against the endpoint."""
    handoff = reports
    ref = (await handoff.submit(ZH_FOUNDER, "zh_CN")).reference
    text = (ROOT / "docs" / "agency-integration.md").read_text(encoding="utf-8")
    section = text.split("## Reporting a status from code", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(code.split("\n\nreport_status(", 1)[0], namespace)  # noqa: S102 - our own docs
    send = namespace["report_status"]
    args = (handoff.status_url, NEW_SECRET, ref, "more_info", "请补充营业执照扫描件。")
    assert await asyncio.to_thread(send, *args, report_id="doc-1", sequence=1) == 200
    assert await asyncio.to_thread(send, *args, report_id="doc-1", sequence=1) == 200  # a retry
    assert await handoff.history(ref) == [("more_info", "agency:hrss", "请补充营业执照扫描件。")]
    assert len(handoff.api.messages_to(ZH_FOUNDER)) == 1


async def test_the_documented_report_bodies_follow_the_schema_and_parse():
    """docs/status-report.schema.json, its examples and `parse_report` agree."""
    schema = json.loads((ROOT / "docs" / "status-report.schema.json").read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    Draft202012Validator.check_schema(schema)
    assert schema["examples"]
    for example in schema["examples"]:
        validator.validate(example)
        report = parse_report(json.dumps(example, ensure_ascii=False).encode())
        assert (report.report_id, report.sequence) == (example["report_id"], example["sequence"])
    for bad in (
        {"reference": "SUB-20261128-7Q4K9M", "status": "accepted"},
        {**schema["examples"][0], "sequence": 0},
        {**schema["examples"][0], "report_id": "with space"},
        {**schema["examples"][0], "status": "approved"},
    ):
        assert not validator.is_valid(bad)
