"""Seeded simulation of the regression gate: false alarms (A/A) and detection power.

Each simulated run is 60 one-second intervals at 200 req/s. Latency per request is
lognormal (sigma 0.5, so p95 ≈ 2.3 × p50); every second gets a multiplicative AR(1)
factor (within-run autocorrelation) and every run a factor of its own (between-run
variance the bootstrap cannot see). Each pair goes through the real pipeline: histograms
encoded as in results documents, decoded by the loader, judged by ``compare`` with
Benjamini-Hochberg over the six metrics.

    python benchmarks/regression_power.py [--pairs 400] [--seed 1]

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from omninode_bridge.regression.compare import Settings, Verdict, compare  # noqa: E402
from omninode_bridge.regression.loader import test_runs as runs_of  # noqa: E402
from tests.regression.synth import make_result, suite  # noqa: E402

NOISE = {
    "quiet": {"rho": 0.5, "interval_sd": 0.02, "run_sd": 0.005},
    "moderate": {"rho": 0.6, "interval_sd": 0.05, "run_sd": 0.02},
    "noisy": {"rho": 0.8, "interval_sd": 0.10, "run_sd": 0.04},
}


def pair(seed: int, slowdown: float, noise: dict[str, float], settings: Settings) -> list[Any]:
    base = make_result(2 * seed, seconds=60, rate=200, **noise)
    cur = make_result(2 * seed + 1, seconds=60, rate=200, slowdown=slowdown, **noise)
    b = runs_of(Path("b.json"), suite([base]))
    c = runs_of(Path("c.json"), suite([cur]))
    return compare(b, c, settings).results


def rates(
    pairs: int, seed: int, slowdown: float, noise: dict[str, float], s: Settings
) -> tuple[float, float]:
    """(fraction of pairs with any REGRESSION, fraction with p95 REGRESSION)."""
    any_reg = p95_reg = 0
    for i in range(pairs):
        res = pair(seed * 100_000 + i, slowdown, noise, s)
        any_reg += any(r.verdict is Verdict.REGRESSION for r in res)
        p95_reg += any(r.metric == "p95" and r.verdict is Verdict.REGRESSION for r in res)
    return any_reg / pairs, p95_reg / pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=400, help="pairs per A/A and 15%% cell")
    ap.add_argument("--sweep-pairs", type=int, default=100, help="pairs per sweep shift")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--noise", choices=sorted(NOISE), nargs="*", default=sorted(NOISE))
    args = ap.parse_args()
    s = Settings(threshold=0.10, n_boot=args.bootstrap, seed=args.seed)
    print(
        "| noise model | A/A pairs with any REGRESSION | power at +15 % p95 "
        "| smallest shift at ≥ 90 % power |"
    )
    print("|---|---|---|---|")
    for name in args.noise:
        t0 = time.monotonic()
        noise = NOISE[name]
        aa, _ = rates(args.pairs, args.seed, 1.0, noise, s)
        _, power15 = rates(args.pairs, args.seed + 1, 1.15, noise, s)
        smallest = "> +40 %"
        for pct in range(11, 41, 2):
            _, pw = rates(args.sweep_pairs, args.seed + 2 + pct, 1 + pct / 100, noise, s)
            if pw >= 0.9:
                smallest = f"+{pct} % ({pw:.0%})"
                break
        label = ", ".join(f"{k}={v}" for k, v in noise.items())
        cells = [f"{name} ({label})", f"{aa:.2%} of {args.pairs}"]
        cells += [f"{power15:.1%} of {args.pairs}", smallest]
        print("| " + " | ".join(cells) + " |", flush=True)
        print(f"<!-- {name}: {time.monotonic() - t0:.0f} s -->", file=sys.stderr)


if __name__ == "__main__":
    main()
