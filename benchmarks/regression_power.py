"""Seeded simulation of the regression gate, with its noise model calibrated on loopback.

Two modes:

``python benchmarks/regression_power.py --calibrate`` (about 4 minutes, real load)
    Starts the delay server of ``tests/regression`` (20 ms × lognormal jitter σ 0.3) and
    loads it with ``omninode-perf load --rate 200`` for ``--calib-runs`` runs of
    ``--calib-seconds`` each (a fresh server per run; the 1-minute load average is
    recorded before and after each run). From the valid runs it measures the per-second
    spread and lag-1 autocorrelation of log p95 and the run-to-run spread of whole-run
    log p95, fits the simulation's noise model to them (moment matching by simulation)
    and writes ``benchmarks/regression_calibration.json``.

``python benchmarks/regression_power.py [--quick] [--seed 1]`` (< 3 min; --quick < 30 s)
    Reads that calibration and runs seeded pairs of synthetic results documents through
    the real pipeline (histograms encoded as in results files → loader → ``compare``
    with Benjamini-Hochberg over the six metrics, threshold 10 %). Prints a Markdown
    table for BENCHMARKS.md: A/A false alarms, power at +15 % p95, the smallest shift
    flagged with ≥ 90 % power, for one 60 s run per side (the acceptance design) and for
    designs that reach the target; then the arithmetic of why.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from omninode_bridge.metrics.histogram import Histogram  # noqa: E402
from omninode_bridge.regression.compare import Settings, Verdict, compare  # noqa: E402
from omninode_bridge.regression.loader import test_runs as runs_of  # noqa: E402
from tests.regression.synth import ar1, make_result, suite  # noqa: E402

CALIBRATION = ROOT / "benchmarks" / "regression_calibration.json"
RATE, THRESHOLD, TARGET_POWER = 200, 0.10, 0.90


@dataclass(frozen=True)
class Noise:
    """Per-request lognormal(median, sigma) × per-second AR(1) factor × per-run factor."""

    median_ms: float
    sigma: float
    rho: float
    interval_sd: float
    run_sd: float


@dataclass(frozen=True)
class Design:
    runs: int  # per side
    seconds: int

    @property
    def label(self) -> str:
        return f"{self.runs} run{'s' if self.runs > 1 else ''} × {self.seconds} s"


# ---------------------------------------------------------------- simulation


@dataclass(frozen=True)
class PairOutcome:
    any_regression: bool
    p95_regression: bool
    p95_log_ratio: float
    p95_se: float
    p95_margin: float  # ln(lower bound) − ln(1 + threshold): > 0 means flagged


@dataclass(frozen=True)
class Job:
    seed: int
    shift: float
    noise: Noise
    design: Design
    settings: Settings


def simulate_pair(job: Job) -> PairOutcome:
    """One baseline/current pair through encode → loader → compare."""
    d, s = job.design, job.settings
    kw = asdict(job.noise) | {"seconds": d.seconds, "rate": RATE}
    seeds = np.random.default_rng(job.seed).integers(0, 2**31, size=2 * d.runs)
    base = [make_result(int(x), **kw) for x in seeds[: d.runs]]
    cur = [make_result(int(x), slowdown=job.shift, **kw) for x in seeds[d.runs :]]
    res = compare(runs_of(Path("b.json"), suite(base)), runs_of(Path("c.json"), suite(cur)), s)
    p95 = next(r for r in res.results if r.metric == "p95" and r.endpoint is None)
    low, high = p95.low or math.nan, p95.high or math.nan
    z = sps.norm.ppf(p95.confidence or s.confidence)
    with np.errstate(all="ignore"):
        se = float((np.log(high) - np.log(low)) / (2 * z))
        margin = float(np.log(low) - math.log1p(THRESHOLD))
    return PairOutcome(
        any_regression=res.count(Verdict.REGRESSION) > 0,
        p95_regression=p95.verdict is Verdict.REGRESSION,
        p95_log_ratio=math.log(p95.ratio) if p95.ratio else math.nan,
        p95_se=se,
        p95_margin=margin,
    )


JOBS = 1


def outcomes(
    pairs: int, seed: int, shift: float, noise: Noise, design: Design, s: Settings
) -> list[PairOutcome]:
    """``pairs`` seeded pairs (the same seeds at every shift: common random numbers)."""
    jobs = [Job(seed * 1_000_003 + i, shift, noise, design, s) for i in range(pairs)]
    if JOBS <= 1:
        return [simulate_pair(j) for j in jobs]
    with ProcessPoolExecutor(JOBS) as pool:
        return list(pool.map(simulate_pair, jobs, chunksize=8))


def predicted_smallest(at15: list[PairOutcome]) -> int:
    """Smallest whole-percent shift with ≥ 90 % predicted power. Multiplying the current
    side's latencies by ``s`` moves every bootstrap replicate (and every Hodges-Lehmann
    difference) by ``ln s``, so pair i is flagged at shift s iff its margin at +15 % plus
    ln(s / 1.15) is positive; the power curve follows from the margins at +15 %."""
    margins = np.sort(
        np.where(np.isfinite(m := np.array([o.p95_margin for o in at15])), m, -np.inf)
    )
    # At least ceil(0.9 n) pairs must have margin + ln(s / 1.15) > 0.
    weakest_needed = float(margins[margins.size - math.ceil(TARGET_POWER * margins.size)])
    if not math.isfinite(weakest_needed):
        return 10_000
    return max(1, math.floor(100 * (1.15 * math.exp(-weakest_needed) - 1)) + 1)


def verified_smallest(
    at15: list[PairOutcome], pairs: int, seed: int, noise: Noise, design: Design, s: Settings
) -> str:
    """The predicted smallest shift, checked by direct simulation on fresh seeds (moving
    up 1 % at a time, at most 4 times, while the check falls short of 90 %)."""
    pct = predicted_smallest(at15)
    if pairs == 0:
        return f"not simulated (predicted +{pct} %)"
    if pct > 60:
        return f"> +60 % (predicted +{pct} %)"
    for _ in range(4):
        out = outcomes(pairs, seed, 1 + pct / 100, noise, design, s)
        pw = sum(o.p95_regression for o in out) / pairs
        if pw >= TARGET_POWER:
            return f"+{pct} % ({pw:.0%} of {pairs})"
        pct += 1
    return f"> +{pct - 1} % ({pw:.0%} of {pairs} at +{pct - 1} %)"


@dataclass(frozen=True)
class Row:
    model: str
    design: Design
    aa: list[PairOutcome]
    at15: list[PairOutcome]
    smallest: str

    def cells(self) -> list[str]:
        n_aa, n15 = len(self.aa), len(self.at15)
        aa = sum(o.any_regression for o in self.aa) / n_aa
        p15 = sum(o.p95_regression for o in self.at15) / n15
        return [self.model, self.design.label, f"{aa:.1%} of {n_aa}", f"{p15:.1%} of {n15}",
                self.smallest]  # fmt: skip


def run_row(
    model: str, noise: Noise, design: Design, pairs: tuple[int, int, int], seed: int, s: Settings
) -> Row:
    n_aa, n15, n_check = pairs
    aa = outcomes(n_aa, seed, 1.0, noise, design, s)
    at15 = outcomes(n15, seed + 1, 1.15, noise, design, s)
    smallest = verified_smallest(at15, n_check, seed + 2, noise, design, s)
    return Row(model, design, aa, at15, smallest)


def arithmetic(row: Row, confidence: float) -> list[str]:
    """Why power at +15 % is what it is: margin against the achievable standard error.
    A uniform slowdown gets p50-p99 (4 of the 6 metrics) rejected together, so BH leaves
    the bound at level 1 − 4α/6 (z ≈ 1.83 at 95 %), not 1 − α."""
    margin = math.log(1.15) - math.log1p(THRESHOLD)
    se_boot = float(np.nanmean([o.p95_se for o in row.aa]))
    sd_total = float(np.nanstd([o.p95_log_ratio for o in row.aa], ddof=1))
    z_a = sps.norm.ppf(1 - 4 * (1 - confidence) / 6)
    z_b = sps.norm.ppf(TARGET_POWER)
    need = z_a * se_boot + z_b * sd_total
    predicted = sps.norm.cdf((margin - z_a * se_boot) / sd_total)
    head = (
        f"- **{row.model}, {row.design.label} per side**: a REGRESSION needs the one-sided "
        f"lower bound above 1.10 (at the BH level for 4 of 6 metrics rejected, z = "
        f"{z_a:.2f}), so a true +15 % has a margin of ln(1.15/1.10) = {margin:.4f}. The "
        f"interval's standard error of ln(p95 ratio) is {se_boot:.4f}; the actual spread of "
        f"ln(p95 ratio) over A/A pairs is {sd_total:.4f} (it includes run-to-run noise that "
        f"one run per side cannot see). 90 % power needs {z_a:.2f}·{se_boot:.4f} + "
        f"{z_b:.2f}·{sd_total:.4f} = {need:.4f} ≤ {margin:.4f} → "
        f"{'reachable' if need <= margin else 'not reachable'} (normal approximation "
        f"{predicted:.0%}; compare the simulated power in the table)."
    )
    return [head, *longer_run(row, margin, se_boot, sd_total, z_a, z_b)]


def longer_run(
    row: Row, margin: float, se_boot: float, sd_total: float, z_a: float, z_b: float
) -> list[str]:
    """Run length at which one run per side would reach 90 % power: the within-run part
    of the error shrinks as 1/√T, the run-to-run part does not."""
    between = math.sqrt(max(sd_total**2 - se_boot**2, 0.0))
    for seconds in range(row.design.seconds, 3601, 30):
        se = se_boot * math.sqrt(row.design.seconds / seconds)
        if z_a * se + z_b * math.hypot(se, between) <= margin:
            return [f"  Run-to-run part {between:.4f}, within-run part {se_boot:.4f} at "
                    f"{row.design.seconds} s: one run per side would need about {seconds} s "
                    f"(normal approximation; check the simulated longer run in the table); "
                    f"several runs per side (runs as the unit) reach it sooner."]  # fmt: skip
    return [f"  Run-to-run part {between:.4f} alone exceeds the margin's budget: no single "
            f"run length reaches 90 %; use several runs per side (runs as the unit)."]  # fmt: skip


# ---------------------------------------------------------------- calibration


def _start_server(seed: int) -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, "-m", "tests.regression.delay_server", "--delay-ms", "20",
           "--jitter", "0.3", "--seed", str(seed)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("LISTENING "):
        os.kill(proc.pid, signal.SIGTERM)
        raise SystemExit(f"delay server did not start: {line!r}")
    return proc, int(line.split()[1])


def _one_load(port: int, seconds: int, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "omninode_bridge.cli.main", "load", f"http://127.0.0.1:{port}/",
           "--rate", str(RATE), "-d", f"{seconds}s", "--json", str(out)]  # fmt: skip
    subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, cwd=out.parent)
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def measure_run(doc: dict[str, Any]) -> dict[str, Any]:
    """Per-second log p95 spread and lag-1 autocorrelation, and the whole-run p95."""
    ivs = [iv for iv in doc["intervals"] if (iv.get("requests") or 0) >= RATE // 2]
    hists = [Histogram.decode(iv["hdr"]["latency"]) for iv in ivs]
    lp = np.log([h.value_at_quantile(0.95) / 1000 for h in hists])
    whole = Histogram.merged(hists)
    dev = lp - lp.mean()
    return {
        "valid": bool(doc.get("valid", True)),
        "invalid_reasons": doc.get("invalid_reasons") or [],
        "seconds": len(ivs),
        "p50_ms": whole.value_at_quantile(0.5) / 1000,
        "p95_ms": whole.value_at_quantile(0.95) / 1000,
        "p99_ms": whole.value_at_quantile(0.99) / 1000,
        "sec_log_p95_sd": float(lp.std(ddof=1)),
        "sec_log_p95_acf1": float(dev[1:] @ dev[:-1] / (dev @ dev)),
    }


def calibrate(runs: int, seconds: int) -> dict[str, Any]:
    measured: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            proc, port = _start_server(i)
            try:
                load_before = os.getloadavg()[0]
                doc = _one_load(port, seconds, Path(tmp) / f"run{i}.json")
                m = measure_run(doc) | {"load_before": load_before,
                                        "load_after": os.getloadavg()[0]}  # fmt: skip
            finally:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            measured.append(m)
            print(json.dumps(m), file=sys.stderr, flush=True)
    return {"server": "delay 20 ms × lognormal(σ 0.3)", "rate": RATE, "seconds": seconds,
            "runs": measured, "fit": fit(measured, seconds)}  # fmt: skip


def fit(measured: list[dict[str, Any]], seconds: int) -> dict[str, Any]:
    """Moment matching: sampling noise of per-second p95 and of whole-run p95 come from
    simulating the fitted per-request distribution; the rest is drift and run noise."""
    ok = [m for m in measured if m["valid"]]
    p50 = float(np.median([m["p50_ms"] for m in ok]))
    p95 = float(np.median([m["p95_ms"] for m in ok]))
    sigma = math.log(p95 / p50) / sps.norm.ppf(0.95)
    sd_obs = float(np.sqrt(np.mean([m["sec_log_p95_sd"] ** 2 for m in ok])))
    acf_obs = float(np.mean([m["sec_log_p95_acf1"] for m in ok]))
    rng = np.random.default_rng(0)
    var_sampling = _sec_p95_var(rng, sigma)
    interval_sd = math.sqrt(max(sd_obs**2 - var_sampling, 0.0))
    rho = min(max(acf_obs * sd_obs**2 / interval_sd**2, 0.0), 0.95) if interval_sd else 0.0
    var_within = _run_p95_var(rng, sigma, rho, interval_sd, seconds)
    run_obs = float(np.std(np.log([m["p95_ms"] for m in ok]), ddof=1))
    k = len(ok)
    run_hi = run_obs * math.sqrt((k - 1) / sps.chi2.ppf(0.05, k - 1))  # 95 % upper bound
    noise = Noise(p50, sigma, rho, interval_sd, math.sqrt(max(run_obs**2 - var_within, 0.0)))
    return {
        "valid_runs": k,
        "observed": {
            "sec_log_p95_sd": sd_obs,
            "sec_log_p95_acf1": acf_obs,
            "run_log_p95_sd": run_obs,
            "run_log_p95_sd_upper95": run_hi,
        },
        "sampling": {
            "sec_log_p95_sd": math.sqrt(var_sampling),
            "run_log_p95_sd_within": math.sqrt(var_within),
        },
        "calibrated": asdict(noise),
        "pessimistic": asdict(replace(noise, run_sd=math.sqrt(max(run_hi**2 - var_within, 0)))),
    }


def _sec_p95_var(rng: np.random.Generator, sigma: float, seconds: int = 4000) -> float:
    lat = rng.lognormal(0.0, sigma, (seconds, RATE))
    return float(np.var(np.log(np.quantile(lat, 0.95, axis=1)), ddof=1))


def _run_p95_var(
    rng: np.random.Generator, sigma: float, rho: float, sd: float, seconds: int, runs: int = 300
) -> float:
    vals = []
    for _ in range(runs):
        drift = np.exp(ar1(rng, seconds, rho, sd))[:, None]
        vals.append(np.log(np.quantile(drift * rng.lognormal(0, sigma, (seconds, RATE)), 0.95)))
    return float(np.var(vals, ddof=1))


# ---------------------------------------------------------------- main


def load_models(path: Path) -> tuple[dict[str, Noise], dict[str, Any]]:
    try:
        cal = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"{path}: {exc}; run with --calibrate first") from exc
    f = cal["fit"]
    return {k: Noise(**f[k]) for k in ("calibrated", "pessimistic")}, cal


def calibration_lines(cal: dict[str, Any]) -> list[str]:
    f, runs = cal["fit"], cal["runs"]
    o, c = f["observed"], f["calibrated"]
    loads = [r["load_before"] for r in runs] + [r["load_after"] for r in runs]
    return [
        f"Calibration ({cal['server']}, `omninode-perf load --rate {cal['rate']}`, "
        f"{len(runs)} runs of {cal['seconds']} s, {f['valid_runs']} valid; 1-min load average "
        f"{min(loads):.1f}–{max(loads):.1f} on 2 shared cores): per-second ln p95 sd "
        f"{o['sec_log_p95_sd']:.3f} (sampling alone {f['sampling']['sec_log_p95_sd']:.3f}), "
        f"lag-1 autocorrelation {o['sec_log_p95_acf1']:.2f}; whole-run ln p95 sd between runs "
        f"{o['run_log_p95_sd']:.3f} (95 % upper bound {o['run_log_p95_sd_upper95']:.3f}; "
        f"within-run part {f['sampling']['run_log_p95_sd_within']:.3f}). Fitted model: median "
        f"{c['median_ms']:.1f} ms, σ {c['sigma']:.3f}, AR(1) ρ {c['rho']:.2f}, per-second sd "
        f"{c['interval_sd']:.3f}, per-run sd {c['run_sd']:.3f} (pessimistic: "
        f"{f['pessimistic']['run_sd']:.3f})."
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calibrate", action="store_true", help="measure real runs, write the JSON")
    ap.add_argument("--calib-runs", type=int, default=8)
    ap.add_argument("--calib-seconds", type=int, default=25)
    ap.add_argument("--calibration", type=Path, default=CALIBRATION)
    ap.add_argument("--quick", action="store_true", help="fewer pairs and designs (< 30 s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes for the pairs")
    args = ap.parse_args()
    global JOBS
    JOBS = max(1, args.jobs)
    if args.calibrate:
        cal = calibrate(args.calib_runs, args.calib_seconds)
        args.calibration.write_text(json.dumps(cal, indent=2, sort_keys=True) + "\n")
        print("\n".join(calibration_lines(cal)))
        return
    simulate(args.calibration, args.quick, args.seed)


PLANS = {
    # (model, design, (A/A pairs, +15 % pairs, pairs to verify the smallest shift; 0 = skip))
    "quick": [("calibrated", Design(1, 60), (60, 60, 40))],
    "default": [
        ("calibrated", Design(1, 60), (300, 150, 80)),
        ("calibrated", Design(8, 60), (40, 60, 40)),
        ("calibrated", Design(1, 300), (40, 60, 0)),
        ("pessimistic", Design(1, 60), (100, 100, 0)),
    ],
}


def simulate(path: Path, quick: bool, seed: int) -> None:
    models, cal = load_models(path)
    s = Settings(threshold=THRESHOLD, n_boot=300 if quick else 500, seed=seed)
    t0 = time.monotonic()
    rows = []
    for model, design, pairs in PLANS["quick" if quick else "default"]:
        rows.append(run_row(model, models[model], design, pairs, seed, s))
        print(f"<!-- {model} {design.label}: {time.monotonic() - t0:.0f} s -->", file=sys.stderr)
    print_table(rows, cal, s)


def print_table(rows: list[Row], cal: dict[str, Any], s: Settings) -> None:
    print("| noise model | design per side | A/A pairs with any REGRESSION "
          "| p95 REGRESSION at +15 % | smallest shift at ≥ 90 % power |")  # fmt: skip
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    print()
    print("\n".join(calibration_lines(cal)))
    print()
    print(
        "\n".join(
            line for row in rows if row.design.runs == 1 for line in arithmetic(row, s.confidence)
        )
    )


if __name__ == "__main__":
    main()
