"""The grading pipeline, one module per stage: ``plan`` (folders, students, distinct
checks), ``worker`` (the pool protocol: reading, checking and writing in supervised
workers), ``score`` (verdicts -> points), ``pipeline`` (the stages run for one submission
or a class, with resume)."""
