"""`hub demo`: the whole hub on the embedded default against sandboxes of the tools, seeded
with one company's departments, and a narrated "day in the life" that shows it at work."""
