"""Where the fuzzer's choices come from: Hypothesis (shrinkable, for the test suite) or `random.Random` (fast and
reproducible from a seed, for the live benchmark run).

The generators in `tests.fuzz.generate` are written once against `Chooser`; the two implementations below
feed them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

# Characters that break parsers: controls, separators, quotes, percent signs, surrogate-escaped raw bytes,
# non-ASCII digits ("²", "٣"), full-width and combining characters, and the astral plane.
ODD_CHARACTERS = "\x00\x01\t\n\r \"#%&'()*+,-./:;<=>?@[\\]^_`{|}~\x7f\x80\xa0\xb2\xff٣\u2028\ufeff\uffff\udcff😀"
_ODD_ALPHABET = st.one_of(
    st.sampled_from(list(ODD_CHARACTERS)),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(),
)


class Draw(Protocol):
    """Hypothesis's `data.draw`."""

    def __call__(self, strategy: st.SearchStrategy[T]) -> T: ...


class Chooser(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, low: int, high: int) -> int: ...

    def chance(self, probability: float) -> bool: ...

    def text(self, max_size: int) -> str: ...

    def binary(self, max_size: int) -> bytes: ...


class RandomChooser:
    """Choices from one `random.Random`: the same seed gives the same requests."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def text(self, max_size: int) -> str:
        size = self.rng.randint(0, max_size)
        rng = self.rng
        out = []
        for _ in range(size):
            roll = rng.random()
            if roll < 0.3:
                out.append(ODD_CHARACTERS[rng.randrange(len(ODD_CHARACTERS))])
            elif roll < 0.9:
                out.append(chr(rng.randint(0x20, 0x7E)))
            else:
                code = rng.randint(0x80, 0x10FFFF)
                out.append(chr(code))
        return "".join(out)

    def binary(self, max_size: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, max_size))


class DrawChooser:
    """Choices drawn from Hypothesis strategies, so that a failing example shrinks."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def chance(self, probability: float) -> bool:
        # Hypothesis shrinks booleans toward False, so rare branches shrink away first.
        return self.draw(st.integers(0, 999)) < probability * 1000

    def text(self, max_size: int) -> str:
        return self.draw(st.text(_ODD_ALPHABET, max_size=max_size))

    def binary(self, max_size: int) -> bytes:
        return self.draw(st.binary(max_size=max_size))
