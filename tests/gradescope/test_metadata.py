"""submission_metadata.json is read tolerantly: missing fields, bad types, bad files (fast)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from grader.gradescope.metadata import parse_metadata, parse_time, read_metadata

FULL = {
    "id": 123456,
    "created_at": "2024-03-17T23:10:05.123456-04:00",
    "assignment": {
        "due_date": "2024-03-17T23:59:00.000000-04:00",
        "late_due_date": None,
        "title": "Assignment 2",
        "total_points": "100.0",
    },
    "users": [
        {"email": "ada@example.org", "id": 11, "name": "Ada Lovelace", "sid": "20231234"},
        {"email": "bob@example.org", "id": 12, "name": "Bob"},
    ],
    "previous_submissions": [],
}


def test_full_metadata():
    meta = parse_metadata(FULL)
    assert meta.submission_id == "123456"
    assert [user.id for user in meta.users] == ["20231234", "bob@example.org"]  # sid, else email
    assert meta.users[0].name == "Ada Lovelace" and meta.users[1].email == "bob@example.org"
    assert meta.title == "Assignment 2"
    assert meta.late is False
    assert meta.late_due_date is None
    assert meta.to_extra()["users"] == ["20231234", "bob@example.org"]
    json.dumps(meta.to_extra())  # JSON-ready


def test_missing_fields_give_empty_values():
    meta = parse_metadata({})
    assert meta.users == () and meta.created_at is None and meta.due_date is None and meta.late is None
    assert meta.notes == ()
    assert parse_metadata({"users": [{"id": 5}]}).users[0].id == "5"  # only the Gradescope user id


def test_malformed_fields_are_ignored_with_notes():
    meta = parse_metadata({"users": "ada", "assignment": [1], "created_at": "yesterday", "id": {"x": 1}})
    assert meta.users == () and meta.submission_id == ""
    assert len(meta.notes) == 3
    assert parse_metadata({"users": [None, 3, {"name": "no id"}, {"email": " e@x.org "}]}).users[0].id == "e@x.org"
    assert parse_metadata(["not", "an", "object"]).notes


def test_late_submission():
    meta = parse_metadata({"created_at": "2024-03-18T10:00:00Z", "assignment": {"due_date": "2024-03-17T23:59:00-04:00"}})
    assert meta.late is True
    naive = parse_metadata({"created_at": "2024-03-18T10:00:00", "assignment": {"due_date": "2024-03-17T23:59:00-04:00"}})
    assert naive.late is None  # naive vs aware: unknown, not a crash


def test_parse_time_forms():
    assert parse_time("2024-03-17T23:59:00.000000-04:00") is not None
    assert parse_time("2024-03-18T10:00:00Z") == datetime(2024, 3, 18, 10, tzinfo=timezone.utc)
    assert parse_time("") is None and parse_time(None) is None and parse_time(12) is None and parse_time("soon") is None


def test_read_metadata_files(tmp_path):
    assert read_metadata(tmp_path / "absent.json").notes == ("no absent.json",)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert "could not be read" in read_metadata(bad).notes[0]
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert read_metadata(binary).users == ()
    good = tmp_path / "submission_metadata.json"
    good.write_text(json.dumps(FULL), encoding="utf-8")
    assert read_metadata(good).users[0].id == "20231234"
