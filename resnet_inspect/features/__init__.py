"""One module per question a user asks; each returns a typed result that owns its records and their schema."""
