"""`python -m store`: every command documented, create-user, backup and restore."""

import subprocess
import sys

import pytest

from store import accounts
from store.__main__ import build_parser, main
from tests.factories import ROOT, make_user

pytestmark = pytest.mark.usefixtures("fresh_db")


def run_cli(*args, stdin="", env_url=None):
    import os

    env = dict(os.environ)
    if env_url:
        env["TRAINING_DATABASE_URL"] = env_url
    return subprocess.run(
        [sys.executable, "-m", "store", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_help_lists_every_command():
    out = run_cli("--help").stdout
    for command in ("init", "create-user", "seed-demo", "backup", "restore"):
        assert command in out
    for name, sub in build_parser()._subparsers._group_actions[0].choices.items():
        assert sub.format_help(), name


def test_create_user_reads_the_password_from_stdin_and_stores_argon2id(fresh_db):
    result = run_cli(
        "create-user",
        "--username",
        "ann",
        "--name",
        "Ann",
        "--role",
        "manager",
        "--team",
        "Front desk",
        "--password-stdin",
        stdin="a long password\n",
        env_url=fresh_db,
    )
    assert result.returncode == 0, result.stderr
    user = accounts.get_user_by_username("ann")
    assert user.password_hash.startswith("$argon2id$")
    assert accounts.authenticate(username="ann", password="a long password").user


def test_create_user_errors_are_clear(fresh_db):
    result = run_cli(
        "create-user",
        "--username",
        "ann",
        "--name",
        "Ann",
        "--role",
        "employee",
        "--password-stdin",
        stdin="short\n",
        env_url=fresh_db,
    )
    assert result.returncode == 1
    assert "at least 10" in result.stderr and "Traceback" not in result.stderr
    assert main(["create-user", "--username", "x1", "--name", "X", "--role", "employee"]) == 2


def test_backup_and_restore_commands(fresh_db, tmp_path):
    assert main(["backup", str(tmp_path / "b.db")]) == 0
    assert main(["restore", str(tmp_path / "b.db")]) == 0
    (tmp_path / "junk").write_text("junk")
    assert main(["restore", str(tmp_path / "junk")]) == 1


def test_set_password_and_unlock_recover_the_only_admin(fresh_db):
    admin = make_user("boss", "admin")
    token, _ = accounts.create_session(user_id=admin.id)
    for i in range(8):
        accounts.authenticate(username="boss", password="guess guess", address=f"10.0.0.{i}")
    assert accounts.authenticate(username="boss", password="x", address="10.1.1.1").wait_seconds
    result = run_cli("unlock", "boss", env_url=fresh_db)
    assert result.returncode == 0 and "Cleared" in result.stdout, result.stderr
    result = run_cli(
        "set-password", "boss", "--password-stdin", stdin="a fresh long phrase\n", env_url=fresh_db
    )
    assert result.returncode == 0, result.stderr
    assert accounts.user_for_token(token) is None  # every old session has ended
    assert accounts.authenticate(username="boss", password="a fresh long phrase").user
    weak = run_cli(
        "set-password", "boss", "--password-stdin", stdin="password12\n", env_url=fresh_db
    )
    assert weak.returncode == 1 and "too easy to guess" in weak.stderr
    assert run_cli("unlock", "nobody", env_url=fresh_db).returncode == 1


def test_new_setup_code_replaces_a_lost_one_until_an_admin_exists(fresh_db):
    assert accounts.new_setup_code() is not None
    result = run_cli("new-setup-code", env_url=fresh_db)
    assert result.returncode == 0, result.stderr
    code = result.stdout.split(": ")[1].strip()
    admin = accounts.create_first_admin(
        setup_code=code, username="root", name="Root", password="correct horse battery"
    )
    assert admin.role == "admin"
    assert run_cli("new-setup-code", env_url=fresh_db).returncode == 1


def test_every_command_reports_bad_input_as_one_error_line(fresh_db, tmp_path, monkeypatch, capsys):
    """Account, backup and mail errors all end as `error: ...` and status 1, never a traceback."""
    monkeypatch.setenv("TRAINING_SMTP_URL", "mail.example.com:25")  # not an smtp:// URL
    assert main(["send-reminders"]) == 1
    assert main(["restore", str(tmp_path / "missing.db")]) == 1
    assert main(["unlock", "nobody"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines), lines
    assert "must look like" in lines[0]
