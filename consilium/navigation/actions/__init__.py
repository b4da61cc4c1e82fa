"""Navigation's changes, one module per part; each runs in one transaction with its audit
entry, and refuses bad input with a ValidationError before anything is written."""
