"""Benchmark: required agents per interval, wfm vs pyworkforce, plus an accuracy sweep.

Workload: 15-minute call counts of the real bank data (data/bank_calls_5min.csv summed to
15 minutes), AHT 300 s, 80 % answered within 20 s (Erlang C). Two sizes: one business week
(the last 5 days, 285 intervals; a 7-day week of 672 intervals is timed too) and 100,000
intervals (the series repeated). pyworkforce is installed only for this benchmark, in its
own virtualenv (bench/.peer-venv), and timed in a subprocess in the same run.

Accuracy: Erlang B / C against 60-digit mpmath over loads 0.01 .. 10^6 Erlangs, and Erlang A
against 60-digit mpmath closed forms.

Run: make bench   (or .venv/bin/python bench/bench_erlang.py)
Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

from _results import ensure_peer, write_section  # noqa: E402

from erlang import ServiceTarget, erlang_a, erlang_c, required_agents  # noqa: E402
from erlang.erlang_b import blocking  # noqa: E402

AHT_S = 300.0
INTERVAL_MIN = 15


def bank_calls_15min() -> np.ndarray:
    calls = pd.read_csv(ROOT / "data" / "bank_calls_5min.csv", parse_dates=["interval_start"])
    q = calls.groupby(calls["interval_start"].dt.floor("15min"))["offered"].sum()
    return q.to_numpy(dtype=float)


def workloads():
    calls = bank_calls_15min()
    week5 = calls[-285:]                       # last 5 business days, 07:00-21:00
    week7 = np.resize(calls, 672)              # 672 intervals = a 7-day week of 15 minutes
    big = np.resize(calls, 100_000)
    return {"week (285 intervals)": week5, "7-day week (672)": week7, "100,000 intervals": big}


def time_wfm(calls: np.ndarray, repeats: int) -> tuple[float, np.ndarray]:
    target = ServiceTarget(sl_target=0.8, sl_threshold_s=20.0)
    load = calls * AHT_S / (INTERVAL_MIN * 60.0)
    required_agents(load[:10], AHT_S, target)  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        agents = required_agents(load, AHT_S, target)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), agents


PEER_SCRIPT = textwrap.dedent("""
    import json, sys, time, statistics
    import numpy as np
    from pyworkforce.queuing import ErlangC
    calls = np.load(sys.argv[1]); repeats = int(sys.argv[2])
    def run():
        out = np.zeros(calls.size, dtype=np.int64)
        for i, c in enumerate(calls):
            if c > 0:   # pyworkforce refuses transactions <= 0
                e = ErlangC(transactions=float(c), aht=5.0, asa=20 / 60, interval=15)
                out[i] = e.required_positions(service_level=0.8)["raw_positions"]
        return out
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); out = run(); times.append(time.perf_counter() - t0)
    np.save(sys.argv[3], out)
    print(json.dumps({"median_s": statistics.median(times)}))
