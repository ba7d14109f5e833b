"""SpokenDigits: digit strings of 3-7 digits spoken as words ("three one four"), synthesized with espeak-ng
across English accents and voice variants, 16 kHz mono, split by voice variant so that the validation and
test voices are never heard in training.

Each utterance draws, from a generator seeded by (seed, split): the digits, an accent from `ACCENTS`, a
variant from its split's list, a speed in [130, 190] words per minute and a pitch in [30, 70]; with
`noise_snr_db` = (lo, hi), white noise at an SNR drawn from that range is added before peak normalisation.
With `sentences` = p > 0, each utterance is instead, with probability p, a short sentence of 4-7 words
("a quiet dog finds the old key"; `short_sentence`), drawn from the same generator (with p = 0 the draws,
and so the sets, are those of a digits-only set).
The set is made once and cached as 16-bit WAV files and a manifest (tab-separated: file, text, voice,
speed, pitch) under ``$MYTORCH_HOME/speech/spoken-digits-v2/<seed, size, noise[, sentences]>/<split>/``; later
runs read the cache. The same arguments give the same files on any machine with the same espeak-ng.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

from .. import _dtype as D
from .._tensor import Tensor
from ..audio import load, save
from ..datasets.utils import cache_dir
from ..ops.random import Generator, randn
from ..utils.data import Dataset
from .espeak import SAMPLE_RATE, synthesize

__all__ = ["SpokenDigits", "ACCENTS", "VARIANTS", "DIGIT_WORDS", "digit_transcripts", "short_sentence"]

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
           "en-us-nyc")
# espeak-ng's voice variants, each in exactly one split: the held-out voices differ in sex, age and timbre.
# Training hears every other variant espeak-ng 1.51 ships: the more voices a model hears, the better it
# copes with one it has not heard (with the 32 variants of v1 the test CER was 7.9%)
VARIANTS = {
    "train": ("adam", "Alex", "Alicia", "Andrea", "Andy", "anika", "anikaRobot", "Annie", "announcer", "antonio",
              "AnxiousAndy", "aunty", "belinda", "boris", "caleb", "croak", "david", "Demonic", "Denis", "Diogo",
              "edward", "edward2", "f1", "f3", "f5", "fast", "Gene", "Gene2", "grandpa", "gustave", "Henrique",
              "Hugo", "iven", "iven2", "iven3", "iven4", "Jacky", "john", "klatt", "klatt3", "klatt4", "klatt5",
              "klatt6", "Lee", "linda", "m1", "m2", "m4", "m5", "m6", "m8", "marcelo", "Marco", "Mario", "max",
              "Michael", "michel", "miguel", "Mike", "Mr serious", "Nguyen", "norbert", "pablo", "paul", "pedro",
              "quincy", "RicishayMax", "RicishayMax2", "RicishayMax3", "robert", "robosoft", "robosoft2",
              "robosoft3", "robosoft4", "robosoft5", "robosoft6", "robosoft7", "robosoft8", "sandro", "shelby",
              "steph", "steph2", "steph3", "Storm", "travis", "Tweaky", "UniRobot", "victor", "whisper", "whisperf",
              "zac"),
    "validation": ("m7", "f4", "ed", "rob"),
    "test": ("m3", "f2", "grandma", "klatt2", "kaukovalta", "benjamin"),
}
DEFAULT_SIZES = {"train": 2000, "validation": 200, "test": 200}


def _digit_string(rng: random.Random) -> str:
    """3-7 uniformly random digits as words: "three one four"."""
    return " ".join(DIGIT_WORDS[rng.randrange(10)] for _ in range(rng.randint(3, 7)))


# the words of the short sentences: determiner, adjective?, noun, verb, determiner, adjective?, noun
_DETERMINERS = ("the", "a", "my", "your", "this", "that")
_ADJECTIVES = ("red", "green", "small", "big", "old", "new", "quiet", "bright", "cold", "warm")
_NOUNS = ("cat", "dog", "boat", "house", "river", "garden", "window", "letter", "key", "train", "bird", "table")
_VERBS = ("sees", "finds", "likes", "moves", "opens", "follows", "paints", "carries")


def short_sentence(rng: random.Random) -> str:
    """A sentence of 4-7 words: "the dog opens a green window" (each adjective present with probability 1/2)."""
    def phrase() -> list[str]:
        adjective = [rng.choice(_ADJECTIVES)] if rng.random() < 0.5 else []
        return [rng.choice(_DETERMINERS), *adjective, rng.choice(_NOUNS)]
    return " ".join([*phrase(), rng.choice(_VERBS), *phrase()])


def _utterance(rng: random.Random, split: str, sentences: float = 0.0) -> tuple[str, str, int, int]:
    """(text, voice, speed, pitch) of one utterance; a short sentence with probability `sentences`."""
    text = short_sentence(rng) if sentences and rng.random() < sentences else _digit_string(rng)
    voice = f"{rng.choice(ACCENTS)}+{rng.choice(VARIANTS[split])}"
    return text, voice, rng.randint(130, 190), rng.randint(30, 70)


def digit_transcripts(count: int, seed: int = 0, split: str = "train") -> str:
    """`count` transcripts like SpokenDigits' (3-7 digit words), one per line, from a generator of their own:
    the text a character LM for shallow fusion trains on (no audio is made)."""
    rng = random.Random(f"digits-text/{seed}/{split}")
    return "".join(_digit_string(rng) + "\n" for _ in range(count))


def _with_noise(waveform: Tensor, snr_db: float, seed: int) -> Tensor:
    """waveform + white noise of power P_signal / 10^(snr/10)."""
    noise = randn(*waveform.shape, generator=Generator().manual_seed(seed))
    scale = (waveform.pow(2).mean() / 10 ** (snr_db / 10)).sqrt()
    return waveform + noise * scale


class SpokenDigits(Dataset):
    """(waveform (1, time) float32 at 16 kHz, transcript) pairs of spoken digit strings, and of short sentences
    with `sentences` > 0 (module docstring)."""

    sample_rate = SAMPLE_RATE

    def __init__(self, split: str = "train", size: int | None = None, seed: int = 0,
                 noise_snr_db: tuple[float, float] | None = None, root: str | os.PathLike | None = None,
                 sentences: float = 0.0) -> None:
        if split not in VARIANTS:
            raise ValueError(f"SpokenDigits: split must be one of {sorted(VARIANTS)}, got {split!r}")
        if not 0.0 <= sentences <= 1.0:
            raise ValueError(f"SpokenDigits: sentences is the fraction of sentence utterances, in [0, 1], got "
                             f"{sentences}")
        self.split, self.size = split, DEFAULT_SIZES[split] if size is None else size
        noise = "clean" if noise_snr_db is None else f"snr{noise_snr_db[0]:g}-{noise_snr_db[1]:g}"
        mix = f"-sentences{sentences:g}" if sentences else ""  # digits-only sets keep their folder names
        base = Path(root) if root is not None else cache_dir("speech", "spoken-digits-v2")
        self.folder = base / f"seed{seed}-n{self.size}-{noise}{mix}" / split
        manifest = self.folder / "manifest.tsv"
        if not manifest.exists():
            self._generate(seed, noise_snr_db, sentences, manifest)
        rows = [line.split("\t") for line in manifest.read_text().splitlines()]
        self.files = [self.folder / r[0] for r in rows]
        self.texts = [r[1] for r in rows]
        self.voices = [r[2] for r in rows]

    def _generate(self, seed: int, noise_snr_db: tuple[float, float] | None, sentences: float,
                  manifest: Path) -> None:
        """Synthesize every utterance, then write the manifest last: a run cut short leaves no manifest and
        starts over. Each file appears whole (written under a name of this process, then renamed), so
        processes that synthesize the same set at once (parallel test workers) never read a half-written
        file; they write the same bytes."""
        self.folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(f"spoken-digits/{seed}/{self.split}")
        lines = []
        for i in range(self.size):
            text, voice, speed, pitch = _utterance(rng, self.split, sentences)
            waveform = synthesize(text, voice, speed, pitch)
            if noise_snr_db is not None:
                waveform = _with_noise(waveform, rng.uniform(*noise_snr_db), rng.randrange(2 ** 31))
                waveform = waveform * (0.95 / waveform.abs().max())
            name = f"{i:05d}.wav"
            part = self.folder / f".{os.getpid()}-{name}"
            save(part, (waveform * 32767).round().to(D.int16), SAMPLE_RATE)
            os.replace(part, self.folder / name)
            lines.append(f"{name}\t{text}\t{voice}\t{speed}\t{pitch}\n")
        tmp = manifest.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(lines))
        os.replace(tmp, manifest)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[Tensor, str]:
        waveform, _ = load(self.files[index])
        return waveform, self.texts[index]
