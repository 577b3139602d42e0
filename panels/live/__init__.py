"""The live engine: how a meeting's page stays current on every screen.

- `changes`: the one way a service says the live page changed (a notice after commit);
- `fragments`: the parts of the live page, who sees which, and how they are rendered;
- `relay`: per worker, renders what changed for its own sockets and writes it to them;
- `consumers`, `routing`: the sockets; `wire`: writing a finished frame to many sockets;
- `presence`: who is in the meeting, across tabs and workers; `layers`: the Redis layer.

The apps above (voting, agreements) add fragments in their AppConfig.ready(); the live
engine never imports them.
"""
