"""`hub config ...`: the JSON Schema for editors, and the effective config with secrets masked."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

import typer
import yaml
from pydantic import Field, create_model

from hub.cli.common import ConfigOption, load, out
from hub.config.models import HubConfig
from hub.sdk.config import ConnectorConfig
from hub.sdk.registry import Registry, discover

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)


def config_schema(registry: Registry) -> dict[str, Any]:
    """The JSON Schema of config.yaml, with each installed connector kind's settings."""
    kinds: list[type[ConnectorConfig]] = [
        create_model(m.__name__, __base__=m,
                     kind=(Literal[kind], Field(description=f"connector kind `{kind}`")))  # type: ignore[arg-type]
        for kind, m in sorted(registry.config_models().items())
    ]
    if not kinds:
        entry: Any = ConnectorConfig
    elif len(kinds) == 1:
        entry = kinds[0]
    else:
        entry = Annotated[Union[tuple(kinds)], Field(discriminator="kind")]  # noqa: UP007
    model = create_model("HubConfig", __base__=HubConfig,
                         connectors=(dict[str, entry], Field(default_factory=dict)))
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Integration hub config.yaml"
    return schema


@app.command()
def schema() -> None:
    """Print the JSON Schema of config.yaml (point your editor's YAML plugin at it)."""
    out.print(json.dumps(config_schema(discover()), indent=2), markup=False)


@app.command()
def show(config: ConfigOption = None) -> None:
    """Print the effective config, defaults filled in, secrets masked."""
    loaded = load(config)
    data = loaded.config.model_dump(mode="json")
    # Each connector dumps with its own kind's model, so kind-specific settings show too.
    data["connectors"] = {cid: settings.model_dump(mode="json")
                          for cid, settings in loaded.config.connectors.items()}
    data["database"]["url"] = loaded.config.database.display_url
    out.print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), markup=False)
