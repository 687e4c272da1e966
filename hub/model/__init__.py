"""The canonical model: what a project, task, person, absence and budget line are, tool-neutral."""
