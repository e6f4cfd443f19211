"""Shared pieces of wfm: the user-input error, atomic file output, and the frame schemas.

The name ``wfmcore`` is deliberately one that no PyPI package uses, so it can never be
shadowed by an unrelated install.
"""

from wfmcore.errors import InputError
from wfmcore.io import write_atomic

__all__ = ["InputError", "write_atomic"]
