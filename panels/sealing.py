"""Sealed boxes: anonymous answers that no copy of the database links to a person.

A secret ballot, or an answer promised anonymous (the pulse), is written in the same
transaction as the row that says who took part: that is what makes "once per person" a
database rule. But every row a transaction writes carries its id (PostgreSQL's `xmin`)
and lands after the rows written before it, so a row of its own for each answer would be
linked to its author in any dump (by `xmin`, by row order), whatever ids or columns it had.

So the answers to one question are kept together in one row, its box: a multiset (each
distinct answer with its count, in sorted order), rewritten whole by each answer. A dump
shows one row whose last writer was the last person to answer; its contents follow from
the answers alone, never from their order, so it tells nothing of what anyone answered
beyond the totals (`tests/voting/test_dump_secrecy.py` attacks it).

The box is also sealed: AES-GCM with a key derived from SECRET_KEY, padded to whole
blocks of `BLOCK` bytes. Without that, two nightly backups of a round that runs for days
would show, in the difference between their totals, what the few who answered in between
said; and the interim totals themselves are nobody's business before the close. A copy of
the database without the key shows who answered, never what. What lies below a dump
(dead row versions, the WAL), and what a holder of the key can learn from those, is in
docs/security.md; `vacuum` shortens it.

The key follows SECRET_KEY: a box sealed before a key rotation opens with
SECRET_KEY_FALLBACKS, and `renew` (each scheduled run of close_due_votes) seals it again
with the new key, after which the old key can go.
"""

import hashlib
import hmac
import json
import os
from collections import Counter
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, models, transaction

VERSION = b"\x01"
NONCE_BYTES = 12
# Sealed contents are padded to whole blocks, so a box's size changes rarely and says
# little about what was added between two copies.
BLOCK = 4096


class BoxUnreadable(Exception):
    """The box was sealed with a key this server no longer has (or it was tampered with)."""


def _keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    return [
        hmac.new(secret.encode(), b"knoppen:sealed-box:v1", hashlib.sha256).digest()
        for secret in secrets
    ]


def seal(contents: dict[str, dict[str, int]], context: str) -> bytes:
    """The contents as sealed bytes, bound to `context` (which box of which question)."""
    plain = json.dumps(contents, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data = plain.encode()
    data += b" " * (-len(data) % BLOCK)  # JSON ignores trailing whitespace
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(_keys()[0]).encrypt(nonce, data, context.encode())


def _open(sealed: bytes, context: str, keys: list[bytes]) -> dict[str, dict[str, int]]:
    sealed = bytes(sealed)
    if sealed[:1] != VERSION:
        raise BoxUnreadable(context)
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    for key in keys:
        try:
            data = AESGCM(key).decrypt(nonce, body, context.encode())
        except InvalidTag:
            continue
        return json.loads(data)
    raise BoxUnreadable(context)


def unseal(sealed: bytes, context: str) -> dict[str, dict[str, int]]:
    return _open(sealed, context, _keys())


def canonical(item: Any) -> str:
    """One answer as text: equal answers are equal text, whatever the order of their keys."""
    return json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _context(model: type[models.Model], owner_id: int) -> str:
    return f"{model._meta.label_lower}:{owner_id}"


def put(model: type[models.Model], owner_id: int, **entries: Any) -> None:
    """Add one answer to each named multiset of a box (made if need be).

    Call it last in the transaction that records who answered: the box's row is locked
    from here until the commit, so answers to one question go in one at a time.
    """
    context = _context(model, owner_id)
    model.objects.bulk_create([model(pk=owner_id, sealed=seal({}, context))], ignore_conflicts=True)
    box = model.objects.select_for_update().get(pk=owner_id)
    contents = unseal(box.sealed, context)
    for name, item in entries.items():
        counts = contents.setdefault(name, {})
        key = canonical(item)
        counts[key] = counts.get(key, 0) + 1
    box.sealed = seal(contents, context)
    box.save(update_fields=["sealed"])


def reseal(model: type[models.Model], owner_id: int) -> None:
    """Write the box anew with the same contents (at a close: its last writer is then the
    close, not the last person who answered)."""
    box = model.objects.select_for_update().filter(pk=owner_id).first()
    if box is not None:
        context = _context(model, owner_id)
        box.sealed = seal(unseal(box.sealed, context), context)
        box.save(update_fields=["sealed"])


def renew(*boxes: type[models.Model]) -> int:
    """Seal again with the current key every box that only an old key (SECRET_KEY_FALLBACKS)
    opens; returns how many. Once none is left, the old key can be dropped."""
    current = _keys()[:1]
    renewed = 0
    for model in boxes:
        for pk, sealed in model.objects.values_list("pk", "sealed").iterator():
            try:
                _open(sealed, _context(model, pk), current)
            except BoxUnreadable:
                with transaction.atomic():
                    reseal(model, pk)
                renewed += 1
    return renewed


def _expand(contents: dict[str, dict[str, int]]) -> dict[str, list]:
    return {
        name: [json.loads(key) for key in sorted(counts) for _ in range(counts[key])]
        for name, counts in contents.items()
    }


def read(model: type[models.Model], owner_id: int) -> dict[str, list]:
    """Each named multiset of a box as a list of answers, in sorted order ({} if empty)."""
    return read_many(model, [owner_id]).get(owner_id, {})


def read_many(model: type[models.Model], owner_ids: Iterable[int]) -> dict[int, dict[str, list]]:
    boxes = model.objects.filter(pk__in=list(owner_ids)).values_list("pk", "sealed")
    return {pk: _expand(unseal(sealed, _context(model, pk))) for pk, sealed in boxes}


def counted(items: Iterable[Any]) -> Counter:
    """How often each answer occurs (answers as canonical text)."""
    return Counter(canonical(item) for item in items)


def vacuum(*boxes: type[models.Model]) -> None:
    """Remove the dead row versions of these boxes' tables (PostgreSQL).

    Every write of a box leaves the previous version behind, sealed, until a vacuum: with
    the key and the files, the versions in a row would show each answer as it came in.
    Only outside a transaction (VACUUM cannot run inside one); a no-op elsewhere.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(box._meta.db_table) for box in boxes)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {tables}")
