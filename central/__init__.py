"""The directorate's view: the offices' outboxes shipped to one PostgreSQL, and the report
that compares every office (docs/central.md). Composed by `antrean/`; may use the reports
and the server's store, which never import it."""
