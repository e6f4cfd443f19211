"""The one exception type for bad user input.

Library code raises :class:`InputError` with a message that names the file, row or column
and says what is wrong; the command line turns it into one line on stderr and exit code 2.
"""


class InputError(ValueError):
    """Bad user input (file, column, option or value). Message is shown to the user as is."""
