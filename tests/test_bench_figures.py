"""The benchmark's latency figures: each ballot is timed from its commit, never too late."""

from bench.live import Client, Commits, vote_latencies


def test_a_ballot_counts_as_committed_when_the_count_before_it_began():
    # Counts began at 0, 1, 2 and 3 s and saw 0, 2, 2 and 3 rows.
    commits = Commits(polls=[(0.0, 0), (1.0, 2), (2.0, 2), (3.0, 3)])
    # Ballots 1 and 2 were committed after the count at 0 s, ballot 3 after the one at 2 s.
    assert commits.times() == [0.0, 0.0, 2.0]


def test_a_client_has_a_ballot_once_its_turnout_includes_it():
    client = Client(0, None)
    client.turnout = [(1, 10.5), (3, 11.0)]  # saw "1 of ..." at 10.5 s, "3 of ..." at 11 s
    late = Client(1, None)
    late.turnout = [(3, 12.0)]
    found = vote_latencies([client, late], [10.0, 10.2, 10.4])
    assert [round(x, 3) for x in found] == [0.5, 0.8, 0.6, 2.0, 1.8, 1.6]


def test_a_client_that_never_saw_a_ballot_gives_no_figure_for_it():
    client = Client(0, None)
    client.turnout = [(1, 10.5)]
    assert vote_latencies([client], [10.0, 10.2]) == [0.5]


def vote_frame(inner: str, vote_id: str = "7") -> str:
    return (
        f'<section id="live-vote" data-open-vote="{vote_id}" class="card" data-seq="9">'
        f'<h2 id="vote-heading">Voting</h2>{inner}</section><div id="live-my-vote"></div>'
    )


def test_a_client_reads_the_turnout_and_the_result_from_the_vote_fragment():
    client = Client(0, None)
    client.read(vote_frame('<p class="turnout">1512 of 2000 have voted</p>'), 1.0)
    client.read(vote_frame('<p class="turnout">9 of 2000 have voted</p>'), 2.0)  # stale
    assert client.vote_id == "7" and client.turnout == [(1512, 1.0)]
    result = '<div class="result"><p>1999 of 2000 who could vote took part</p></div>'
    client.read(vote_frame(result, vote_id=""), 3.0)
    assert client.results == {"7": (3.0, 1999)}


def test_the_benchmark_runs_its_workers_with_the_production_units_flags_and_backlog():
    from bench.live import UNIT, production_flags
    from tests.servers import endpoint

    flags = production_flags()
    assert flags == ["--ping-interval", "20", "--ping-timeout", "30"] + [
        "--websocket_connect_timeout",
        "30",
    ]
    exec_start = next(x for x in UNIT.read_text().splitlines() if x.startswith("ExecStart="))
    # The unit listens as the test and benchmark workers do: the same backlog, its own port.
    assert f"-e {endpoint(8001).replace('8001', '%i')} " in exec_start


def test_a_client_never_retries_the_worker_it_just_lost():
    from bench.live import next_worker

    # Two workers: whichever dropped the client, the next try is the other, however often
    # it already moved (a client of A that had moved to B goes back to A when B dies).
    for index in range(4):
        for retry in range(4):
            assert next_worker(1, index, retry, 2) == 0
            assert next_worker(0, index, retry, 2) == 1
    # Three workers: never the one that failed, and the dropped clients spread over the rest.
    chosen = {next_worker(1, index, 0, 3) for index in range(10)}
    assert chosen == {0, 2}
    # One worker: nothing else to try.
    assert next_worker(0, 5, 3, 1) == 0


def test_a_dropped_socket_is_told_by_the_servers_close_code_or_its_absence():
    import struct

    from websockets.client import ClientProtocol
    from websockets.protocol import State
    from websockets.uri import parse_uri

    from bench.live import close_reason

    closed = ClientProtocol(parse_uri("ws://127.0.0.1/ws/"), state=State.OPEN)
    closed.receive_data(struct.pack("!BBH", 0x88, 2, 4012))  # the server's close frame
    assert close_reason(closed) == "4012"
    cut = ClientProtocol(parse_uri("ws://127.0.0.1/ws/"), state=State.OPEN)
    cut.receive_eof()  # the connection ended without one
    assert close_reason(cut) == "no close"


def test_percentiles_from_the_tally_are_those_of_the_sorted_samples():
    import random

    from bench.live import percentiles

    rng = random.Random(25)
    samples = [rng.choice([0.0123, 0.2]) if i % 7 == 0 else rng.random() for i in range(9999)]
    ordered = sorted(samples)

    def at(q):
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    found = percentiles(samples)
    assert found["n"] == len(samples)
    assert (found["p50_ms"], found["p95_ms"], found["p99_ms"]) == (at(0.5), at(0.95), at(0.99))
    assert found["max_ms"] == round(1000 * ordered[-1], 1)
    assert percentiles([]) == {"n": 0}
