"""Sealed boxes (panels/sealing.py): answers kept as one sealed multiset per question."""

import io

import pytest
from django.core.management import call_command

from panels import meetings, sealing
from panels.models import PulseBox

pytestmark = pytest.mark.django_db


def test_a_box_holds_its_answers_in_an_order_of_their_own(meeting):
    for answer in ([4, "b"], [2, "a"], [4, "b"], [5, ""]):
        sealing.put(PulseBox, meeting.pk, answers=answer)

    assert sealing.read(PulseBox, meeting.pk) == {
        "answers": [[2, "a"], [4, "b"], [4, "b"], [5, ""]]
    }


def test_the_same_answers_in_another_order_make_the_same_box(meeting, alice):
    other = meetings.create_meeting(
        alice, title="Tweede", starts_at=meeting.starts_at, notify=False
    )
    answers = [[1, "x"], [3, ""], [1, "x"], [5, "y"]]
    for answer in answers:
        sealing.put(PulseBox, meeting.pk, answers=answer)
    for answer in reversed(answers):
        sealing.put(PulseBox, other.pk, answers=answer)

    assert sealing.read(PulseBox, meeting.pk) == sealing.read(PulseBox, other.pk)


def test_nothing_of_the_answers_shows_in_the_sealed_bytes(meeting):
    sealing.put(PulseBox, meeting.pk, answers=[3, "Mijn buurman praat te veel"])

    sealed = bytes(PulseBox.objects.get(pk=meeting.pk).sealed)

    assert b"buurman" not in sealed and b"answers" not in sealed
    assert len(sealed) == 1 + sealing.NONCE_BYTES + sealing.BLOCK + 16


def test_a_box_opens_only_as_the_box_it_was_sealed_for():
    sealed = sealing.seal({"answers": {'[1,""]': 1}}, "panels.pulsebox:1")

    assert sealing.unseal(sealed, "panels.pulsebox:1") == {"answers": {'[1,""]': 1}}
    with pytest.raises(sealing.BoxUnreadable):
        sealing.unseal(sealed, "panels.pulsebox:2")  # copied onto another meeting
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(sealing.BoxUnreadable):
        sealing.unseal(tampered, "panels.pulsebox:1")


def test_after_the_key_changes_boxes_open_with_the_old_key_until_sealed_again(meeting, settings):
    old = settings.SECRET_KEY
    sealing.put(PulseBox, meeting.pk, answers=[4, "oud"])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "n" * 50, []
    with pytest.raises(sealing.BoxUnreadable):
        sealing.read(PulseBox, meeting.pk)

    settings.SECRET_KEY_FALLBACKS = [old]
    assert sealing.read(PulseBox, meeting.pk) == {"answers": [[4, "oud"]]}
    output = io.StringIO()
    call_command("close_due_votes", "--remind-hours", "0", stdout=output)
    assert "sealed again with the current key: 1 boxes" in output.getvalue()

    settings.SECRET_KEY_FALLBACKS = []
    assert sealing.read(PulseBox, meeting.pk) == {"answers": [[4, "oud"]]}
    assert sealing.renew(PulseBox) == 0
