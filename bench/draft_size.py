"""Scenario 2: Redis MEMORY USAGE of a subsidy application draft filled to its last step (the
review, before Confirm), written by the real service and store, ID and mobile sealed."""

from __future__ import annotations

import json
import secrets
import zlib
from typing import Any

from redis.asyncio import Redis

from bench.common import ROOT, drop_prefix, new_prefix
from bench.sides import create_store
from bot.core.i18n import Catalogs
from bot.core.render import RenderedMessage, Renderer
from bot.core.service import ConversationService, Founder
from flows.engine.address import Address
from flows.engine.draft import SUMMARY
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Op
from flows.engine.validators import credit_code_check_char
from flows.shell.conversation import Conversation
from storage.packing import unpack

USER = Address.telegram(424242)
ID_NUMBER = "11010519491231002X"


def telegram_file_id() -> str:
    """As long as Telegram's (about 70 characters)."""
    return "BQACAgUAAxkBAAI" + secrets.token_urlsafe(54)


class Applicant:
    """Taps and types through the service like a founder in Telegram."""

    def __init__(self, service: ConversationService) -> None:
        self.service = service
        self.founder = Founder(USER, "zh-hans")
        self.last: RenderedMessage | None = None
        self.files: dict[str, bytes] = {}

    async def _deliver(self, messages: list[RenderedMessage], locale: str) -> None:
        shown = [m for m in messages if m.buttons]
        if shown:
            self.last = shown[-1]

    async def send(self, event: Event) -> None:
        await self.service.handle(self.founder, event, self._deliver)

    async def type(self, text: str) -> None:
        await self.send(Event.of_text(text))

    async def tap(self, op: Op, value: str = "") -> None:
        assert self.last is not None
        actions = [b.action for row in self.last.buttons for b in row]
        found = [a for a in actions if a.op is op and (not value or a.value == value)]
        if not found:
            raise RuntimeError(f"no button {op} {value!r} on screen")
        await self.send(Event.of_action(found[0]))

    async def upload(self, name: str, mime: str, size: int) -> None:
        file = FileRef(telegram_file_id(), name, mime, size, unique=secrets.token_urlsafe(12))
        magic = b"%PDF-1.7\n" if mime == "application/pdf" else b"\xff\xd8\xff\xe0"
        self.files[file.file_id] = magic + secrets.token_bytes(size - len(magic))
        await self.send(Event(EventKind.FILE, file=file))

    async def fetch(self, owner: Address, file_id: str) -> bytes:
        """The channel's side: the bytes of a file this applicant sent."""
        return self.files[file_id]


async def run(redis: Redis) -> dict[str, Any]:
    """`draft.bytes`: MEMORY USAGE of the draft key with two files per document (a PDF and a
    photo, as the subsidy flow's tests send), and with one."""
    two = await measure(redis, files_per_document=2)
    one = await measure(redis, files_per_document=1)
    return {
        "figures": {
            "draft.bytes": two["bytes"],
            "draft.json_bytes": two["json_bytes"],
            "draft.bytes_one_file_per_document": one["bytes"],
        },
        "detail": {"draft": {"two_files_per_document": two, "one_file_per_document": one}},
    }


async def measure(redis: Redis, files_per_document: int) -> dict[str, Any]:
    """MEMORY USAGE and JSON length of the draft at the review, and its biggest parts."""
    prefix = new_prefix("d")
    store, flows, policy = create_store(redis, prefix)
    renderer = Renderer(Catalogs(ROOT / "locales"))
    service = ConversationService(Conversation(flows, policy), store, renderer)
    f = Applicant(service)
    service.fetch = f.fetch
    try:
        await f.send(Event.of_command("start", "subsidy"))
        await f.tap(Op.PICK, "graduate")
        await f.type("2023")
        await f.tap(Op.PICK, "hukou")
        await f.tap(Op.PICK, "yes")  # first business
        await f.tap(Op.PICK, "yes")  # registered
        await f.type("2024-06-01")
        await f.tap(Op.PICK, "small_micro")
        await f.type("浦东")
        await f.type("2")  # insured staff
        await f.type("2025-06-01")  # the longest-serving one employed since
        await f.tap(Op.PICK, "yes")  # lease
        await f.tap(Op.PICK, "no")  # not a dishonest debtor
        await f.tap(Op.PICK, "startup_subsidy")
        await f.tap(Op.PICK, "agree")
        await f.type("欧阳明华")
        await f.type(ID_NUMBER)
        await f.type("13812345678")
        await f.type("上海浦江示例信息科技有限公司")
        body = "91310115MA1H7XQ3"
        await f.type(body + "0" + credit_code_check_char(body + "0"))
        for _ in range(10):
            state = await store.peek(USER)
            step = state.drafts["subsidy"].step
            if not step.startswith("doc_"):
                break
            await f.upload(f"{step}.pdf", "application/pdf", 1_834_112)
            if files_per_document > 1:
                await f.upload("photo-AQADnbsxG8kx.jpg", "image/jpeg", 286_431)
            await f.tap(Op.DONE)
        draft = (await store.peek(USER)).drafts["subsidy"]
        if draft.step != SUMMARY:
            raise RuntimeError(f"the subsidy draft stopped at {draft.step}, not at the review")
        key = store.keys.founder(USER, "draft", "subsidy")
        usage = int(await redis.memory_usage(key) or 0)
        length = int(await redis.strlen(key))
        blob = unpack((await redis.get(key)) or b"{}").encode()  # packed: compressed JSON
        sealed = b"gAAAAA" in blob and ID_NUMBER.encode() not in blob
        if not sealed:
            raise RuntimeError("the draft holds the ID number in the clear")
        answers = json.loads(blob)["answers"]
        files = sum(len(_dumps(v)) for k, v in answers.items() if k.startswith("doc_"))
        sealed_bytes = sum(len(_dumps(v)) for v in answers.values() if isinstance(v, dict))
        print(f"  draft ({files_per_document} file(s) per document): MEMORY USAGE {usage} bytes"
              f" (JSON {length}: attachments {files}, sealed ID and mobile {sealed_bytes},"
              f" zlib would make it {len(zlib.compress(blob, 6))})", flush=True)  # fmt: skip
        return {
            "bytes": usage,
            "json_bytes": length,
            "attachments_json_bytes": files,
            "sealed_json_bytes": sealed_bytes,
            "zlib_json_bytes": len(zlib.compress(blob, 6)),
            "answers": len(draft.answers),
        }
    finally:
        await drop_prefix(redis, prefix)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
