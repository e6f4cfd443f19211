"""Worker process for :func:`shifts.model.run_tasks`: solves days and weeks sent over stdin.

Run as ``python -m shifts._worker``. Protocol (:func:`shifts.model.write_message`,
:func:`shifts.model.read_message`): the parent writes length-prefixed pickles (8-byte
big-endian length, then the pickle of ``(kind, args, kwargs)``, kind ``"day"`` or
``"week"``, :data:`TASKS`); the worker answers each with a length-prefixed pickle of
``(True, result)`` or ``(False, "error text")``, and exits at end of input. A plain
subprocess, not ``multiprocessing``:
spawn and forkserver re-import the caller's main script, which breaks scripts and notebooks
without an ``if __name__ == "__main__"`` guard, and fork is unsafe once HiGHS has started
threads.
"""

from __future__ import annotations

import os
import sys
import traceback

from shifts.model import read_message, solve_day, write_message
from shifts.tours import solve_week

#: what a task's kind runs (:func:`shifts.model.run_tasks`)
TASKS = {"day": solve_day, "week": solve_week}


def main() -> int:
    # the protocol gets its own copy of fd 1; fd 1 itself goes to stderr, so that whatever a
    # native library prints (HiGHS has debug lines that ignore its log settings) cannot
    # corrupt a message
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    while True:
        msg = read_message(inp)
        if msg is None:
            return 0
        kind, args, kwargs = msg
        try:
            reply = (True, TASKS[kind](*args, **kwargs))
        except Exception:      # sent back and raised in the parent, with the worker's trace
            reply = (False, traceback.format_exc())
        write_message(out, reply)


if __name__ == "__main__":
    raise SystemExit(main())
