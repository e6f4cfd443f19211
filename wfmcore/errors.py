"""The two kinds of failure wfm tells apart.

Library code raises :class:`InputError` with a message that names the file, row, column or
parameter and says what is wrong; the command line turns it into one line on stderr and exit
code 2. A message about a parameter starts with the parameter's name (``sl_target must be
...``) and carries it in ``param``, so the command line can name its flag instead.

:class:`InternalError` is an invariant of wfm's own code that failed: a bug, never the
user's fault. The command line exits 1 with a line asking for a bug report.
"""


class InputError(ValueError):
    """Bad user input (file, column, option or value). Message is shown to the user as is."""

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param


class InternalError(RuntimeError):
    """An internal invariant failed (a bug in wfm, not bad input)."""
