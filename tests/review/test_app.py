"""The review app over an in-memory store: token gate, host check, escaping, decision forms."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from grader.review.app import cookie_name, create_app
from review.memory_store import MemoryStore, sample_store

TOKEN = "t0k3n-for-tests"
BASE = "http://127.0.0.1"


@pytest.fixture()
def store() -> MemoryStore:
    return sample_store()


@pytest.fixture()
def anonymous(store: MemoryStore) -> TestClient:
    return TestClient(create_app(lambda: store, token=TOKEN, who="ta"), base_url=BASE)


@pytest.fixture()
def client(anonymous: TestClient) -> TestClient:
    response = anonymous.get(f"/?token={TOKEN}")
    assert response.status_code == 200
    return anonymous


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/g/1"),
        ("GET", "/static/review.js"),
        ("GET", "/static/katex/katex.min.js"),
        ("GET", "/?token=wrong"),
        ("GET", "/g/1?token="),
        ("POST", "/g/1/decide"),
        ("POST", "/g/1/undo"),
    ],
)
def test_requests_without_the_token_are_refused(anonymous: TestClient, store: MemoryStore, method: str, path: str) -> None:
    response = anonymous.request(method, path, data={"fraction": "1", "token": "wrong"} if method == "POST" else None)
    assert response.status_code == 403
    assert "token" in response.text
    assert store.log == []


def test_the_token_in_the_url_becomes_a_cookie_and_leaves_the_address_bar(anonymous: TestClient) -> None:
    response = anonymous.get(f"/g/3?part=q2.formula&token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/g/3?part=q2.formula"
    cookie = response.headers["set-cookie"]
    assert f"{cookie_name(None)}={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert anonymous.get("/g/3").status_code == 200


def test_other_host_names_are_refused(client: TestClient) -> None:
    # DNS rebinding: a page on another origin that resolves to 127.0.0.1 sends its own Host.
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_every_student_text_is_escaped(client: TestClient) -> None:
    page = client.get("/g/1")
    assert page.status_code == 200
    assert "<script>document.title" not in page.text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page.text
    assert "<em>s1</em>" not in page.text and "&lt;em&gt;s1&lt;/em&gt;" in page.text
    assert "<b>both</b>" not in page.text  # rubric text is escaped too
    queue = client.get("/")
    assert "<script>document" not in queue.text and "&lt;script&gt;" in queue.text
    assert "memory &lt;b&gt;assignment&lt;/b&gt;" in queue.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["cache-control"] == "no-store"


def test_the_page_shows_what_a_ta_needs(client: TestClient) -> None:
    page = client.get("/g/3").text
    for expected in ("q2.formula", "Bias correction", "undecided", "s4", "s5", "s6", "answers.yaml:3",
                     'data-key="1"', 'data-key="3"', "1/2", "2/2"):
        assert expected in page, expected
    assert 'id="prev"' in page and 'id="next"' not in page  # last of the default queue (q2's correct group is not in it)
    queue = client.get("/").text
    assert "/g/1" in queue and "/g/3" in queue and "/g/4" not in queue
    assert "/g/4" in client.get("/?status=all").text


def test_a_decision_needs_the_token_in_the_form_or_a_header(client: TestClient, store: MemoryStore) -> None:
    assert client.post("/g/3/decide", data={"fraction": "0.5"}).status_code == 403
    assert store.log == []
    response = client.post("/g/3/decide", data={"fraction": "0.5", "comment": " ok ", "token": TOKEN}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/g/3"
    response = client.post("/g/3/decide", data={"points": "2"}, headers={"X-Review-Token": TOKEN, "HX-Request": "true"})
    assert response.status_code == 200 and "saved 2/2 for 3 student(s)" in response.text
    assert store.log == [("3", None, 0.5, "ok", "ta"), ("3", None, 1.0, "", "ta")]


@pytest.mark.parametrize("field", [{"fraction": "1.5"}, {"fraction": "-0.1"}, {"fraction": "nan"}, {"points": "2.5"},
                                   {"points": "abc"}, {}])
def test_a_score_outside_the_part_is_refused(client: TestClient, store: MemoryStore, field: dict[str, str]) -> None:
    response = client.post("/g/3/decide", data={**field, "token": TOKEN})
    assert response.status_code == 400
    assert "between 0 and 2" in response.text
    assert store.log == []


def test_one_student_and_undo(client: TestClient, store: MemoryStore) -> None:
    assert client.post("/g/3/decide", data={"points": "1", "student": "k-nobody", "token": TOKEN}).status_code == 400
    page = client.post("/g/3/decide", data={"points": "1", "student": "k-s5", "comment": "<b>see me</b>", "token": TOKEN})
    assert page.status_code == 200
    assert "1 (own)" in page.text and "&lt;b&gt;see me&lt;/b&gt;" in page.text
    undone = client.post("/g/3/undo", data={"student": "k-s5"}, headers={"X-Review-Token": TOKEN, "HX-Request": "1"})
    assert "undone" in undone.text
    nothing = client.post("/g/3/undo", data={}, headers={"X-Review-Token": TOKEN, "HX-Request": "1"})
    assert "nothing to undo" in nothing.text
    assert [entry[1:3] for entry in store.log] == [("k-s5", 0.5), ("k-s5", None)]


def test_unknown_groups_and_parts(client: TestClient, store: MemoryStore) -> None:
    assert client.get("/g/999").status_code == 404
    assert client.get("/?part=nope").status_code == 404
    assert client.post("/g/999/decide", data={"fraction": "1", "token": TOKEN}).status_code == 404
    assert store.closed >= 3  # one store per request, always closed


def test_vendored_assets_are_served(client: TestClient) -> None:
    for path in ("/static/katex/katex.min.js", "/static/katex/katex.min.css", "/static/htmx/htmx.min.js",
                 "/static/review.js", "/static/katex/fonts/KaTeX_Main-Regular.woff2"):
        assert client.get(path).status_code == 200, path


def test_save_without_a_score_keeps_the_current_one(client: TestClient, store: MemoryStore) -> None:
    assert client.post("/g/3/decide", data={"save": "1", "comment": "x", "token": TOKEN}).status_code == 400
    client.post("/g/3/decide", data={"fraction": "0.5", "token": TOKEN})
    assert client.post("/g/3/decide", data={"save": "1", "comment": "better", "token": TOKEN}).status_code == 200
    assert store.log[-1] == ("3", None, 0.5, "better", "ta")


def test_the_queue_is_paginated() -> None:
    from dataclasses import replace

    base = sample_store()
    template = base.group("1")
    assert template is not None
    many = [replace(template, row=replace(template.row, group_id=str(index), answer=f"proof number {index}"))
            for index in range(1, 121)]
    store = MemoryStore(base.parts(), many)
    client = TestClient(create_app(lambda: store, token=TOKEN), base_url=BASE)
    first = client.get(f"/?token={TOKEN}").text
    assert "120 groups" in first and "page 1 of 3" in first and "page=2" in first
    assert first.count('class="group-row') == 50
    last = client.get("/?page=3").text
    assert last.count('class="group-row') == 20 and "page=2" in last and "page=4" not in last


def test_a_missing_browser_skips_outside_ci_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from review.test_browser import _unavailable

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        _unavailable("no chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI: no chromium"):
        _unavailable("no chromium")
