"""The demo's config file: the hub on SQLite in one process, connected to the sandboxes.

It is written as YAML and loaded through the same validation as any user's config, so
`.demo/config.yaml` is also a working example to copy from.
"""

from __future__ import annotations

from pathlib import Path

from hub.demo.tools import ASANA_TOKEN, JIRA_EMAIL, JIRA_SECRET, JIRA_TOKEN, Tools


def demo_config(tools: Tools, directory: Path, port: int) -> str:
    """The config YAML for a hub on `port` keeping its data in `directory`."""
    projects = "\n".join(f"      - \"{gid}\"   # {name}"
                         for name, gid in tools.asana_projects.items())
    return f"""\
# Written by `hub demo`: the hub on its embedded default (SQLite, one process) against
# local sandboxes of the departments' tools. Credentials here are the sandboxes' own.
database:
  url: sqlite:///{directory / "hub.db"}
server:
  host: 127.0.0.1
  port: {port}
  public_url: http://127.0.0.1:{port}   # the tools send their webhooks here
logging:
  level: warning
  format: text

connectors:
  rd-jira:                 # R&D plans in Jira
    kind: jira
    base_url: {tools.jira_url}
    email: {JIRA_EMAIL}
    api_token: {JIRA_TOKEN}
    jql: project in (LAUNCH, CORE, MOB)
    create_project: LAUNCH
    poll: {{every: 15s, overlap: 1m, delete_scan: 10m}}
    webhook: {{secret: {JIRA_SECRET}}}
  mkt-asana:               # marketing plans in Asana
    kind: asana
    base_url: {tools.asana_url}
    token: {ASANA_TOKEN}
    projects:
{projects}
    poll: {{every: 15s}}

sync:
  entities:
    task:
      match: [custom.jira_key]   # an Asana task whose "Jira key" names an issue is that issue
      default_policy: latest     # the newer change wins...
      fields:
        title: manual            # ...but two people renaming a task at once is for a person
    person:
      match: [email]             # case-folded: Mei.Chen@Aurora.Example is mei.chen@aurora.example
"""
