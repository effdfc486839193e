"""GET /metrics scraped for real: on the webhook server after a founder's updates, on the
worker's own port with the outbox backlog, a delivery and a late timed event, never naming a
founder. Counters are process-wide: each test reads differences."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from applications import COMPANY, ID_NUMBER, MOBILE, subsidy_answers
from prometheus_client.parser import text_string_to_metric_families
from scrapes import parse, scrape, value
from webhook_server import SECRET

from bot.config import Settings
from bot.core.service import Founder
from bot.serve import run_worker
from bot.telemetry import scrape as scrape_here
from bot.web import create_web_app
from bot.wiring import App, create_app
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.engine.events import Event
from flows.policy.loader import load_policy_data
from storage.timers import TimedEvent

NAME = "欧阳明哲"


async def test_the_webhook_server_counts_updates_and_times_turns(webhook):
    api, url = webhook
    metrics_url = url.removesuffix("/telegram/webhook") + "/metrics"
    status, text = await scrape(metrics_url)
    assert status == 200
    before = parse(text)

    first = api.push_message(611, "/start registration", language_code="en")
    assert await api.post_webhook(url, api.pushed[first], secret_token=SECRET) == 200
    await api.wait_for_message(611, lambda m: "step 1" in m["text"])
    assert await api.post_webhook(url, api.pushed[first], secret_token=SECRET) == 200  # again
    answer = api.push_message(611, "some words", language_code="en")
    assert await api.post_webhook(url, api.pushed[answer], secret_token=SECRET) == 200
    barrier = api.push_message(611, "/apps", language_code="en")
    assert await api.post_webhook(url, api.pushed[barrier], secret_token=SECRET) == 200
    await api.wait_for_message(611, lambda m: "My applications" in m["text"])

    after = parse((await scrape(metrics_url))[1])
    counted = "smebot_updates_total"

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(counted, kind="command", outcome="ok") == 2
    assert moved(counted, kind="command", outcome="duplicate") == 1
    assert moved(counted, kind="text", outcome="ok") == 1
    assert moved("smebot_turn_duration_seconds_count", kind="command") == 3
    assert moved("smebot_turn_duration_seconds_sum", kind="command") > 0
    assert moved("smebot_turn_duration_seconds_bucket", kind="command", le="10.0") == 3
    assert moved("smebot_turn_duration_seconds_bucket", kind="command", le="+Inf") == 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def directory_agencies(folder: Path) -> Path:
    """Every office delivers into a folder: agency "xuhui-all"."""
    offices = json.dumps([o.id for o in load_policy_data().offices])
    path = folder / "agencies.toml"
    path.write_text(
        f"""
