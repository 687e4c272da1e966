"""The demo's config file: the hub on SQLite in one process, connected to the sandboxes.

It is written as YAML and loaded through the same validation as any user's config, so
`.demo/config.yaml` is also a working example to copy from.
"""

from __future__ import annotations

from pathlib import Path

from hub.demo.sales import DELIVERY, KICKOFF
from hub.demo.tools import (
    ASANA_TOKEN,
    BAMBOO_KEY,
    BAMBOO_SECRET,
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    JIRA_EMAIL,
    JIRA_SECRET,
    JIRA_TOKEN,
    TRELLO_KEY,
    TRELLO_SECRET,
    TRELLO_TOKEN,
    Tools,
)


def demo_config(tools: Tools, directory: Path, port: int) -> str:
    """The config YAML for a hub on `port` keeping its data in `directory`."""
    projects = "\n".join(f"      - \"{gid}\"   # {name}"
                         for name, gid in tools.asana_projects.items())
    # Asana has no project keys: the campaign is the launch's (LAUNCH), the others finance's
    # codes for them (WEB, FAIR), as on the budget lines.
    project_codes = ", ".join(f'"{gid}": {tools.asana_codes[name]}'
                              for name, gid in tools.asana_projects.items())
    members = "\n".join(f"      {user}: {email}" for user, email in tools.trello_members.items())
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
    jql: project in (LAUNCH, CORE, MOB, {DELIVERY})
    create_project: LAUNCH
    poll: {{every: 15s, overlap: 1m, delete_scan: 10m}}
    webhook: {{secret: {JIRA_SECRET}}}
    mapping_overrides:     # show finance's verdict on each issue ("Hub budget status")
      types: {{issue: {{fields: {{custom.budget_status:
        {{from: fields.customfield_10050.value, dir: out}}}}}}}}
  mkt-asana:               # marketing plans in Asana
    kind: asana
    base_url: {tools.asana_url}
    token: {ASANA_TOKEN}
    projects:
{projects}
    poll: {{every: 15s}}
    mapping_overrides:     # ...and in Asana's "Budget status" field; a task's project is
      types: {{task: {{fields: {{   # the project code its Asana project stands for
        project: {{from: project.gid, dir: in, map: {{{project_codes}}}}},
        custom.budget_status: {{from: custom.budget_status, dir: out, map: {{approved: approved,
          pending: pending, rejected: rejected, over budget: over_budget,
          unknown: unknown}}}}}}}}}}
  design-trello:           # the design team's Trello board (a declared connector)
    kind: trello
    base_url: {tools.trello_url}/1
    api_key: {TRELLO_KEY}
    token: {TRELLO_TOKEN}
    board: "{tools.trello.board["id"]}"
    members:               # Trello shows e-mails to their owner only: who is who
{members}
    poll: {{every: 15s}}
    webhook: {{secret: {TRELLO_SECRET}}}   # the app secret signing Trello's deliveries
  finance:                 # finance drops SAP exports in a folder; the newest one counts
    kind: excel
    preset: sap_budget
    sources:
      sap: {{path: "{tools.finance_drop}/budget_*.txt"}}
    reports:               # the portfolio workbook the hub keeps current for finance
      - {{path: "{tools.finance_drop}/portfolio.xlsx"}}
    poll: {{every: 500ms}}
    settle: 200ms          # a file must rest this long: a copy in progress is not read (the
                           # demo's drops are renamed into place whole, so a moment will do)
  hr:                      # HR keeps people in BambooHR: it owns name, department, manager
    kind: bamboohr         # and employment status; the hub never writes there
    base_url: {tools.hr_url}
    api_key: {BAMBOO_KEY}
    poll: {{every: 15s}}
    webhook: {{secret: {BAMBOO_SECRET}}}
{_sales(tools)}
sync:
  deals:                   # a deal sales wins becomes a delivery project with kickoff issues
    - stage: Closed Won    # in R&D's Jira; its progress is written back onto the opportunity
      to: rd-jira
      project_key: {DELIVERY}
      project_name: "{{account_name}} delivery"
      department: R&D
      tasks: [{", ".join(KICKOFF)}]
  entities:
    task:
      match: [custom.jira_key]   # an Asana task whose "Jira key" names an issue, or a Trello
                                 # card whose description says "Jira: KEY", is that issue
      default_policy: latest     # the newer change wins...
      fields:
        title: manual            # ...but two people renaming a task at once is for a person
    budget_line:
      fields: {{approval_status: {{owner: finance}}}}
    person:
      match: [email]             # case-folded: Mei.Chen@Aurora.Example is mei.chen@aurora.example

channels:
  rd-dingtalk:             # the R&D lead's DingTalk group robot (signed: timestamp + sign)
    kind: dingtalk
    webhook: {tools.robots_url}/robot/send?access_token={DINGTALK_TOKEN}
    secret: {DINGTALK_SECRET}
    audience: {{role: manager}}

rules:
  - name: budget-rejected  # finance's verdict reaches R&D at once
    when: {{entity: project, field: budget_status, to: rejected}}
    then:
      - notify:
          channels: [rd-dingtalk]
          title: "Budget rejected: {{{{ project }}}}"
          template: "Finance rejected the budget of {{{{ project }}}} ({{{{ name }}}}): hold
            new spending on its issues until it is approved again."

digests:
  at: "00:00"              # the day's digest, written once a day (UTC)
  targets:
    - {{scope: all}}       # readable at GET /api/v1/digests
"""


def _sales(tools: Tools) -> str:
    if tools.sales is None:
        return ""
    return f"""\
  sales:                   # sales works in Salesforce (the hub signs in with a JWT)
    kind: salesforce
    instance_url: {tools.sales.url}
    login_url: {tools.sales.url}
    client_id: hub-connected-app
    username: integration@aurora.example
    private_key_file: {tools.sales.key_file}
    ca_bundle: {tools.sales.ca_file}   # the sandbox's self-signed certificate
    poll: {{every: 2s, overlap: 1m}}   # SOQL on SystemModstamp: Salesforce sends no webhooks here
"""