""")


def peer_version(py: Path) -> str:
    return subprocess.run([str(py), "-c", "import importlib.metadata as m;"
                           "print(m.version('pyworkforce'))"],
                          capture_output=True, text=True).stdout.strip()


def time_peer(py: Path, calls: np.ndarray, repeats: int, tmp: Path):
    src, dst = tmp / "calls.npy", tmp / "peer_out.npy"
    np.save(src, calls)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    r = subprocess.run([str(py), "-c", PEER_SCRIPT, str(src), str(repeats), str(dst)],
                       capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout)["median_s"], np.load(dst)


def accuracy_sweep():
    import mpmath as mp

    mp.mp.dps = 60
    worst = {"erlang_b": 0.0, "erlang_c_p_wait": 0.0, "erlang_c_sl": 0.0, "erlang_c_asa": 0.0}
    loads = [0.01, 0.1, 1.0, 7.3, 10.0, 50.0, 100.0, 1e3, 1e4, 1e5, 1e6]
    n_points = 0
    for a in loads:
        s = math.sqrt(a)
        for n in sorted({1, 2, math.floor(a) + 1, math.floor(a + s) + 1,
                         math.floor(a + 2 * s) + 1, math.floor(a + 4 * s) + 1,
                         max(1, math.floor(a / 2))}):
            na, aa = mp.mpf(n), mp.mpf(a)
            b = mp.power(aa, na) * mp.exp(-aa) / mp.gamma(na + 1) / mp.gammainc(
                na + 1, aa, mp.inf, regularized=True)
            if b < mp.mpf("1e-300"):
                continue
            n_points += 1
            worst["erlang_b"] = max(worst["erlang_b"], abs(blocking(n, a) / float(b) - 1))
            if n > a:
                c = na * b / (na - aa * (1 - b))
                sl = 1 - c * mp.exp(-(na - aa) * 20 / AHT_S)
                asa = c * AHT_S / (na - aa)
                k = erlang_c.kpis(n, a, AHT_S, 20.0)
                worst["erlang_c_p_wait"] = max(worst["erlang_c_p_wait"],
                                               abs(float(k["p_wait"]) / float(c) - 1))
                worst["erlang_c_sl"] = max(worst["erlang_c_sl"],
                                           abs(float(k["service_level"]) / float(sl) - 1))
                worst["erlang_c_asa"] = max(worst["erlang_c_asa"],
                                            abs(float(k["asa_s"]) / float(asa) - 1))
    worst_a = {"erlang_a_p_wait": 0.0, "erlang_a_p_abandon": 0.0, "erlang_a_sl": 0.0}
    for a in [0.5, 5.0, 10.0, 50.0, 200.0, 1000.0, 5000.0]:
        for frac in (0.5, 0.9, 1.0, 1.1, 1.3):
            n = max(1, round(a * frac))
            for patience in (30.0, 180.0, 900.0):
                ref = _mp_erlang_a(mp, n, a, AHT_S, patience, 20.0)
                got = erlang_a.kpis(n, a, AHT_S, 20.0, patience, with_asa=False)
                n_points += 1
                for key, ref_v in ref.items():
                    err = abs(float(got[key]) - float(ref_v))  # absolute for tiny values
                    if float(ref_v) >= 1e-6:
                        err /= float(ref_v)
                    worst_a[f"erlang_a_{'sl' if key == 'service_level' else key}"] = max(
                        worst_a[f"erlang_a_{'sl' if key == 'service_level' else key}"], err)
    worst.update(worst_a)
    return worst, n_points


def _mp_erlang_a(mp, n, a, aht, patience, t):
    n, a, aht, patience, t = (mp.mpf(v) for v in (n, a, aht, patience, t))
    r = patience / aht
    x, y = n * r, a * r
    e = mp.power(a, n) * mp.exp(-a) / mp.gamma(n + 1) / mp.gammainc(n + 1, a, mp.inf,
                                                                    regularized=True)
    a0 = x * mp.exp(y) * mp.power(y, -x) * mp.gammainc(x, 0, y)
    k = 1 / (1 / e - 1 + a0)
    p_ab = k * (a0 * (1 - x / y) + x / y)
    late = k * x * mp.exp(y) * mp.power(y, -x - 1) * mp.gammainc(x + 1, 0, y * mp.exp(-t / patience))
    return {"p_wait": k * a0, "p_abandon": p_ab, "service_level": 1 - p_ab - late}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, {platform.system()}")


def main():
    import tempfile

    import scipy

    py = ensure_peer("pyworkforce")
    version = peer_version(py) if py else "not installed"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, calls in workloads().items():
            big = calls.size >= 100_000
            wfm_s, wfm_agents = time_wfm(calls, repeats=5 if big else 50)
            peer_s = peer_agents = None
            if py:
                peer_s, peer_agents = time_peer(py, calls, 1 if big else 5, Path(tmp))
            differ = int((peer_agents != wfm_agents).sum()) if py else None
            rows.append((name, calls.size, wfm_s, peer_s, differ))
    worst, n_points = accuracy_sweep()

    lines = ["## Erlang staffing (bench/bench_erlang.py)", "",
             f"Machine: {machine()}, scipy {scipy.__version__}. pyworkforce {version} in its "
             "own virtualenv, same run. Median wall time of the required-agents call "
             "(Erlang C, 80/20, AHT 300 s, 15-min intervals of the bank data), one core.", "",
             "| workload | intervals | wfm | pyworkforce | speed-up | intervals where the "
             "answers differ |", "|---|---:|---:|---:|---:|---:|"]
    for name, n, w, p, d in rows:
        ps = f"{p:.3f} s" if p is not None else "n/a"
        ratio = f"{p / w:,.0f}x" if p is not None else "n/a"
        lines.append(f"| {name} | {n:,} | {w * 1000:.2f} ms | {ps} | {ratio} | "
                     f"{d if d is not None else 'n/a'} |")
    lines += ["", f"Accuracy against 60-digit mpmath ({n_points} points, loads 0.01 to 10^6 "
              "Erlangs for B/C, 0.5 to 5,000 for A; worst relative error, absolute where the "
              "reference is below 1e-6):", "", "| quantity | worst error |", "|---|---:|"]
    lines += [f"| {k} | {v:.2e} |" for k, v in worst.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    write_section("erlang", text)


if __name__ == "__main__":
    main()
