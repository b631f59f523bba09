"""Office reports: KPIs from the event log, SKM/IKM, outputs (CSV, XLSX, HTML, PDF),
the admin report page, retention (purge into daily aggregates) and online backup."""
