"""What an operator relies on: `/healthz` says whether a worker can serve, and every
request leaves one log line with an id and its time, naming no secret and nobody."""

import json
import logging
import socket

import pytest
from django.test import Client
from django.urls import reverse

from config import health, requestlog
from panels import ics

pytestmark = pytest.mark.django_db


def test_a_healthy_worker_says_so_without_a_login_and_without_personal_data(bob, settings):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok" if settings.REDIS_URL else "not used",  # (a real one in CI)
        "migrations": "ok",
    }
    assert "no-cache" in response["Cache-Control"]
    assert bob.user.email not in response.content.decode()


def test_a_database_that_does_not_answer_makes_it_unhealthy(monkeypatch):
    def down() -> str:
        raise ConnectionError("the database went away")

    monkeypatch.setitem(health.CHECKS, "database", down)

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "failed: ConnectionError"
    assert "went away" not in response.content.decode()  # no detail to the outside


def test_a_redis_that_does_not_answer_makes_it_unhealthy(settings, monkeypatch):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setattr(health, "_redis", None)

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["redis"].startswith("failed:")
    monkeypatch.setattr(health, "_redis", None)


def test_a_migration_not_applied_makes_it_unhealthy(monkeypatch):
    class Pending:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})

        def migration_plan(self, targets):
            return [("panels", "9999_pending")]

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(health, "MigrationExecutor", Pending)

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["migrations"] == "1 not applied"
    monkeypatch.setattr(health, "_migrated", False)


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


# --- one line per request ---------------------------------------------------------------------


def test_each_request_leaves_one_line_with_its_id_route_and_time(client_for, bob, caplog):
    client = client_for(bob)
    with caplog.at_level(logging.INFO, logger="knoppen.requests"):
        response = client.get(reverse("panels:account"), HTTP_X_REQUEST_ID="nginx-4f2a9c01")

    (line,) = [r for r in caplog.records if r.name == "knoppen.requests"]
    assert response["X-Request-ID"] == "nginx-4f2a9c01" == line.request_id
    assert (line.method, line.route, line.status) == ("GET", "/account/", 200)
    assert line.duration_ms >= 0


@pytest.mark.parametrize(
    "offered", ["", "x", "a b c d e f g h", "<script>alert(1)</script>", "é" * 20]
)
def test_an_implausible_request_id_is_replaced(client, caplog, offered):
    with caplog.at_level(logging.INFO, logger="knoppen.requests"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=offered)

    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 16


def test_the_line_names_the_pattern_never_the_secret_in_the_address(bob, caplog):
    ics.renew_feed_address(bob.user)
    url = reverse("panels:calendar_feed", args=[bob.user.calendar_token])
    with caplog.at_level(logging.INFO, logger="knoppen.requests"):
        Client().get(url + "?email=bob@example.org")

    (line,) = [r for r in caplog.records if r.name == "knoppen.requests"]
    written = requestlog.JsonFormatter().format(line) + line.getMessage()
    assert bob.user.calendar_token not in written and "bob@example.org" not in written
    assert line.route == "/calendar/<str:token>.ics"


def test_json_lines_are_json_with_the_request_s_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="knoppen.requests"):
        client.get("/healthz")
    (record,) = [r for r in caplog.records if r.name == "knoppen.requests"]

    line = json.loads(requestlog.JsonFormatter().format(record))

    assert line["level"] == "INFO" and line["logger"] == "knoppen.requests"
    assert line["route"] == "/healthz" and line["status"] == 200
    assert set(requestlog.FIELDS) <= set(line)
    other = logging.LogRecord("x", logging.WARNING, __file__, 1, "plain %s", ("text",), None)
    assert json.loads(requestlog.JsonFormatter().format(other))["message"] == "plain text"
