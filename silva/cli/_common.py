"""What every command of the ``silva`` command line shares: the user-mistake error and the helpers
that keep its message to one line."""

__all__ = ["CLIError"]


class CLIError(Exception):
    """A user mistake: printed as one line, exit status ``code``."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


def _one_line(exc):
    text = str(exc).strip()
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    return text.splitlines()[0] if text else type(exc).__name__


def _list(names, limit=30):
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")
