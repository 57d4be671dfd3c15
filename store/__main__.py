"""`python -m store`: create or upgrade the schema, add people, demo data, backup, restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store import accounts, backup, config, db
from store.permissions import ROLES


class UsageError(Exception):
    """The command was called wrongly: main says why and exits with status 2."""


def _password_from_stdin(args: argparse.Namespace) -> str:
    """Return the password given on standard input; refuse without --password-stdin."""
    if not args.password_stdin:
        raise UsageError("pass --password-stdin and give the password on standard input")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_init(_args: argparse.Namespace) -> int:
    """Create or upgrade the schema."""
    db.upgrade()
    print(f"Database ready: {config.database_url()}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create one account; the password comes from standard input."""
    password = _password_from_stdin(args)
    db.upgrade()
    team_id = None
    if args.team:
        team = next((t for t in accounts.list_teams() if t.name.lower() == args.team.lower()), None)
        team = team or accounts.create_team(name=args.team, actor_id=None)
        team_id = team.id
    user = accounts.create_user(
        actor_id=None,
        username=args.username,
        name=args.name,
        role=args.role,
        password=password,
        team_id=team_id,
    )
    if args.role == "manager" and team_id is not None and args.manages_team:
        current = [u.id for u in accounts.team_managers(team_id=team_id)]
        accounts.set_team_managers(team_id=team_id, user_ids=[*current, user.id], actor_id=None)
    print(f"Created {user.role} {user.username} ({user.name})")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Clear the sign-in backoff of an account (for example the only administrator's)."""
    db.upgrade()
    if accounts.get_user_by_username(args.username) is None:
        print(f"error: nobody has the username {args.username!r}", file=sys.stderr)
        return 1
    cleared = accounts.unlock(username=args.username, actor_id=None)
    print(
        f"Cleared the sign-in wait of {args.username}."
        if cleared
        else f"{args.username} had no sign-in wait; nothing to clear."
    )
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    """Set an account's password from standard input; clear its backoff, end its sessions."""
    password = _password_from_stdin(args)
    db.upgrade()
    user = accounts.set_password(username=args.username, password=password)
    print(f"Password set for {user.username}; every session of theirs has ended.")
    return 0


def cmd_new_setup_code(_args: argparse.Namespace) -> int:
    """Replace the first-run setup code (when the printed one was lost)."""
    db.upgrade()
    code = accounts.replace_setup_code()
    print(f"New setup code: {code}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Fill the database with a synthetic organisation and its training history."""
    from store import demo

    db.upgrade()
    if accounts.count_users() and not args.force:
        print(
            "error: the database already has people; seed-demo fills an empty database "
            "(use --force to add to it anyway)",
            file=sys.stderr,
        )
        return 1
    summary = demo.seed_demo(
        staff=args.staff,
        teams=args.teams,
        attempts=args.attempts,
        seed=args.seed,
        content_dir=Path(args.content_dir),
    )
    print(summary)
    print(demo.LOGINS_TEXT)
    return 0


def cmd_demo_logins(_args: argparse.Namespace) -> int:
    """Print the demo sign-ins."""
    from store import demo

    print(demo.LOGINS_TEXT)
    return 0


def cmd_send_reminders(args: argparse.Namespace) -> int:
    """Queue today's reminder mail and send what is due (one pass, for cron or a timer)."""
    from store import reminders

    db.upgrade()
    result = reminders.run_pass(dry_run=args.dry_run)
    for to, kind, subject in result.planned:
        print(f"would send\t{to}\t{kind}\t{subject}")
    print(("Dry run: " if args.dry_run else "") + result.summary())
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the live database to a file (safe while the app runs)."""
    path = backup.backup(Path(args.path))
    print(f"Backup written to {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup made by `backup`."""
    ended = backup.restore(Path(args.path))
    db.upgrade()
    print(
        f"Restored from {args.path}. Ended {ended} sign-in session{'' if ended == 1 else 's'}: "
        "everyone signs in again. Changes made after the backup was taken are gone (people "
        "deactivated since then are active again; check People and teams)."
    )
    return 0


def cmd_import_feedback(args: argparse.Namespace) -> int:
    """Check a customer feedback CSV and import it (all rows or none)."""
    from store import feedback

    db.upgrade()
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    preview = feedback.parse_csv(data)
    for problem in preview.errors:
        print(f"{path}: {problem}", file=sys.stderr)
    if not preview.ok:
        print(f"error: {preview.summary()}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"Dry run, nothing written. {preview.summary()}")
        return 0
    result = feedback.import_feedback(preview, actor_id=None, source="cli", name=path.name)
    print(f"{result.summary()} ({preview.summary()})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m store",
        description="Manage the training database (TRAINING_DATABASE_URL, default "
        f"{config.DEFAULT_DATABASE_URL}).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create or upgrade the schema")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("create-user", help="create an account (password on stdin)")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--team", help="team name (created when missing)")
    p.add_argument(
        "--manages-team",
        action="store_true",
        help="with --role manager: also make them a manager of --team",
    )
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("unlock", help="clear the sign-in wait of an account after failed tries")
    p.add_argument("username")
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("set-password", help="set an account's password (read from stdin)")
    p.add_argument("username")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(func=cmd_set_password)

    p = sub.add_parser("new-setup-code", help="replace a lost first-run setup code")
    p.set_defaults(func=cmd_new_setup_code)

    p = sub.add_parser("seed-demo", help="fill an empty database with a demo organisation")
    p.add_argument("--staff", type=int, default=40)
    p.add_argument("--teams", type=int, default=4)
    p.add_argument("--attempts", type=int, default=400)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--content-dir", default=str(config.content_dir()))
    p.add_argument("--force", action="store_true", help="add to a database that has people")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("demo-logins", help="print the demo sign-ins")
    p.set_defaults(func=cmd_demo_logins)

    p = sub.add_parser(
        "send-reminders",
        help="queue and send reminder mail: one pass, safe every 15 minutes from cron",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; queue and send nothing"
    )
    p.set_defaults(func=cmd_send_reminders)

    p = sub.add_parser(
        "import-feedback", help="import customer feedback from a CSV (all rows or none)"
    )
    p.add_argument("file", help="CSV of either shape (see the README)")
    p.add_argument("--dry-run", action="store_true", help="check and summarise; write nothing")
    p.set_defaults(func=cmd_import_feedback)

    p = sub.add_parser("backup", help="copy the SQLite database to PATH while it runs")
    p.add_argument("path")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="replace the database with the backup at PATH (stop the app first); "
        "ends every sign-in session",
    )
    p.add_argument("path")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except _reported_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _reported_errors() -> tuple[type[Exception], ...]:
    """Return the errors a command reports as `error: ...` with exit status 1 (bad input)."""
    from store import mail  # imported when needed, as the commands that send mail do

    return (accounts.AccountError, backup.BackupError, mail.MailError)


if __name__ == "__main__":
    sys.exit(main())
