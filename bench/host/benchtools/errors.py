"""The two kinds of error bench.py's commands end with, by exit status:
a usage error (2: the command was given something it cannot work on) and
bad data (1: a log, a results file or a shard that is wrong in itself).
Their own module so that the command helpers (merge.py) can raise them
without importing cli.py, which imports them."""


class UsageError(Exception):
    """Exit status 2."""


class DataError(Exception):
    """Exit status 1."""
