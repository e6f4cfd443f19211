"""Atomic output: write to a temporary file in the target folder, then rename.

A crash or a bad input half-way never leaves a half-written output, and an output that
would overwrite one of the command's inputs is refused before anything is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from wfmcore.errors import InputError


def check_output_path(out: Path | str, inputs: Iterable[Path | str] = ()) -> Path:
    """Refuse an output path that is one of the inputs; return it as a Path."""
    out_path = Path(out)
    for inp in inputs:
        inp_path = Path(inp)
        same = out_path.resolve() == inp_path.resolve()
        if not same and out_path.exists() and inp_path.exists():
            same = os.path.samefile(out_path, inp_path)
        if same:
            raise InputError(f"{out_path}: output would overwrite the input {inp_path}; "
                             "choose another output path")
    return out_path


def write_atomic(out: Path | str, writer: Callable[[Path], object],
                 inputs: Iterable[Path | str] = ()) -> Path:
    """Call ``writer(tmp_path)`` and rename ``tmp_path`` to ``out`` only if it succeeded.

    ``writer`` receives a path in the same folder as ``out`` (so the rename is atomic) that
    keeps the suffix of ``out`` (so writers that infer the format from it still work).
    """
    out_path = check_output_path(out, inputs)
    folder = out_path.parent if str(out_path.parent) else Path(".")
    if not folder.exists():
        raise InputError(f"{out_path}: folder {folder} does not exist")
    if out_path.is_dir():
        raise InputError(f"{out_path}: is a folder; give a file name")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.",
                                        suffix=out_path.suffix or ".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"{out_path}: cannot write there ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{out_path}: cannot write it ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out_path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_toml(path: Path | str, what: str) -> dict:
    """Parse a TOML file; a missing, undecodable or invalid file is one InputError naming it
    (``what`` says which file: "config", "rules", "scenario")."""
    import tomllib

    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: {what} file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: not valid TOML ({exc})") from None


def write_csv_atomic(frame, out: Path | str, inputs: Iterable[Path | str] = ()) -> Path:
    """Write a DataFrame as CSV (no index) atomically."""
    return write_atomic(out, lambda p: frame.to_csv(p, index=False), inputs=inputs)


def write_partitioned(frames, out_dir: Path | str, column: str,
                      inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write ``(value, frame)`` pairs as a Parquet dataset partitioned by ``column`` (hive
    layout ``OUT_DIR/column=VALUE/part.parquet``, VALUE percent-encoded as pyarrow does;
    ``column`` itself left out of the files, as in a hive dataset), each file atomically.
    A folder holding partitions of other values is refused before anything is written (a
    dataset must not mix runs)."""
    from urllib.parse import quote

    try:
        import pyarrow  # noqa: F401 - pandas writes Parquet through it
    except ImportError:
        raise InputError(f"{out_dir}: writing Parquet needs pyarrow: pip install "
                         "'wfm-toolkit[dask]' (or pyarrow), or give a .csv output") from None
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file; a partitioned output is a folder")
    frames = list(frames)
    names = {f"{column}={quote(str(v), safe='')}" for v, _ in frames}
    if out.exists():
        stale = sorted(p.name for p in out.iterdir()
                       if p.is_dir() and p.name.startswith(column + "=") and p.name not in names)
        if stale:
            raise InputError(f"{out}: holds the partition {stale[0]} of another run; choose "
                             "an empty folder")
    for inp in inputs:
        check_output_path(out, [inp])
    written = []
    for value, frame in frames:
        folder = out / f"{column}={quote(str(value), safe='')}"
        folder.mkdir(parents=True, exist_ok=True)
        part = frame.drop(columns=[column], errors="ignore").reset_index(drop=True)
        written.append(write_atomic(folder / "part.parquet",
                                    lambda p, f=part: f.to_parquet(p, index=False),
                                    inputs=inputs))
    return written
