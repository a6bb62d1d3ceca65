/// SQLite-backed state of Mohur: see Database and the repositories.
