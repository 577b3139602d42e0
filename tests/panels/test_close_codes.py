"""The server closes live sockets only with codes a server may send, and the page knows
what each means.

daphne (autobahn) refuses any close code from a server but 1000 and 3000-4999, and the
consumer then dies without cleaning up; Channels' test communicator accepts anything, so
only a real server shows it (tests/panels/test_close_paths.py). These checks are the
cheap first line: every code is named in one place, and static/js/live.js does for each
what the server means by it.
"""

import ast
import asyncio
import re

import pytest

from panels.live import consumers
from panels.live.consumers import AFTER, Close
from tests.servers import ROOT

LIVE_JS = ROOT / "static" / "js" / "live.js"


def test_every_close_code_is_one_a_server_may_send_and_ours_are_private_ones():
    for code in Close:
        assert code == 1000 or 4000 <= code <= 4999, code


def test_the_consumers_close_only_with_a_named_code():
    tree = ast.parse((ROOT / "panels" / "live" / "consumers.py").read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "close"
    ]
    assert len(calls) >= 6  # refusal, meeting end (twice), floods, junk, role, access
    for call in calls:
        codes = call.args[:1] + [k.value for k in call.keywords if k.arg == "code"]
        for code in codes:
            named = (
                isinstance(code, ast.Attribute)
                and isinstance(code.value, ast.Name)
                and code.value.id == "Close"
            )
            plain = isinstance(code, ast.Name) and code.id == "code"  # passed on, checked
            assert named or plain, f"line {call.lineno}: close with {ast.unparse(code)}"


def test_a_code_a_server_may_not_send_is_refused_before_it_reaches_daphne():
    consumer = consumers.MeetingConsumer()
    for code in (1008, 1011, 1012, 4999):
        with pytest.raises(ValueError):
            asyncio.run(consumer.close(code))


def test_the_page_does_for_each_code_what_the_server_means():
    table = re.search(r"var AFTER = \{(.*?)\};", LIVE_JS.read_text(), re.S)
    assert table, "live.js has no AFTER table"
    in_js = {int(code): then for code, then in re.findall(r'(\d+): "(\w+)"', table.group(1))}

    assert set(AFTER) == set(Close)
    assert in_js == {int(code): then for code, then in AFTER.items()}
