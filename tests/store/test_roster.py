"""Roster import: preview, row-level errors, all or nothing."""

import contextlib
import threading
import time

import pytest
from passlib.context import CryptContext

from store import accounts, roster, security
from tests.factories import make_user

GOOD = (
    "username,name,team,role,manager\n"
    "jsmith,Jo Smith,Front desk,employee,no\n"
    "amorgan,Alex Morgan,Front desk,manager,yes\n"
    "lee,Lee Chan,Phones,employee,\n"
)

pytestmark = [pytest.mark.both_dbs, pytest.mark.usefixtures("fresh_db")]


def test_valid_roster_previews_and_imports_everything():
    preview = roster.parse_roster(GOOD.encode("utf-8-sig"))
    assert preview.ok, preview.errors
    assert preview.new_teams == {"Front desk", "Phones"}
    result = roster.import_roster(preview, actor_id=None)
    assert len(result.created) == 3 and result.teams_created == 2
    people = {p.username: p for p in accounts.list_people()}
    assert people["amorgan"].manages == "Front desk"
    assert people["jsmith"].must_change_password
    # a temporary password works for signing in
    username, password = result.created[0]
    assert accounts.authenticate(username=username, password=password).user


def test_existing_people_are_updated_not_duplicated():
    make_user("jsmith", name="Old Name")
    preview = roster.parse_roster(GOOD)
    assert "jsmith" not in preview.new_usernames
    result = roster.import_roster(preview, actor_id=None)
    assert result.updated == 1
    assert accounts.get_user_by_username("jsmith").name == "Jo Smith"


def test_row_errors_are_reported_with_line_numbers_and_nothing_is_imported():
    bad = (
        "username,name,team,role,manager\n"
        "ok.person,Okay,Team A,employee,no\n"
        "Bad Name,,Team A,chef,maybe\n"
        "ok.person,Again,Team A,employee,no\n"
        "emp,Emp,Team A,employee,yes\n"
    )
    preview = roster.parse_roster(bad)
    assert not preview.ok
    lines = {line for line, _ in preview.errors}
    assert lines == {3, 4, 5}
    messages = " ".join(m for _, m in preview.errors)
    assert "role 'chef'" in messages and "appears twice" in messages
    assert "manager must be yes or no" in messages
    with contextlib.suppress(ValueError):
        roster.import_roster(preview, actor_id=None)
    assert accounts.count_users() == 0


def test_missing_columns_and_bad_encoding_are_explained():
    assert "Missing column" in roster.parse_roster("user,name\nx,y\n").errors[0][1]
    assert "UTF-8" in roster.parse_roster(b"\xff\xfe\x00bad").errors[0][1]
    assert "empty" in roster.parse_roster("").errors[0][1]
    assert "no people" in roster.parse_roster("username,name,team,role\n").errors[0][1]


def test_a_file_over_the_size_cap_is_refused_before_it_is_read():
    big = b"username,name,team,role\n" + b"x" * roster.MAX_BYTES
    preview = roster.parse_roster(big)
    assert preview.errors == [(1, roster.TOO_BIG)] and not preview.rows


def test_temporary_passwords_of_an_import_are_readable_and_work():
    result = roster.import_roster(roster.parse_roster(GOOD), actor_id=None)
    for username, password in result.created:
        assert set(password) <= set(security.TEMPORARY_ALPHABET)
        assert accounts.authenticate(username=username, password=password).user


def test_an_import_hashes_before_it_takes_the_write_lock(monkeypatch, db_backend):
    # Production-cost argon2 (about 0.15 s a hash here): 16 new people used to hold SQLite's
    # write lock for the whole of their hashing.
    monkeypatch.setattr(security, "_CTX", CryptContext(schemes=["argon2"], argon2__type="ID"))
    lines = [f"person{i},Person {i},Team,employee" for i in range(16)]
    preview = roster.parse_roster("username,name,team,role\n" + "\n".join(lines) + "\n")
    assert preview.ok
    waits, done = [], threading.Event()

    def other_writer() -> None:
        while not done.is_set():
            started = time.monotonic()
            accounts.create_team(name=f"Unrelated {len(waits)}", actor_id=None)  # a short write
            waits.append(time.monotonic() - started)
            time.sleep(0.05)

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        result = roster.import_roster(preview, actor_id=None)
    finally:
        done.set()
        writer.join()
    assert len(result.created) == 16
    # SQLite has one write lock for the whole database: the old import made this write wait
    # 7.5 s. PostgreSQL never blocked an unrelated insert, so there the time only tells how
    # busy the machine's two cores are with the hashing.
    if db_backend == "sqlite":
        assert max(waits) < 2.5, f"a write waited {max(waits):.2f} s behind the import"


def test_the_example_file_and_the_passwords_file_come_from_the_one_csv_writer():
    example = roster.example_csv()
    assert example.startswith(b"\xef\xbb\xbf") and b"\r\n" in example  # csv_bytes' BOM, CRLF
    preview = roster.parse_roster(example)
    assert preview.ok, preview.errors
    result = roster.import_roster(preview, actor_id=None)
    assert {u for u, _p in result.created} == {"jsmith", "amorgan"}
    passwords = roster.passwords_csv(result.created).decode("utf-8-sig").splitlines()
    assert passwords[0] == "username,temporary_password"
    assert sorted(passwords[1:]) == sorted(f"{u},{p}" for u, p in result.created)
