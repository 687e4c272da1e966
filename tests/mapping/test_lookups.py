"""Lookup tables: a field reads an id from the tool and gets what it stands for (a Trello
list's name, a member's e-mail), and writes the id back for the value; misses say which table
and which id, or are dropped where the mapping says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.mapping import Lookups, MappingError, load_mapping

MAPPING = """\
kind: board
types:
  card:
    entity: task
    fields:
      title: {from: name}
      status:
        from: idList
        lookup: lists
        map: {"To Do": todo, "Doing": in_progress, "Done": done}
        raw: raw_status
      assignees: {from: idMembers, lookup: members, unmapped: drop}
"""


@pytest.fixture
def card(tmp_path: Path) -> object:
    path = tmp_path / "board.yaml"
    path.write_text(MAPPING)
    return load_mapping(path).for_type("card")


@pytest.fixture
def lookups() -> Lookups:
    tables = Lookups()
    tables.table("lists").update({"L1": "To Do", "L2": "Doing", "L3": "Done"})
    tables.table("members", people="member").update({"M1": "Ana@Acme.example"})
    return tables


def test_ids_read_become_values(card: object, lookups: Lookups) -> None:
    values = card.inbound({"name": "Poster", "idList": "L2",  # type: ignore[attr-defined]
                           "idMembers": ["M1", "M9"]}, lookups).values

    assert values["status"] == "in_progress"
    assert values["raw_status"] == "Doing"
    assert values["assignees"] == ["ana@acme.example"]  # M9 is nobody the hub knows: dropped


def test_values_written_become_ids(card: object, lookups: Lookups) -> None:
    patch = card.outbound({"status": "done",  # type: ignore[attr-defined]
                           "assignees": ["ana@acme.example"]}, lookups)

    assert patch == {"idList": "L3", "idMembers": ["M1"]}


def test_an_id_missing_from_the_table_names_it(card: object, lookups: Lookups) -> None:
    with pytest.raises(MappingError, match='"L7" at idList is not in the lookup table "lists"'):
        card.inbound({"name": "Poster", "idList": "L7"}, lookups)  # type: ignore[attr-defined]


def test_a_value_without_an_id_is_refused_for_writing(card: object, lookups: Lookups) -> None:
    lookups["lists"].replace({"L1": "To Do"})
    with pytest.raises(MappingError,
                       match='status: no board id for "Done" in the lookup table "lists"'):
        card.outbound({"status": "done"}, lookups)  # type: ignore[attr-defined]


def test_without_the_table_the_field_says_what_it_needs(card: object) -> None:
    with pytest.raises(MappingError, match='needs the lookup table "lists"'):
        card.inbound({"name": "Poster", "idList": "L1"})  # type: ignore[attr-defined]


def test_overlay_fills_in_without_changing_the_connector_tables(lookups: Lookups) -> None:
    batch = lookups.overlay({"members": {"M9": "bo@acme.example", "M1": "other@x.example"}})

    assert batch["members"].value("M9") == "bo@acme.example"
    assert batch["members"].value("M1") == "Ana@Acme.example"  # the connector's entry wins
    assert "M9" not in lookups["members"]
