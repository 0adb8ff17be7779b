"""Rubric authoring: semantic checks (they read expressions and run the checker), self-tests,
and the file-level helpers behind ``grader rubric`` and ``grader key``."""
