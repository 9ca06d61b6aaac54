"""LineTransport's HTTP against a scripted server: kept-alive connections, one the server closed while idle,
chunked and closing answers, and which failures may have been delivered."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from bot.line_api import LineTransport, SendResult
from tests.fake_line import FakeLine

MESSAGES = [{"type": "text", "text": "สวัสดีค่ะ"}]
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class Scripted:
    """A server that, for each connection, reads requests and answers each with the next of `answers` (bytes to
    write, then close the connection if the answer says so). Records each request's first line per connection."""

    def __init__(self, answers: list[tuple[bytes, bool]]) -> None:
        self.answers = answers
        self.connections: list[list[str]] = []
        self.closed = threading.Semaphore(0)  # released as each connection is closed
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as reader:
                requests: list[str] = []
                self.connections.append(requests)
                while self.answers:
                    head = [reader.readline()]
                    while head[-1] not in (b"\r\n", b""):
                        head.append(reader.readline())
                    if head[0] == b"":
                        break
                    length = next(int(h.split(b":")[1]) for h in head if h.lower().startswith(b"content-length"))
                    reader.read(length)
                    requests.append(head[0].decode().strip())
                    answer, close = self.answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break
            self.closed.release()

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def scripted() -> Iterator[Callable[[list[tuple[bytes, bool]]], Scripted]]:
    servers: list[Scripted] = []

    def make(answers: list[tuple[bytes, bool]]) -> Scripted:
        servers.append(Scripted(answers))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_sends_reuse_one_connection(scripted):
    server = scripted([(OK, False), (OK, False), (OK, False)])
    transport = LineTransport("t", server.url, timeout_seconds=5)
    for i in range(3):
        assert transport.reply(f"token{i}", MESSAGES).result is SendResult.DELIVERED
    assert [len(requests) for requests in server.connections] == [3]


def test_a_connection_the_server_closed_while_idle_is_reopened_not_taken_as_maybe_delivered(scripted):
    # The server answers, then closes the kept-alive connection (as LINE does after a while): the next send
    # goes on a new connection, and is delivered once.
    server = scripted([(OK, True), (OK, False)])
    transport = LineTransport("t", server.url, timeout_seconds=5)
    assert transport.reply("first", MESSAGES).result is SendResult.DELIVERED
    assert server.closed.acquire(timeout=5)
    assert transport.push("U1", MESSAGES, str(uuid.uuid4())).result is SendResult.DELIVERED
    assert [len(requests) for requests in server.connections] == [1, 1]


def test_an_answer_announcing_close_and_a_chunked_answer_are_read(scripted):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
    server = scripted([(chunked, False), (closing, True), (OK, False)])
    transport = LineTransport("t", server.url, timeout_seconds=5)
    assert [transport.reply(f"t{i}", MESSAGES).result for i in range(3)] == [SendResult.DELIVERED] * 3
    assert [len(requests) for requests in server.connections] == [2, 1]


def test_a_connection_closed_without_an_answer_may_have_been_delivered(scripted):
    server = scripted([(b"", True), (OK, False)])
    transport = LineTransport("t", server.url, timeout_seconds=5)
    assert transport.reply("lost", MESSAGES).result is SendResult.RETRY_MAYBE_DELIVERED
    assert transport.reply("next", MESSAGES).result is SendResult.DELIVERED


def test_a_connection_never_made_is_a_plain_retry():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    outcome = LineTransport("t", url, timeout_seconds=5).reply("token", MESSAGES)
    assert outcome.result is SendResult.RETRY and outcome.detail.startswith("network:")


def test_an_answer_that_comes_too_late_may_have_been_delivered(fake_line: FakeLine):
    fake_line.hang_seconds = 1.0
    fake_line.fail_next(1, mode="hang")
    transport = LineTransport(fake_line.access_token, fake_line.base_url, timeout_seconds=0.2)
    assert transport.reply("token", MESSAGES).result is SendResult.RETRY_MAYBE_DELIVERED
    assert transport.reply("token2", MESSAGES).result is SendResult.DELIVERED


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (429, None, SendResult.RETRY),
        (500, None, SendResult.RETRY),
        (400, "Invalid reply token", SendResult.REPLY_TOKEN_INVALID),
        (400, "The request body has 1 error(s)", SendResult.FAILED),
    ],
)
def test_lines_answers_are_classified(fake_line: FakeLine, status, message, expected):
    fake_line.fail_next(1, status=status, message=message)
    transport = LineTransport(fake_line.access_token, fake_line.base_url, timeout_seconds=5)
    outcome = transport.reply("token", MESSAGES)
    assert outcome.result is expected and outcome.detail.startswith(f"HTTP {status}")


def test_a_push_sent_again_with_its_retry_key_counts_as_delivered(fake_line: FakeLine):
    transport = LineTransport(fake_line.access_token, fake_line.base_url + "/", timeout_seconds=5)
    key = str(uuid.uuid4())
    assert transport.push("U1", MESSAGES, key).result is SendResult.DELIVERED
    again = transport.push("U1", MESSAGES, key)
    assert again.result is SendResult.DELIVERED and "409" in again.detail
    assert [r.status for r in fake_line.received] == [200, 409]
    assert fake_line.received[0].headers["Authorization"] == f"Bearer {fake_line.access_token}"
