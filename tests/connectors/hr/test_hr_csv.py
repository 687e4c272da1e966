"""The `hr_csv` kind: people from HR's exported files (a DingTalk CSV in GBK with Chinese
headers, a German XLSX), through the finance connector's reader and diff, on the real engine:
one person per row, leavers and vanished rows from the next export, bad rows quarantined,
columns the mapping doesn't read never stored, and nothing ever written back to HR."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select

from connectors.hr.exports import HrCsvConfig, HrCsvConnector
from hub.config.models import HubConfig
from hub.errors import Permanent
from hub.sdk.connector import LinkRef
from hub.sdk.registry import Registry
from hub.store.canonical import Person
from hub.store.sync import Link, QuarantineItem
from hub.sync.jobs import poll_connector
from hub.sync.runtime import Runtime

pytestmark = pytest.mark.anyio

DINGTALK = ("工号,姓名,工作邮箱,部门,直属上级邮箱,在职状态,薪资\n"
            "1001,王芳,Wang.Fang@Example.com,研发部,,在职,35000\n"
            "1002,李伟,li.wei@example.com,研发部,wang.fang@example.com,在职,28000\n"
            "1003,张敏,zhang.min@example.com,市场部,wang.fang@example.com,试用,22000\n")


def _export(folder: Path, name: str, text: str, encoding: str = "gbk") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    then = time.time() - 60  # the copy finished a minute ago
    os.utime(path, (then, then))
    return path


def _runtime(engine: Engine, folder: Path, pattern: str) -> Runtime:
    config = HrCsvConfig.model_validate({"sources": {"people": {"path": str(folder / pattern)}}})
    registry = Registry()
    registry.add(HrCsvConnector)
    return Runtime(HubConfig(connectors={"hr-files": config}), registry, engine)


def _people(rt: Runtime) -> dict[str, Person]:
    with rt.sessions() as session:
        people = session.scalars(select(Person).where(Person.deleted_at.is_(None))).all()
        for person in people:
            session.expunge(person)
        return {str(p.primary_email): p for p in people}


async def test_a_dingtalk_export_becomes_one_person_per_row(engine: Engine,
                                                            tmp_path: Path) -> None:
    _export(tmp_path, "员工花名册_2026-11.csv", DINGTALK)
    rt = _runtime(engine, tmp_path, "*.csv")

    tally = await poll_connector(rt, "hr-files")

    assert tally.created == 3
    people = _people(rt)
    assert sorted(people) == ["li.wei@example.com", "wang.fang@example.com",
                              "zhang.min@example.com"]
    li = people["li.wei@example.com"]
    assert (li.display_name, li.department) == ("李伟", "研发部")
    assert li.manager_id == people["wang.fang@example.com"].id
    assert people["zhang.min@example.com"].employment_status.value == "active"  # 试用: probation
    # The salary column is in the file, not in the hub.
    assert all("35000" not in repr((p.custom, p.provenance)) for p in people.values())


async def test_the_next_export_brings_leavers_changes_and_gone_rows(engine: Engine,
                                                                    tmp_path: Path) -> None:
    _export(tmp_path, "roster_1.csv", DINGTALK)
    rt = _runtime(engine, tmp_path, "roster_*.csv")
    await poll_connector(rt, "hr-files")
    lines = DINGTALK.splitlines()
    changed = [lines[0], lines[1].replace("研发部", "平台部"),
               lines[2].replace(",在职,", ",离职,")]  # 1003 is no longer in the export
    _export(tmp_path, "roster_2.csv", "\n".join(changed) + "\n")

    tally = await poll_connector(rt, "hr-files")
    again = await poll_connector(rt, "hr-files")

    assert tally.updated == 2
    people = _people(rt)
    assert people["wang.fang@example.com"].department == "平台部"
    assert people["li.wei@example.com"].employment_status.value == "terminated"
    with rt.sessions() as session:
        gone = session.scalars(select(Link).where(Link.remote_id == "people:1003")).one()
    assert gone.deleted_at is not None
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)  # same file: nothing


async def test_a_german_xlsx_with_a_bad_row_imports_the_good_ones(engine: Engine,
                                                                  tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Personalbericht November"])
    sheet.append(["Personalnummer", "Mitarbeiter", "E-Mail", "Abteilung", "Status"])
    sheet.append(["00017", "Jonas Weber", "jonas.weber@example.com", "Entwicklung", "Aktiv"])
    sheet.append(["00018", "Lena Fischer", "lena.fischer(at)example", "Marketing", "Aktiv"])
    sheet.append(["00019", "Anja Keller", "anja.keller@example.com", "Finanzen", "Beurlaubt"])
    path = tmp_path / "Personal.xlsx"
    book.save(path)
    os.utime(path, (time.time() - 60, time.time() - 60))
    rt = _runtime(engine, tmp_path, "*.xlsx")

    tally = await poll_connector(rt, "hr-files")

    assert (tally.created, tally.quarantined) == (2, 1)
    people = _people(rt)
    assert people["anja.keller@example.com"].employment_status.value == "on_leave"
    with rt.sessions() as session:
        problem = session.scalars(select(QuarantineItem)).one()
    assert "Personal.xlsx" in problem.reason
    assert "lena.fischer(at)example" in problem.reason


async def test_hr_is_never_written(tmp_path: Path) -> None:
    connector = HrCsvConnector("hr-files", HrCsvConfig.model_validate(
        {"sources": {"people": {"path": str(tmp_path / "*.csv")}}}))

    with pytest.raises(Permanent, match="read-only"):
        await connector.push(LinkRef("employee", "people:1", {}), {"department": "Sales"})
    assert connector.config.write_back.enabled is False
