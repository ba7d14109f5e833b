"""The failures a user can cause and fix (reported by the commands as a message, exit code 2)."""


class UsageError(ValueError):
    """A setting that cannot work: unknown model or data set, inconsistent flags."""


class DataUnavailable(RuntimeError):
    """The data set's files are not installed (the message says how to install them)."""


class CheckpointError(RuntimeError):
    """A file that is not a readable training checkpoint (the message names it)."""
