"""Generate ``resources/sounds/ring.wav``: a soft two-tone telephone ring, about 2 seconds.

Two bursts of a 400 Hz + 450 Hz chord (the classic "brrr-brrr" cadence: 0.4 s on, 0.2 s off,
0.4 s on), each with a short fade in and out so it never clicks, then silence to make the loop
length 2 s. 16-bit mono PCM at 16 kHz keeps the file about 64 KB. Stdlib only; deterministic, so
re-running it gives the same bytes.

    python scripts/make_ring_tone.py [OUTPUT]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 16_000
LENGTH_S = 2.0
TONES_HZ = (400.0, 450.0)
BURSTS_S = ((0.0, 0.4), (0.6, 1.0))   # (start, end) of each ring burst
FADE_S = 0.025
PEAK = 0.45                            # of full scale: audible, not harsh


def envelope(t: float) -> float:
    """0..1 gain at time ``t``: raised-cosine fades at each burst's edges, 0 between bursts."""
    for start, end in BURSTS_S:
        if start <= t < end:
            edge = min(t - start, end - t)
            if edge >= FADE_S:
                return 1.0
            return 0.5 - 0.5 * math.cos(math.pi * edge / FADE_S)
    return 0.0


def samples() -> list[int]:
    """The ring as signed 16-bit sample values."""
    out: list[int] = []
    for i in range(int(RATE * LENGTH_S)):
        t = i / RATE
        gain = envelope(t)
        if gain == 0.0:
            out.append(0)
            continue
        chord = sum(math.sin(2 * math.pi * f * t) for f in TONES_HZ) / len(TONES_HZ)
        out.append(round(32767 * PEAK * gain * chord))
    return out


def write(path: Path) -> None:
    """Write the ring tone to ``path`` as a WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = samples()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(struct.pack(f"<{len(data)}h", *data))


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parent.parent / "resources" / "sounds" / "ring.wav"
    target = Path(argv[1]) if len(argv) > 1 else default
    write(target)
    print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
