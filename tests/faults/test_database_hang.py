"""A hung PostgreSQL (SIGSTOP: the kernel still accepts connections and takes the bytes sent,
nothing answers) gives a clear, quick answer, and nothing is lost or doubled.

A web process (as `make run` starts it: uvicorn, a pool of 4 connections) on the test database
and a Redis of its own; people signed in. The test database's server is stopped, all but the
backend serving this test process (which does not use its connection meanwhile). For
OUTAGE_SECONDS, CLIENTS clients at once ask for pages, htmx fragments and JSON, and publish
posts; /healthz is asked twice a second. Every answer comes within PAGE_LIMIT seconds and is a
success or a styled 503 with Retry-After; /healthz answers within HEALTHZ_LIMIT seconds and says
the database is down. The server resumed, everything works again without a restart, and each
post sent during the outage exists once if its answer said so, not at all if it got a 503.

/healthz also answers within HEALTHZ_LIMIT seconds while Redis hangs, and says so.
"""

import contextlib
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psutil
import pytest
import requests
from django.db import connection

from apps.feeds.models import Post
from tests.exclusive import holds_the_whole_suite
from tests.factories import ProfileFactory
from tests.faults.stack import app_process, dedicated_redis, percentile, signed_in_as

# Exclusive: the server stopped here is the one every worker's database lives on. The
# /healthz test under a hung Redis is in it too: its 1.5 s database probe is a timing.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.exclusive]

CLIENTS = 10
OUTAGE_SECONDS = 10
THINK_SECONDS = 0.1
PAGE_LIMIT = 5.0  # every answer during the outage, success or 503
P95_LIMIT = 4.5
HEALTHZ_LIMIT = 2.0
RECOVERY_SECONDS = 15
# The longest the server may stay stopped, whatever happens to this test process.
SAFETY_SECONDS = 60


class StoppedPostgres:
    """SIGSTOP to the test database's server: its postmaster and every process it forked,
    except the backend serving this process's own connection (so that the test can read the
    database again afterwards without a reconnect). Works for the embedded server (unix
    socket) and for a PostgreSQL on 127.0.0.1 alike: the processes are found from the
    backend's pid, not from an address."""

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own_backend = psutil.Process(cursor.fetchone()[0])
        self.own_backend = own_backend
        self.postmaster = own_backend.parent()
        self.stopped: list[psutil.Process] = []

    def __enter__(self):
        assert holds_the_whole_suite(), "stopping the shared PostgreSQL needs @pytest.mark.exclusive"
        # The postmaster first: it forks no new backend once stopped.
        self.postmaster.suspend()
        self.stopped.append(self.postmaster)
        for child in self.postmaster.children():
            if child.pid != self.own_backend.pid:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.suspend()
                    self.stopped.append(child)
        # Should this test process be killed outright while the server is stopped (CI's second
        # pass stops the machine's own PostgreSQL), a process of its own resumes it anyway.
        pids = " ".join(str(process.pid) for process in self.stopped)
        self.safety = subprocess.Popen(
            ["/bin/sh", "-c", f"sleep {SAFETY_SECONDS}; kill -CONT {pids}"],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc_info):
        for process in self.stopped:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.resume()
        self.stopped.clear()
        self.safety.kill()
        self.safety.wait()


@dataclass
class Answer:
    kind: str
    started: float  # seconds since the server stopped
    seconds: float
    status: int  # 0: no answer within the client's own timeout
    content_type: str = ""
    retry_after: str | None = None
    body: str = ""
    post_body: str | None = None
    extra: dict = field(default_factory=dict)


