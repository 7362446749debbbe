"""INSTANTLY_REQUEST_COUNT_FILE: every request sent, by every client naming the file, adds one byte."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import BASE, no_wait_client


def test_requests_of_many_threads_clients_and_retries_add_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = tmp_path / "requests"
    monkeypatch.setenv("INSTANTLY_REQUEST_COUNT_FILE", str(count))
    answers = iter([httpx.Response(503, json={"message": "busy"})] + [httpx.Response(200, json={})] * 100)
    first = no_wait_client(httpx.MockTransport(lambda _r: next(answers)))
    second = no_wait_client(httpx.MockTransport(lambda _r: httpx.Response(200, json={})))

    first.request("GET", "/a", operation="read", target="a")  # a 503, then a retry: two requests
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _i: second.request("GET", "/b", operation="read", target="b"), range(20)))

    assert first.requests_sent == 2
    assert second.requests_sent == 20
    assert count.stat().st_size == 22
    assert set(count.read_bytes()) == {ord(".")}  # nothing but the tally: no URL, no key
    first.close()
    second.close()


def test_another_process_adds_to_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    count = tmp_path / "requests"
    monkeypatch.setenv("INSTANTLY_REQUEST_COUNT_FILE", str(count))
    here = no_wait_client(httpx.MockTransport(lambda _r: httpx.Response(200, json={})))
    here.request("GET", "/a", operation="read", target="a")
    script = (
        "import httpx\n"
        "from instantly_pulumi.client import InstantlyClient\n"
        "from instantly_pulumi.settings import Credentials\n"
        f"c = InstantlyClient(Credentials(api_key='k', base_url={BASE!r}),"
        " transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})))\n"
        "for _ in range(5): c.request('GET', '/x', operation='read', target='x')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert count.stat().st_size == 6
    here.close()


def test_without_the_variable_no_file_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSTANTLY_REQUEST_COUNT_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    c = no_wait_client(httpx.MockTransport(lambda _r: httpx.Response(200, json={})))
    c.request("GET", "/a", operation="read", target="a")
    assert c.requests_sent == 1
    assert list(tmp_path.iterdir()) == []
