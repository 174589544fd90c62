"""The one exception type for input that cannot be used.

Its message is a single line that names the file, the problem and how to fix it,
so the UI can show it in ``st.error`` and the command line can print it on stderr
(exit status 2) — never a traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """A file or parameter that cannot be used, with a one-line explanation."""

    def __init__(self, source: str | None, problem: str, fix: str | None = None):
        self.source = source
        self.problem = problem
        self.fix = fix
        parts = [f"{source}: {problem}" if source else problem]
        if fix:
            parts.append(fix)
        message = " — ".join(parts)
        super().__init__(" ".join(message.split()))  # always one line
