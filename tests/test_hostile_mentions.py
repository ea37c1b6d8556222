"""Hostile input to the mention detector: on any text, mention offsets point exactly at
the words found, in order and inside the text."""

from __future__ import annotations

from hypothesis import given, settings

from crawler.text.mentions import default_detector
from tests.hostile import texts


@settings(max_examples=300, deadline=None)
@given(title=texts, body=texts)
def test_mention_offsets_point_at_the_words(title: str, body: str) -> None:
    detector = default_detector()
    for text in (title, body):
        found = detector.find(text)
        ends = 0
        for mention in found:
            assert ends <= mention.start < mention.end <= len(text)
            assert text[mention.start : mention.end] == mention.text
            ends = mention.end
    for mention in detector.find_in_article(title, body):
        text = title if mention.field == "title" else body
        assert text[mention.start : mention.end] == mention.text