class Client:
    """One person's browser: pages, an htmx fragment, the JSON badge count, and posts."""

    KINDS = ("page", "post", "fragment", "json", "post")

    def __init__(self, base: str, session: requests.Session, language: str = "en"):
        self.base, self.session, self.language = base, session, language
        session.cookies.set("django_language", language, domain="127.0.0.1")
        self.turn = 0

    def request(self, since: float) -> Answer:
        kind = self.KINDS[self.turn % len(self.KINDS)]
        self.turn += 1
        post_body = None
        started = time.monotonic()
        try:
            if kind == "post":
                post_body = f"Written during the outage {uuid.uuid4().hex}"
                token = self.session.cookies.get("csrftoken", domain="127.0.0.1")
                url = f"{self.base}/posts/new/"
                response = self.session.post(
                    url,
                    data={"kind": "post", "body": post_body, "csrfmiddlewaretoken": token},
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=30,
                )
            elif kind == "fragment":
                response = self.session.get(f"{self.base}/feed/company/", headers={"HX-Request": "true"}, timeout=30)
            elif kind == "json":
                response = self.session.get(
                    f"{self.base}/notifications/count/", headers={"Accept": "application/json"}, timeout=30
                )
            else:
                response = self.session.get(f"{self.base}/", timeout=30)
        except requests.RequestException:
            return Answer(kind, started - since, time.monotonic() - started, 0, post_body=post_body)
        return Answer(
            kind,
            started - since,
            time.monotonic() - started,
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.headers.get("Retry-After"),
            response.text,
            post_body,
            {"language": self.language},
        )


def _run(clients: list[Client], seconds: float, since: float) -> list[Answer]:
    deadline = time.monotonic() + seconds
    answers, lock = [], threading.Lock()

    def loop(client):
        while time.monotonic() < deadline:
            answer = client.request(since)
            with lock:
                answers.append(answer)
            time.sleep(THINK_SECONDS)

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(loop, clients))
    return answers


def _poll_healthz(base: str, stop: threading.Event, since: float, answers: list) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            response = requests.get(f"{base}/healthz", timeout=30)
            answer = (started - since, time.monotonic() - started, response.status_code, response.json())
        except (requests.RequestException, ValueError):
            answer = (started - since, time.monotonic() - started, 0, {})
        answers.append(answer)
        stop.wait(0.5)


def _summary(answers: list[Answer]) -> str:
    times = [answer.seconds for answer in answers]
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    return (
        f"{len(times)} requests, p50 {percentile(times, 0.5):.2f} s, p95 {percentile(times, 0.95):.2f} s, "
        f"max {max(times):.2f} s; statuses {dict(sorted(statuses.items()))}"
    )


def _is_styled_unavailable_page(answer: Answer) -> bool:
    """The whole page: the site's stylesheet, the user's language, the message."""
    return (
        answer.content_type.startswith("text/html")
        and "/static/css/app.css" in answer.body
        and f'<html lang="{answer.extra["language"]}"' in answer.body
        and "data-unavailable" in answer.body
    )


def _check_unavailable(answer: Answer) -> None:
    assert answer.retry_after and answer.retry_after.isdigit(), answer
    if answer.kind == "json":
        assert answer.content_type == "application/json", answer
        assert '"unavailable"' in answer.body, answer.body
    elif answer.kind == "fragment":
        assert answer.content_type.startswith("text/html") and "data-unavailable" in answer.body, answer.body
        assert "<html" not in answer.body, answer.body  # a fragment, not a page inside the page
    else:
        assert _is_styled_unavailable_page(answer), answer.body[:2000]


def _works_again(client: Client) -> bool:
    page = client.session.get(f"{client.base}/", timeout=10)
    token = client.session.cookies.get("csrftoken", domain="127.0.0.1")
    url = f"{client.base}/posts/new/"
    body = f"Written after the outage {uuid.uuid4().hex}"
    post = client.session.post(
        url,
        data={"kind": "post", "body": body, "csrfmiddlewaretoken": token},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=10,
    )
    return page.status_code == 200 and post.status_code == 302 and Post.objects.filter(body=body).count() == 1


