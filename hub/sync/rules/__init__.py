"""Derivation rules (see `hub.sync.derive`): every module here is imported on first use and
registers its rules. One rule per module, so rules are added without editing shared files."""
