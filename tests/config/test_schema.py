"""`hub config schema` gives editors a schema that knows each installed connector kind."""

from __future__ import annotations

import json
from pathlib import Path

from tests.plugins import fake_site, install_plugin, run_hub


def test_schema_covers_the_sections_and_every_installed_kind(tmp_path: Path) -> None:
    site = fake_site(tmp_path / "site")
    install_plugin(site, "acme_hub", "acme_hub", {"acme": "acme_hub:AcmeConnector"})

    result = run_hub("config", "schema", site=site)

    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert {"database", "server", "logging", "connectors"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    kinds = json.dumps(schema["properties"]["connectors"])
    assert "FakeConfig" in kinds
    assert "AcmeConfig" in kinds
    every = schema["$defs"]["PollConfig"]["properties"]["every"]
    assert every["type"] == "string"
    database = json.dumps(schema["properties"]["database"])
    assert '"type": "string"' in database  # `database: sqlite:///hub.db` is valid there too
