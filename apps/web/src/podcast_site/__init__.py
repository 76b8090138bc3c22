"""The Right-Sized Python podcast site: a Quart app served by Granian, backed by Postgres."""
