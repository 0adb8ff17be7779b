"""The built-in checkers, one module per answer kind (the table is ``grader.check.registry``)."""
