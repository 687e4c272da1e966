"""Test kit for connector authors and the engine: an in-memory fake tool and the conformance
suite every connector runs against its sandbox."""
