"""The one exception user input can raise (the command line maps it to exit status 2)."""


class ExactReluInputError(ValueError):
    """Bad user input: the message is one line that names the parameter and the bad value."""


class ProblemTooLargeError(ExactReluInputError):
    """A problem predicted to be larger than the configured limit, refused before any long work."""
