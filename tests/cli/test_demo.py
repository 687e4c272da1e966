"""`hub demo` end to end in a subprocess: sandboxes, the hub, the narrated day, a clean exit."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

from hub.testing.server import free_port
from tests.plugins import run_hub
from tests.wait import until


def test_the_scripted_day_reaches_every_tool_and_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    result = run_hub("demo", "--directory", str(tmp_path), "--port", str(port), timeout=180)

    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    steps = {s["step"]: s for s in summary["steps"]}
    assert summary["ok"], summary
    assert all(s["ok"] for s in steps.values()), summary
    done = steps["A developer moves a launch issue to Done in Jira"]["facts"]
    assert done["asana_completed"] is True
    assert done["trello_list"] == "Done"  # the design team's card for the same launch issue
    due = steps["Marketing moves a due date in Asana"]["facts"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", due["jira_duedate"])
    rejected = steps["Finance drops an export that rejects a budget"]["facts"]
    assert "Budget rejected: LAUNCH" in rejected["dingtalk"]  # the R&D lead's robot, signed
    assert "Daily digest for everything" in result.stdout
    leaver = steps["HR marks an engineer as leaving"]["facts"]
    assert leaver["open_tasks"] > 0
    assert leaver["at_risk"] == leaver["still_assigned"] == leaver["open_tasks"]
    renamed = steps["Two people rename the same task at once"]["facts"]
    assert renamed["jira_summary"] == renamed["asana_name"]
    deal = steps["Sales wins a deal in Salesforce"]["facts"]
    assert len(deal["jira_issues"]) == 4  # the kickoff issues, in R&D's delivery project
    assert deal["delivery_project"] == "DLV"
    assert deal["percent_done"] == 25  # one of four done in Jira, read by sales in Salesforce
    assert deal["next_milestone"] in deal["jira_issues"]
    assert "every step reached every tool" in result.stdout
    # The dashboard signed in through the company's identity provider, as the agency's contact.
    assert ("dashboard sign-in through the identity provider: signed in as Pixelwerk Studio "
            "contact (partner, Pixelwerk Studio)") in result.stdout
    assert "/ui/sso/local?login_hint=agency" in result.stdout
    assert "stopped: the hub, its workers and the sandboxes are down" in result.stdout
    assert _port_is_free(port)
    assert "Traceback" not in result.stderr, result.stderr


def test_no_script_keeps_running_until_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("HUB_CONFIG", None)
    demo = subprocess.Popen([sys.executable, "-m", "hub", "demo", "--no-script", "--directory",
                             str(tmp_path), "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert demo.stdout is not None
    stdout = demo.stdout
    reader = threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        until(lambda: any("Everything keeps running" in line for line in lines)
              or demo.poll() is not None, "the demo's initial sync", within=120)
        assert demo.poll() is None, "".join(lines)
        token = next(line.split()[2] for line in lines if "admin token" in line)
        answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/tasks",
                           params={"include": "total", "limit": 1},
                           headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] > 200  # R&D's and marketing's tasks, one list
        tokens = {line.split()[0]: line.split()[2] for line in lines
                  if re.match(r"  (admin|department|partner) token  ", line)}
        tried = {m.group(1): _ask(m.group(1), m.group(2)) for line in lines
                 if (m := _CURL.search(line))}
        projects = {p["key"]: p for p in _ask(token, f"http://127.0.0.1:{port}/api/v1/"
                                                     "projects?limit=50")}
        dashboard = next(line.split()[1] for line in lines if line.startswith("  dashboard "))
        assert dashboard == f"http://127.0.0.1:{port}/ui"
        assert "Core platform" in _dashboard(dashboard, tokens["department"])

        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
    reader.join(timeout=5)
    output = "".join(lines)
    # Every role has a token in the banner, and its example query answers with records.
    assert set(tokens) == {"admin", "department", "partner"}
    assert set(tried) == set(tokens.values())
    away = tried[tokens["admin"]]  # who is away before a task is due
    assert away
    assert {a["kind"] for a in away} == {"vacation"}
    rnd = tried[tokens["department"]]
    assert rnd
    keys = {p["id"]: p["key"] for p in projects.values()}
    assert {keys[t["project_id"]] for t in rnd} <= {"LAUNCH", "CORE", "MOB"}  # R&D's only
    shared = tried[tokens["partner"]]
    assert shared
    assert {keys[t["project_id"]] for t in shared} == {"MOB"}
    # Projects have names and departments, Asana's too.
    assert projects["CORE"]["name"] == "Core platform"
    assert projects["CORE"]["department"] == "R&D"
    assert {p["department"] for p in projects.values()} == {"R&D", "Marketing"}
    assert "Website relaunch" in {p["name"] for p in projects.values()}
    assert demo.returncode in (0, 130), output
    assert "stopped: the hub, its workers and the sandboxes are down" in output
    assert "Traceback" not in output, output
    assert _port_is_free(port)


_CURL = re.compile(r"curl -H 'Authorization: Bearer (\S+)' '(\S+)'")


def _ask(token: str, url: str) -> list[dict[str, Any]]:
    """The items a role's query answers with."""
    answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, (url, answer.text)
    return list(answer.json()["items"])


def _dashboard(url: str, token: str) -> str:
    """The portfolio page after signing in with `token` as a browser does."""
    with httpx.Client(timeout=10, follow_redirects=True) as browser:
        form = browser.get(f"{url}/sign-in").text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        page = browser.post(f"{url}/sign-in", data={"token": token, "csrf": csrf})
        assert page.status_code == 200, page.text
        assert str(page.url).endswith("/ui/portfolio")
        return page.text


def _port_is_free(port: int) -> bool:
    """Nobody listens there any more (connections in TIME_WAIT don't count)."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0
