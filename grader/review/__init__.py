"""Review what needs a person: the review page and the decisions CSV (they write decisions only)."""
