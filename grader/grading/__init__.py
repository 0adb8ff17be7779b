"""The grading pipeline: plan -> check -> score -> record (the results database)."""
