"""Cross-app proofs (the top floor, like urls.py): the scope matrix over every API operation and
schemathesis over the whole OpenAPI description (issue 11, items 13 and 14)."""
