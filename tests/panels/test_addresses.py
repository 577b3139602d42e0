"""The client's address is the one the trusted proxy saw; nothing the client writes in
X-Forwarded-For is believed, and a missing or garbled header never falls back to it."""

import pytest
from django.test import RequestFactory, override_settings

from panels.addresses import client_address, request_address, socket_address

PROXY = "10.0.0.2"  # where the proxy connects to the worker from
CLIENT = "198.51.100.7"
FORGED = "203.0.113.9"


def test_without_a_trusted_proxy_the_connection_is_the_client():
    assert client_address(CLIENT, f"{FORGED}", trusted=0) == CLIENT


def test_behind_one_proxy_the_last_entry_is_the_client():
    assert client_address(PROXY, CLIENT, trusted=1) == CLIENT


def test_entries_the_client_wrote_itself_are_ignored():
    """nginx's $proxy_add_x_forwarded_for appends to whatever the client sent."""
    forwarded = f"{FORGED}, 192.0.2.44,{FORGED} , {CLIENT}"

    assert client_address(PROXY, forwarded, trusted=1) == CLIENT


def test_behind_two_proxies_the_outer_one_saw_the_client():
    outer_proxy = "10.0.0.1"  # the outer proxy, as the inner one saw it

    assert client_address(PROXY, f"{FORGED}, {CLIENT}, {outer_proxy}", trusted=2) == CLIENT


@pytest.mark.parametrize(
    "forwarded",
    [
        None,  # came in around the proxy
        "",
        "   ",
        "not-an-address",
        f"{FORGED}, not-an-address",  # the client's entry is never the fallback
        f"{FORGED}, ",
        f"{FORGED}, 999.1.1.1",
        f"{FORGED}, {CLIENT}\x00",
    ],
)
def test_a_missing_or_garbled_header_falls_back_to_the_connection(forwarded):
    assert client_address(PROXY, forwarded, trusted=1) == PROXY


def test_a_header_shorter_than_the_proxies_falls_back_to_the_connection():
    assert client_address(PROXY, CLIENT, trusted=2) == PROXY


def test_nothing_known_is_an_empty_address():
    assert client_address("", None, trusted=1) == ""
    assert client_address("/run/knoppen.sock", None, trusted=0) == ""


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("[2001:db8::1]:4433", "2001:db8::1"),
        ("198.51.100.7:50123", CLIENT),
        (" 198.51.100.7 ", CLIENT),
    ],
)
def test_addresses_are_written_one_way(written, address):
    assert client_address(PROXY, f"{FORGED}, {written}", trusted=1) == address


@override_settings(TRUSTED_PROXIES=1)
def test_a_request_is_read_with_the_setting():
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{FORGED}, {CLIENT}"
    )

    assert request_address(request) == CLIENT


@override_settings(TRUSTED_PROXIES=0)
def test_a_request_without_a_trusted_proxy_ignores_the_header():
    request = RequestFactory().get("/", REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR=FORGED)

    assert request_address(request) == CLIENT


@override_settings(TRUSTED_PROXIES=1)
def test_a_socket_reads_its_scope_the_same_way():
    scope = {
        "client": [PROXY, 50123],
        "headers": [
            (b"x-forwarded-for", FORGED.encode()),
            (b"X-Forwarded-For", f"192.0.2.44, {CLIENT}".encode()),
        ],
    }

    assert socket_address(scope) == CLIENT
    assert socket_address({"client": [PROXY, 1], "headers": []}) == PROXY
    assert socket_address({"client": None, "headers": []}) == ""
