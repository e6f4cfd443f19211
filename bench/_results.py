"""bench/RESULTS.md is shared by the benchmark scripts: each owns one marked section."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = ("# Benchmark results\n\nWritten by the scripts in `bench/` (`make bench`); each "
          "section says how it was measured and on what machine.\n")


def write_section(name: str, text: str, path: Path = RESULTS) -> None:
    """Replace the section ``name`` of RESULTS.md with ``text`` (append it if new)."""
    start, end = f"<!-- section: {name} -->", f"<!-- end: {name} -->"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end) + "\n?", re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else (
        old.rstrip() + "\n\n" + block)
    path.write_text(new, encoding="utf-8")
