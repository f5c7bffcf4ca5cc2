"""HTTP/1.1 framing the transport must handle: chunked, close-delimited, HEAD, TLS, keep-alive."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.engine.conftest import load_json, run_cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def chunked(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(5):
        await response.write(b"x" * 1000)
    await response.write_eof()
    return response


async def plain(request: web.Request) -> web.Response:
    return web.Response(text="hello" * 10)


def serve(app: web.Application, ssl_context: ssl.SSLContext | None = None) -> Iterator[int]:
    port = _free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=ssl_context)
    loop.run_until_complete(site.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield port
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture
def app_port() -> Iterator[int]:
    app = web.Application()
    app.router.add_get("/chunked", chunked)
    app.router.add_route("*", "/plain", plain)
    yield from serve(app)


@pytest.mark.parametrize(
    ("path", "method", "min_bytes"),
    [
        ("/chunked", "GET", 5000),
        ("/plain", "GET", 50),
        ("/plain", "HEAD", 0),
        ("/plain", "POST", 50),
    ],
    ids=["chunked", "content-length", "head", "post"],
)
def test_framing(app_port: int, tmp_path: Path, path: str, method: str, min_bytes: int) -> None:
    out = tmp_path / "r.json"
    run = run_cli(
        "load",
        f"http://127.0.0.1:{app_port}{path}",
        "--rate",
        "100",
        "-d",
        "2s",
        "-m",
        method,
        "--body",
        "hi",
        "--json",
        str(out),
    )
    assert run.code == 0, run.stderr
    m = load_json(out)["metrics"]
    assert m["errors_by_kind"] == {}
    assert m["status_codes"] == {"200": 200}
    assert m["bytes_in"] >= 200 * min_bytes
    assert m["connect_time_ms"]["p50"] is not None


def test_close_delimited_body(tmp_path: Path) -> None:
    """HTTP/1.0-style responses with neither length nor chunking end at connection close."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"y" * 3000)
        await writer.drain()
        writer.close()

    port = _free_port()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        out = tmp_path / "r.json"
        run = run_cli(
            "load", f"http://127.0.0.1:{port}/", "--rate", "50", "-d", "2s", "--json", str(out)
        )
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    assert run.code == 0, run.stderr
    m = load_json(out)["metrics"]
    assert m["errors_by_kind"] == {}
    assert m["status_codes"] == {"200": 100}
    assert m["bytes_in"] >= 100 * 3000


def test_tls(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    app = web.Application()
    app.router.add_get("/", plain)
    gen = serve(app, ctx)
    port = next(gen)
    try:
        out = tmp_path / "r.json"
        run = run_cli(
            "load",
            f"https://127.0.0.1:{port}/",
            "--rate",
            "50",
            "-d",
            "2s",
            "-k",
            "--json",
            str(out),
        )
        refused = run_cli(
            "load",
            f"https://127.0.0.1:{port}/",
            "--rate",
            "20",
            "-d",
            "1s",
            "--json",
            str(tmp_path / "v.json"),
        )
    finally:
        next(gen, None)
    assert run.code == 0, run.stderr
    assert load_json(out)["metrics"]["status_codes"] == {"200": 100}
    # Without -k a self-signed certificate is a connect error, counted, not a crash.
    assert refused.code == 0, refused.stderr
    assert load_json(tmp_path / "v.json")["metrics"]["errors_by_kind"] == {"connect": 20}
