"""Finance's Excel workbooks and SAP exports (connector kind `excel`).

`tables` reads any tabular file into header-keyed rows with their locations and `snapshot`
diffs file versions; both are entity-agnostic, for other file-drop connectors to reuse.
"""
