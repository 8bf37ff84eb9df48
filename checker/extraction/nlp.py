"""Assertion status of findings with medspaCy's ConText, using only the project's own modifier rules.

spaCy and medspaCy are imported when the first text is analysed, so commands that read no text do not
pay for them. Sentence boundaries come from the extractor (they must match the ones it filtered), and
findings may overlap, so they are passed as a span group rather than as entities.
"""
from __future__ import annotations

import logging
import re
import warnings
from typing import Iterable, Optional

from checker.extraction.patterns import ModifierModel

GROUP = "targets"
_SPACES = re.compile(r"\s+")  # the same characters as str.isspace


MAX_DOC = 25_000_000  # characters: more than the largest letter the readers accept (20 MB)


class Assertions:
    """ConText over a text with given sentences and target spans, returning each target's categories."""

    def __init__(self, modifiers: Iterable[ModifierModel]):
        self._modifiers = tuple(modifiers)
        self._nlp = None
        # what a sentence must hold for ConText to give any of its targets a category: one of the
        # phrases of a modifier that has a category (a terminating or pseudo one only limits the others),
        # compared lower-cased and without white space (see `_may_modify`)
        self._phrases = tuple(sorted({"".join(m.literal.lower().split()) for m in self._modifiers
                                      if m.direction not in ("TERMINATE", "PSEUDO")}))
        # the categories found in the last text, by (sentence, target): the items of one letter share
        # its summary, and ConText never looks across a sentence, so a target's answer is reused
        self._memo_text: Optional[str] = None
        self._memo: dict[tuple[tuple[int, int], tuple[int, int]], frozenset[str]] = {}

    def _pipeline(self):
        if self._nlp is None:
            # medspaCy pulls in loguru-based components that log document text at DEBUG level;
            # nothing of ours enables them, and no patient text may reach a log
            logging.getLogger("medspacy").setLevel(logging.WARNING)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # spaCy's CLI imports an old click API
                import spacy
                from medspacy.context import ConTextRule

            nlp = spacy.blank("en")
            nlp.max_length = MAX_DOC  # a blank pipeline only tokenises: spaCy's default guard is for parsers
            context = nlp.add_pipe("medspacy_context", config={
                "rules": None, "input_span_type": "group", "span_group_name": GROUP})
            context.add([
                ConTextRule(m.literal, m.category, direction=m.direction, max_scope=m.max_scope)
                for m in self._modifiers
            ])
            self._nlp = nlp
        return self._nlp

    def categories(self, text: str, targets: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[frozenset[str]]:
        """For each target, given as (its sentence, its own span) in `text`, the set of modifier
        categories that apply to it.

        Only the sentences that hold a target are analysed: they are joined into one document (a
        blank line between them) so that tokenising and ConText run once, on as little text as
        possible; ConText never looks across a sentence boundary.
        """
        if not targets:
            return []
        if self._memo_text is not text:
            self._memo_text, self._memo = text, {}
        missing = [t for t in dict.fromkeys(targets) if t not in self._memo]
        if missing:
            self._memo.update(zip(missing, self._analyse(text, missing)))
        return [self._memo[t] for t in targets]

    def _may_modify(self, sentence: str) -> bool:
        """False only when no modifier with a category can match in `sentence`. ConText matches a phrase
        token by token on lower-cased tokens, and tokens hold no white space, so a phrase it finds is,
        without white space, a substring of the sentence lower-cased without white space. That holds
        for ASCII text; any other text is always analysed."""
        if not sentence.isascii():
            return True
        bare = "".join(sentence.lower().split())
        return any(map(bare.__contains__, self._phrases))

    def _analyse(self, text: str, targets: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[frozenset[str]]:
        # a sentence without a modifier phrase gives its targets no category: spaCy is not run on it
        plain = {sentence for sentence in {sentence for sentence, _ in targets}
                 if not self._may_modify(text[sentence[0]:sentence[1]])}
        if not plain:
            return self._context(text, targets)
        rest = [t for t in targets if t[0] not in plain]
        found = dict(zip(rest, self._context(text, rest))) if rest else {}
        return [found.get(t, frozenset()) for t in targets]

    def _context(self, text: str, targets: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[frozenset[str]]:
        """ConText's categories for each target, its sentences joined into one document."""
        used = sorted({sentence for sentence, _ in targets})
        pieces, maps, offsets, position = [], {}, {}, 0
        for s, e in used:
            # letters break lines and double spaces anywhere; ConText phrases ("ruled it out") must
            # match across them, so white space runs become one space (positions are mapped back)
            flat, where = _flatten(text[s:e])
            offsets[(s, e)] = position
            maps[(s, e)] = where
            pieces.append(flat)
            position += len(flat) + 2
        joined = "\n\n".join(pieces)
        nlp = self._pipeline()
        doc = nlp.make_doc(joined)
        _mark_sentences(doc, sorted(offsets.values()))
        spans = []
        for key, t in targets:
            if not key[0] <= t[0] <= t[1] <= key[1]:
                spans.append(None)  # a target outside its sentence has no context to judge (never guessed)
                continue
            where, base = maps[key], offsets[key]
            spans.append(doc.char_span(base + where[t[0] - key[0]], base + where[t[1] - key[0]], alignment_mode="expand"))
        doc.spans[GROUP] = [s for s in spans if s is not None]
        with warnings.catch_warnings():
            # W036: medspaCy's internal matcher for a modifier kind without phrases; harmless
            warnings.filterwarnings("ignore", message=r".*\[W036\]")
            nlp.get_pipe("medspacy_context")(doc)
        found = {(s.start_char, s.end_char): frozenset(m.category for m in s._.modifiers) for s in doc.spans[GROUP]}
        return [found.get((span.start_char, span.end_char), frozenset()) if span is not None else frozenset()
                for span in spans]


def _flatten(text: str) -> tuple[str, list[int]]:
    """`text` with each run of white space as one space, and for every original offset (and the end)
    its offset in the flattened text (built run by run: a loop per character cost 6% of a letter)."""
    out: list[str] = []
    where: list[int] = []
    pos = flat = 0
    for m in _SPACES.finditer(text):
        a, b = m.span()
        where.extend(range(flat, flat + a - pos))
        out.append(text[pos:a])
        flat += a - pos
        where.append(flat)
        where.extend([flat + 1] * (b - a - 1))
        out.append(" ")
        flat += 1
        pos = b
    where.extend(range(flat, flat + len(text) - pos))
    out.append(text[pos:])
    where.append(flat + len(text) - pos)
    return "".join(out), where


def _mark_sentences(doc, starts: list[int]) -> None:
    """Mark the first token at or after each sentence start offset (the rest stay unmarked)."""
    for offset in starts:
        span = doc.char_span(offset, offset + 1, alignment_mode="expand")
        if span is not None:
            span[0].is_sent_start = True
    # spaCy counts boundaries as set only when some token other than the first carries a value
    if len(doc) > 1 and doc[1].is_sent_start is None:
        doc[1].is_sent_start = False
