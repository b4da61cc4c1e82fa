"""ICCC-3 classification speed for a bulk import: 100,000 mostly distinct rows.

Run: .venv/bin/python bench/bench_iccc.py"""

import random
import time

from consilium.registry import iccc


def main() -> None:
    rng = random.Random(2017)
    sites = [f"C{n:03d}" for n in range(0, 810, 3)]
    histologies = [str(n) for n in range(8000, 9994, 7)]
    rows = [
        (rng.choice(sites), rng.choice(histologies), rng.choice("0123")) for _ in range(100_000)
    ]
    iccc._classify_cached.cache_clear()
    started = time.perf_counter()
    for row in rows:
        iccc.classify(*row)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for row in rows:
        iccc.classify(*row)
    warm = time.perf_counter() - started
    print(f"ICCC-3 classify, 100,000 rows: {cold:.3f} s cold cache, {warm:.3f} s warm cache")


if __name__ == "__main__":
    main()
