"""The list cache and the throttle under contention: many threads (and processes) at once, on the
real clock. No duplicate fills, no stale fill surviving a write, no lost update of the budget."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.settings import Credentials
from instantly_pulumi.throttle import Throttle, _cell

from .conftest import BASE, KEY, WS, windows_hold

OTHER = "019a8c3e-0000-7000-8000-0000000000ff"


def client_for(handler: Any) -> InstantlyClient:
    return InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(handler),
        throttle=Throttle(per_second=10_000, per_minute=600_000),
    )


def listing(client: InstantlyClient, ws: str) -> list[dict[str, Any]]:
    return client.list_cached("/things", operation="list things", target="things", workspace_id=ws)


def test_sixteen_threads_on_two_workspaces_fill_each_list_once() -> None:
    fills: list[str] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        ws = request.headers["x-as-workspace"]
        with lock:
            fills.append(ws)
        time.sleep(0.05)  # a slow page: every thread arrives while the fill is in flight
        return httpx.Response(200, json={"items": [{"id": f"{ws}-{i}"} for i in range(3)]})

    client = client_for(handler)
    start = threading.Barrier(16)

    def read(i: int) -> list[dict[str, Any]]:
        start.wait()
        return listing(client, WS if i % 2 else OTHER)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(read, range(16)))
    assert sorted(fills) == sorted([WS, OTHER])
    assert all(len(r) == 3 and r[0]["id"].startswith(WS if i % 2 else OTHER) for i, r in enumerate(results))


def test_a_fill_in_flight_when_a_write_invalidates_is_not_served_afterwards() -> None:
    """A thread lists while another writes: the write lands after the list was read and its
    invalidate comes before the list is stored. The next reader must see the write (the API key's
    orphan proof relies on it: it invalidates, then lists, to find what a lost create made)."""
    items = [{"id": "old"}]
    first_fill_sent, release = threading.Event(), threading.Event()
    calls = [0]

    def handler(_r: httpx.Request) -> httpx.Response:
        calls[0] += 1
        body = {"items": list(items)}
        if calls[0] == 1:
            first_fill_sent.set()
            release.wait(5)
        return httpx.Response(200, json=body)

    client = client_for(handler)
    reader = threading.Thread(target=listing, args=(client, WS))
    reader.start()
    assert first_fill_sent.wait(5)
    items.append({"id": "new"})  # the write lands...
    client.invalidate("/things", WS)  # ...and its thread invalidates, while the fill is in flight
    release.set()
    reader.join(5)
    assert [i["id"] for i in listing(client, WS)] == ["old", "new"]
    assert calls[0] == 2


def test_invalidations_racing_readers_never_serve_a_list_older_than_the_last_write() -> None:
    version, published = [0], [0]
    lock = threading.Lock()

    def handler(_r: httpx.Request) -> httpx.Response:
        with lock:
            seen = version[0]
        time.sleep(0.002)
        return httpx.Response(200, json={"items": [{"id": "v", "version": seen}]})

    client = client_for(handler)
    stop = time.monotonic() + 1.0
    stale: list[tuple[int, int]] = []

    def writer() -> None:
        while time.monotonic() < stop:
            with lock:
                version[0] += 1
                written = version[0]
            client.invalidate("/things", WS)
            with lock:
                published[0] = written  # this write has landed and its thread has invalidated
            time.sleep(0.001)

    def reader() -> None:
        while time.monotonic() < stop:
            with lock:
                floor = published[0]  # a read from now on must see at least this write
            got = listing(client, WS)[0]["version"]
            if got < floor:
                stale.append((got, floor))

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stale == []


def test_threads_sharing_one_throttle_lose_no_update_and_keep_the_limit() -> None:
    per_second = 50
    throttle = Throttle(per_second=per_second, per_minute=100_000)
    stamps: list[float] = []
    lock = threading.Lock()
    begin = time.monotonic()

    def work(_i: int) -> None:
        for _ in range(10):
            throttle.acquire()
            now = time.monotonic()
            with lock:
                stamps.append(now)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert len(stamps) == 80
    assert windows_hold(stamps, 1.0, per_second)
    # Every acquire moved the budget on by one interval: none was lost to a race.
    interval, tolerance = _cell(per_second, 1.0)
    assert throttle._tat[0] >= begin + 80 * interval - tolerance
    assert max(stamps) - begin >= (80 - 1) * interval - tolerance - 0.01


def _acquire_in_a_process(shared: str, n: int, out: Any) -> None:
    throttle = Throttle(per_second=40, per_minute=100_000, shared_file=Path(shared))
    stamps = []
    for _ in range(n):
        throttle.acquire()
        stamps.append(time.monotonic())
    out.put(stamps)


def test_processes_sharing_a_rate_file_keep_one_budget(tmp_path: Path) -> None:
    """Three provider processes, one INSTANTLY_RATE_FILE: together they stay under one limit."""
    # spawn, not fork: the test process has threads (fork warns from Python 3.12 on).
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_acquire_in_a_process, args=(str(tmp_path / "budget"), 20, out)) for _ in range(3)
    ]
    for p in procs:
        p.start()
    stamps = [s for _ in procs for s in out.get(timeout=30)]
    for p in procs:
        p.join(10)
    assert len(stamps) == 60
    assert windows_hold(stamps, 1.0, 40)
    interval, tolerance = _cell(40, 1.0)
    assert max(stamps) - min(stamps) >= (60 - 1) * interval - tolerance - 0.01
