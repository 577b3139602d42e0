"""People's words set apart from ours in plain text, where no markup can do it.

A right-to-left override (U+202E) in a name turns round everything after it, up to the
end of the line: "Bob has the floor" would read backwards after Bob's name. In HTML a
`<bdi>` element or `dir="auto"` isolates such text (the `bdi` template filter); in plain
text (an email, a subject line, the window title, a message formed in Python) Unicode's
own isolate does: FSI before, PDI after.
"""

_OPEN_ISOLATES = "\u2066\u2067\u2068"  # LRI, RLI, FSI
_FSI, _PDI = "\u2068", "\u2069"


def isolate(value) -> str:
    """`value` between FSI and PDI. A PDI of its own that would end the isolate early is
    dropped, and isolates it opened are closed before ours."""
    kept, depth = [], 0
    for char in str(value):
        if char in _OPEN_ISOLATES:
            depth += 1
        elif char == _PDI:
            if not depth:
                continue
            depth -= 1
        kept.append(char)
    return _FSI + "".join(kept) + _PDI * (depth + 1)
