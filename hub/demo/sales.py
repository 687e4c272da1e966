"""Sales in the demo: a Salesforce org (its sandbox, over TLS as Salesforce speaks it) with an
account and a deal in negotiation. When sales wins it, the hub makes it a delivery project with
kickoff issues in R&D's Jira, and writes delivery's progress back onto the opportunity.

The sandbox is found through the `hub.sandboxes` entry point, like the other tools'."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.demo.cast import Employee
from hub.demo.steps import Narrator, wait_for
from hub.sdk.registry import load_sandbox
from hub.testing.server import self_signed_certificate, serve

DELIVERY = "DLV"  # R&D's Jira project for customer deliveries
ACCOUNT = "Nordlicht Retail"
KICKOFF = ["Kickoff with Nordlicht Retail", "Confirm the statement of work",
           "Set up the store pilot", "Plan milestone 1"]
SALES_USER = ("jonas.berg@aurora.example", "Jonas Berg", "Sales DACH")
#: people the hub learns of from Salesforce alone (the deal's owner)
SALES_PEOPLE = [SALES_USER[0]]
WITHIN = 30.0


@dataclass
class SalesOrg:
    """The running org, where the hub signs in (JWT bearer), and the deal."""

    org: Any  # the salesforce sandbox (a hub.sandboxes entry point)
    url: str
    key_file: Path  # the connected app's private key: the hub signs its JWTs with it
    ca_file: Path  # the org's self-signed certificate, which the hub trusts
    deal_id: str = ""

    def deal(self) -> dict[str, Any]:
        record = self.org.org.find("Opportunity", self.deal_id)
        return dict(record) if record else {}


@contextmanager
def running_org(directory: Path) -> Iterator[SalesOrg]:
    """The org, seeded with one account and a deal in negotiation, served until the block
    ends."""
    sandbox_class = load_sandbox("salesforce")
    key_file = directory / "salesforce" / "connected-app.key"
    org = sandbox_class.from_options(sandbox_class.options(key_file=key_file, seed=7))
    certfile, keyfile = self_signed_certificate(key_file.parent)
    with serve(org.app, certfile=certfile, keyfile=keyfile) as server:
        org.connected_app.audience = server.url  # the org's own token endpoint, as My Domain
        sales = SalesOrg(org, server.url, key_file, certfile)
        owner = org.add_user(SALES_USER[0], SALES_USER[1], department=SALES_USER[2])
        account = org.create_account(ACCOUNT, Industry="Retail")
        deal = org.create_opportunity(f"{ACCOUNT} store pilot", account["Id"],
                                      stage="Negotiation/Review", Amount=180000,
                                      OwnerId=owner["Id"])
        sales.deal_id = str(deal["Id"])
        yield sales


def won_deal(sales: SalesOrg, jira: Any, developer: Employee,
             narrator: Narrator) -> tuple[str, dict[str, Any]]:
    """Sales closes the deal; delivery's kickoff issues appear in Jira; a developer finishes
    the kickoff; sales sees the progress on the opportunity."""
    narrator.say(f"   {SALES_USER[1]} moves \"{ACCOUNT} store pilot\" to Closed Won in "
                 "Salesforce")
    sales.org.close_deal(sales.deal_id)
    issues = wait_for(lambda: _kickoff_issues(jira), WITHIN,
                      f"{len(KICKOFF)} kickoff issues in Jira project {DELIVERY}")
    narrator.say(f"   the hub opens project {DELIVERY} and creates "
                 f"{', '.join(sorted(issues))} in Jira; {developer.name} finishes the kickoff")
    first = next(key for key, title in issues.items() if title == KICKOFF[0])
    jira.transition(first, "Done", actor=developer.email)
    progress = wait_for(lambda: sales.deal().get("Delivery_Percent_Done__c"), WITHIN,
                        "delivery's progress on the opportunity")  # 0 until the kickoff is done
    deal = sales.deal()
    return (f"Jira holds the {len(issues)} kickoff issues of project {DELIVERY}, and the "
            f"opportunity in Salesforce reads {progress:.0f}% done, next: "
            f"\"{deal.get('Next_Milestone__c')}\"",
            {"jira_issues": sorted(issues.values()), "opportunity": sales.deal_id,
             "delivery_project": deal.get("Delivery_Project__c"),
             "percent_done": progress, "next_milestone": deal.get("Next_Milestone__c")})


def _kickoff_issues(jira: Any) -> dict[str, str] | None:
    found = {issue.key: jira.issue(issue.key)["fields"]["summary"]
             for issue in list(jira.state.issues.values()) if issue.key.startswith(f"{DELIVERY}-")}
    return found if sorted(found.values()) == sorted(KICKOFF) else None