def test_pages_answer_503_quickly_while_postgres_hangs_and_recover_without_doubling_writes():
    people = [profile.user for profile in ProfileFactory.create_batch(CLIENTS)]
    with dedicated_redis() as redis_server, app_process("web", redis_server.url) as web:
        # One in French: the 503 page speaks the person's language without the database.
        clients = [
            Client(web.base, signed_in_as(web.base, person), "fr" if i == 0 else "en")
            for i, person in enumerate(people)
        ]
        for client in clients:  # connections made, templates compiled
            for _ in range(len(Client.KINDS)):
                warm = client.request(time.monotonic())
                assert warm.status in (200, 302), web.log()[-4000:]
        assert requests.get(f"{web.base}/healthz", timeout=10).json()["db"] == "ok"

        healthz: list = []
        stop_polling = threading.Event()
        with StoppedPostgres():
            since = time.monotonic()
            poller = threading.Thread(target=_poll_healthz, args=(web.base, stop_polling, since, healthz))
            poller.start()
            try:
                during = _run(clients, OUTAGE_SECONDS, since)
            finally:
                stop_polling.set()
        resumed = time.monotonic() - since
        # Resumed: what still waited on the server (before the fix) finishes now.
        poller.join()
        # Those answered while the server was still stopped must say so.
        stopped_healthz = [answer for answer in healthz if answer[0] + answer[1] < resumed]
        print(f"\nwhile PostgreSQL hung: {_summary(during)}")
        print(
            f"/healthz: {len(healthz)} requests, max {max(seconds for _a, seconds, _s, _j in healthz):.2f} s, "
            f"said {sorted({str(answer) for _a, _s, _st, answer in stopped_healthz})}"
        )

        # Recovery: no restart, every client reads and writes again.
        deadline = time.monotonic() + RECOVERY_SECONDS
        recovered = [False] * len(clients)
        while not all(recovered):
            assert time.monotonic() < deadline, f"not recovered within {RECOVERY_SECONDS} s:\n{web.log()[-3000:]}"
            recovered = [done or _works_again(client) for done, client in zip(recovered, clients, strict=True)]
            if not all(recovered):
                time.sleep(0.5)
        assert requests.get(f"{web.base}/healthz", timeout=10).json()["db"] == "ok"

    # Quick, clear answers during the outage.
    assert {answer.status for answer in during} <= {200, 302, 503}, _summary(during)
    assert any(answer.status == 503 for answer in during), _summary(during)
    times = [answer.seconds for answer in during]
    assert max(times) <= PAGE_LIMIT, _summary(during)
    assert percentile(times, 0.95) <= P95_LIMIT, _summary(during)
    for answer in during:
        if answer.status == 503:
            _check_unavailable(answer)
    assert any(answer.extra["language"] == "fr" and answer.status == 503 for answer in during)

    # /healthz: quick, and honest.
    assert max(seconds for _at, seconds, _status, _json in healthz) <= HEALTHZ_LIMIT, healthz
    assert len(stopped_healthz) >= 3, healthz
    for _at, _seconds, status, answer in stopped_healthz:
        assert status == 503 and answer.get("db") == "down", healthz

    # Nothing lost or doubled: a post exists once if its answer said it was published; after
    # a 503, at most once (a COMMIT sent to the hung server takes effect when it resumes,
    # which the 503 page says; mostly, the transaction never reached its COMMIT).
    for answer in during:
        if answer.kind != "post":
            continue
        count = Post.objects.filter(body=answer.post_body).count()
        assert count == 1 if answer.status == 302 else count <= 1, answer


def test_healthz_answers_within_2_seconds_and_says_redis_is_down_while_redis_hangs():
    with dedicated_redis() as redis_server, app_process("web", redis_server.url) as web:
        assert requests.get(f"{web.base}/healthz", timeout=10).json()["redis"] == "ok"
        redis_server.pause()
        try:
            answers = []
            for _ in range(4):
                started = time.monotonic()
                response = requests.get(f"{web.base}/healthz", timeout=30)
                answers.append((time.monotonic() - started, response.status_code, response.json()))
        finally:
            redis_server.resume()
        assert requests.get(f"{web.base}/healthz", timeout=10).json()["redis"] == "ok"
    for seconds, status, answer in answers:
        assert seconds <= HEALTHZ_LIMIT, answers
        # The web process serves pages without Redis: still 200.
        assert status == 200 and answer == {"db": "ok", "redis": "down", "worker": "down"}, answers
