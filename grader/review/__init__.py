"""The review page (``grader review OUT``): a local, token-protected web page where a TA
decides what needs a person, answer group by answer group. Decisions go to the results
database (``grader.grading.db``); this package writes decisions only."""
