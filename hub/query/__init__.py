"""Reads for the unified API: scoped, filtered, keyset-paginated views of canonical records and
of the sync engine's state. Routes call these; they hold no HTTP."""
