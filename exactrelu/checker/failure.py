"""The one exception the checker raises."""


class CheckFailure(Exception):
    """A certificate (or the data it names) failed a check; the message is one line saying why."""
