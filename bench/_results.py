"""What the benchmark scripts share: bench/RESULTS.md (each script owns one marked section),
the peers' virtualenv, and the bench week of the bank data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
#: the real bank data as bundled in data/ (copied unchanged from the shared folder)
BANK_DATA = Path(__file__).resolve().parents[1] / "data" / "bank_calls_5min.csv"
#: the peers' own virtualenv (pyworkforce, statsforecast): never a dependency of wfm
PEER_VENV = Path(__file__).resolve().parent / ".peer-venv"
PEER_PY = PEER_VENV / "bin" / "python"
HEADER = ("# Benchmark results\n\nWritten by the scripts in `bench/` (`make bench`); each "
          "section says how it was measured and on what machine.\n")


def ensure_peer(*packages: str) -> Path | None:
    """The peer venv's python with ``packages`` importable (created and pip-installed from the
    package registry on first use); None, with the reason printed, when that fails."""
    if not PEER_PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    for package in packages:
        if subprocess.run([str(PEER_PY), "-c", f"import {package}"],
                          capture_output=True).returncode == 0:
            continue
        r = subprocess.run([str(PEER_PY), "-m", "pip", "install", "--quiet", package],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{package} could not be installed:", r.stderr.strip()[-300:])
            return None
    return PEER_PY


def run_in_peer(script: str | Path, mode: str, payload=None) -> tuple[object | None, str]:
    """Run ``script mode [in.pkl] out.pkl`` with the peers' Python and an empty PYTHONPATH
    (wfm is not installed there): ``payload`` goes in pickled (no input file when None), the
    script's pickled output comes back. Returns (result, '') or (None, the end of stderr)."""
    import os
    import pickle
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.pkl", Path(tmp) / "out.pkl"
        args = [str(PEER_PY), str(script), mode]
        if payload is not None:
            inp.write_bytes(pickle.dumps(payload))
            args.append(str(inp))
        r = subprocess.run(args + [str(out)], env=dict(os.environ, PYTHONPATH=""),
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, r.stderr.strip()[-300:]
        return pickle.loads(out.read_bytes()), ""


def peer_version(package: str) -> str:
    """The version of ``package`` in the peers' virtualenv."""
    return subprocess.run([str(PEER_PY), "-c", "from importlib.metadata import version; "
                           f"print(version({package!r}))"], capture_output=True,
                          text=True).stdout.strip()


def compile_times(code: str, *args: str) -> dict[str, dict]:
    """Run ``code`` (``python -c``, with ``args``) in a fresh process twice: with an empty
    numba cache, then with the cache that run left ("cold cache", "warm cache"); each run
    prints one JSON object as its last line, returned by label. The project root is on
    the path and the working directory."""
    root = Path(__file__).resolve().parents[1]
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(root))
        for label in ("cold cache", "warm cache"):
            r = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=root,
                               capture_output=True, text=True, check=True)
            out[label] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def write_section(name: str, text: str, path: Path = RESULTS) -> None:
    """Replace the section ``name`` of RESULTS.md with ``text`` (append it if new)."""
    start, end = f"<!-- section: {name} -->", f"<!-- end: {name} -->"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end) + "\n?", re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else (
        old.rstrip() + "\n\n" + block)
    path.write_text(new, encoding="utf-8")


def bank_week(week_start: str):
    """Calls per 15-minute interval of the bank data in the week from ``week_start``
    (5-minute counts summed), 07:00-21:00, days with data only: a pandas Series indexed by
    interval start. The 21:00 interval holds the 21:00 and 21:05 counts, kept as counted."""
    import pandas as pd

    calls = pd.read_csv(BANK_DATA, parse_dates=["interval_start"])
    start = pd.Timestamp(week_start)
    calls = calls[(calls["interval_start"] >= start)
                  & (calls["interval_start"] < start + pd.Timedelta(days=7))]
    q = calls.set_index("interval_start")["offered"].resample("15min").sum()
    q = q[q.index.normalize().isin(calls["interval_start"].dt.normalize().unique())]
    minute = q.index.hour * 60 + q.index.minute
    return q[(minute >= 7 * 60) & (minute <= 21 * 60)]