[[agency]]
id = "xuhui-all"
name = {{ zh = "全部", en = "All offices" }}
offices = {offices}
transport = "directory"
path = {json.dumps(str(folder / "inbox"))}
"""
    )
    return path


async def submit(app: App, founder: Address, reference: str) -> None:
    """A founder's confirmed application, committed as the bot commits one (with its outbox
    entry)."""
    turn = await app.store.begin(founder)
    assert turn is not None
    turn.state.submit(
        Submission(
            reference=reference,
            founder=founder,
            flow="subsidy",
            programme="startup_loan",
            office="district_hrss",
            district="xuhui",
            locale="zh_CN",
            answers=subsidy_answers("startup_loan") | {"applicant_name": NAME},
            attachments=[],
            submitted_at=time.time(),
        )
    )
    await app.store.commit(turn)


@pytest.fixture
def worker_app(redis, redis_url, key_prefix, tmp_path) -> App:
    settings = Settings(
        redis_url=redis_url,
        redis_prefix=key_prefix,
        agencies_file=directory_agencies(tmp_path),
        host="127.0.0.1",
        metrics_port=free_port(),
        metrics_token="scrape-me",
    )
    return create_app(settings, redis)


async def test_the_worker_serves_the_backlog_and_counts_deliveries(
    worker_app: App, redis: aioredis.Redis
) -> None:
    """An entry a live worker took two minutes ago stays waiting; a new one is delivered; a
    timed event half a minute late is taken up late."""
    app, outbox = worker_app, worker_app.outbox
    fired: list[str] = []

    async def probe(event: TimedEvent) -> None:
        fired.append(event.id)

    app.timer_handlers = {"metrics-probe": probe}
    await app.timer_store.schedule("probe-1", "metrics-probe", time.time() - 30, {})
    await outbox.ensure_group()
    queued_ms = int(time.time() * 1000) - 120_000
    fields = {"reference": "SUB-20261201-GHOST1", "founder": "1", "office": "district_hrss"}
    await redis.xadd(outbox.keys.outbox_of(fields["reference"]), fields, id=f"{queued_ms}-0")
    assert await outbox.read("another-worker", 1)  # held by a worker still alive
    await submit(app, Address.telegram(7_300_451_889), "SUB-20261201-MTRC01")
    url = f"http://127.0.0.1:{app.settings.metrics_port}/metrics"
    started = time.time()
    before = parse(scrape_here().decode())  # this process's, before the worker starts

    stop = asyncio.Event()
    running = asyncio.create_task(run_worker(app, stop))
    try:
        status = 0
        while status != 200:  # the server is up once it answers
            await asyncio.sleep(0.05)
            with_error = await asyncio.gather(scrape(url, "scrape-me"), return_exceptions=True)
            if not isinstance(with_error[0], BaseException):
                status = with_error[0][0]
        counted = "smebot_deliveries_total"
        delivered = {"agency": "xuhui-all", "result": "delivered"}
        for _ in range(400):  # the worker's first pass delivers, the gauges are read at start
            samples = parse((await scrape(url, "scrape-me"))[1])
            read_at = value(samples, "smebot_backlog_read_timestamp_seconds")
            done = value(samples, counted, **delivered) - value(before, counted, **delivered)
            late = value(samples, "smebot_timer_lag_seconds_count", kind="metrics-probe")
            if done == 1 and late == 1 and read_at >= started:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("no delivery counted, or the backlog never read")
        assert value(samples, "smebot_outbox_entries") >= 1  # the one held by another worker
        assert value(samples, "smebot_outbox_oldest_age_seconds") >= 120
        assert value(samples, "smebot_outbox_retry_entries") == 0
        assert value(samples, "smebot_outbox_dead_letters") == 0
        assert value(samples, "smebot_timer_lag_seconds_sum", kind="metrics-probe") >= 30
        lag = "smebot_timer_lag_seconds_bucket"
        assert value(samples, lag, kind="metrics-probe", le="10.0") == 0
        assert value(samples, lag, kind="metrics-probe", le="60.0") == 1
        assert fired == ["probe-1"]
        assert (await scrape(url))[0] == 401  # METRICS_TOKEN set: no token, no metrics
        assert (await scrape(url, "wrong"))[0] == 401
    finally:
        stop.set()
        await running
    assert list((Path(str(app.settings.agencies_file)).parent / "inbox").rglob("bundle.json"))


async def test_no_label_names_a_founder(worker_app: App, redis: aioredis.Redis) -> None:
    """A founder's updates, a submission delivered, one failing for good: the scrape holds
    none of their id, references, name or answers."""
    app = worker_app
    user = 7_300_451_777
    founder = Founder(Address.telegram(user), "en")

    async def deliver(messages: object, locale: str) -> None:
        pass

    events = (Event.of_command("start", "registration"), Event.of_text(NAME))
    for update_id, event in enumerate(events, start=98_765_4321):
        await app.service.handle(founder, event, deliver, update_id)
        await app.service.handle(founder, event, deliver, update_id)  # a duplicate
    await submit(app, founder.address, "SUB-20261201-PRIV77")
    fields = {"reference": "SUB-20261201-LOST99", "founder": str(user), "office": "nowhere"}
    stream = app.outbox.keys.outbox_of(fields["reference"])
    await redis.xadd(stream, fields)  # its submission is missing: dead letter
    worker = app.worker()
    while await worker.run_once():
        pass
    await app.gauges().read_once()

    text = scrape_here().decode()
    assert value(parse(text), "smebot_outbox_dead_letters") == 1
    assert "smebot_deliveries_total" in text
    secrets = [str(user), "SUB-20261201-PRIV77", "SUB-20261201-LOST99", "98765", NAME]
    secrets += [COMPANY, ID_NUMBER, MOBILE, "telegram:", "local:"]
    assert [s for s in secrets if s in text] == []
    words = {
        value
        for family in text_string_to_metric_families(text)
        if family.name.startswith("smebot_")
        for sample in family.samples
        for label, value in sample.labels.items()
        if label != "le"
    }
    assert words and all(re.fullmatch(r"[A-Za-z_.-]+", word) for word in words), words


async def test_the_bot_server_can_go_without_metrics_or_keep_them_behind_a_token(
    worker_app: App,
) -> None:
    app = worker_app

    async def status(web_app: web.Application, token: str | None = None) -> int:
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            return (await scrape(f"http://127.0.0.1:{runner.addresses[0][1]}/metrics", token))[0]
        finally:
            await runner.cleanup()

    parts = (app.desk(), app.submissions, app.agencies)
    assert await status(create_web_app(*parts)) == 200
    assert await status(create_web_app(*parts, metrics=False)) == 404  # METRICS_ENABLED=false
    guarded = create_web_app(*parts, metrics_token="t0ken")
    assert await status(guarded) == 401
    assert await status(create_web_app(*parts, metrics_token="t0ken"), "t0ken") == 200
