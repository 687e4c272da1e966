"""HR systems: BambooHR (API and webhooks), Workday custom reports, and CSV/XLSX exports."""
