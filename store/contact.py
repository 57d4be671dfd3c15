"""People's email addresses and the kinds of mail each person switched off.

An address is optional, checked with the maintained `email-validator` (syntax only: no network
look-up), and stored lowercase so that it is unique whatever the case (a unique index holds it).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.accounts import AccountError, _audit, _permitted
from store.db import session_scope
from store.models import User
from store.permissions import Action
from training.reminders import OPTIONAL, Kind


def normalise_email(text: str | None) -> str | None:
    """Return the address in its stored (checked, lowercase) form, None when blank.

    Raises AccountError with a message a person can act on when it is not an address.
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 254:
        raise AccountError("An email address is at most 254 characters.")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(f"'{text}' is not an email address: {exc}") from None
    return checked.normalized.lower()


def email_taken(session: Session, email: str, *, other_than: int | None = None) -> bool:
    """Return True when someone other than other_than has this (normalised) address."""
    query = select(User.id).where(User.email == email)
    if other_than is not None:
        query = query.where(User.id != other_than)
    return session.exec(query).first() is not None


def taken_message(email: str) -> str:
    """Return the refusal for an address someone else has."""
    return f"Someone else already has the email address {email}; each person needs their own."


def check_email(*, user_id: int, email: str | None) -> str | None:
    """Return the stored form of an address for this person; raise AccountError if unusable."""
    clean = normalise_email(email)
    if clean:
        with session_scope(write=False) as session:
            if email_taken(session, clean, other_than=user_id):
                raise AccountError(taken_message(clean))
    return clean


def set_email(*, user_id: int, actor_id: int | None, email: str | None) -> str | None:
    """Set or clear a person's email address (administrators); return the stored form."""
    clean = normalise_email(email)
    try:
        with session_scope() as session:
            _permitted(session, actor_id, Action.MANAGE_PEOPLE)
            user = session.get(User, user_id)
            if user is None:
                raise AccountError("That person does not exist.")
            if clean and email_taken(session, clean, other_than=user_id):
                raise AccountError(taken_message(clean))
            if user.email != clean:
                _audit(
                    session,
                    "email_changed",
                    actor_id=actor_id,
                    target=user.username,
                    detail="cleared" if clean is None else "set",
                )
                user.email = clean
                session.add(user)
    except IntegrityError:  # the same address saved for someone else at this very moment
        raise AccountError(taken_message(clean or "")) from None
    return clean


def opt_outs(user: User) -> frozenset[Kind]:
    """Return the optional kinds of mail this person switched off."""
    names = {part for part in (user.mail_opt_outs or "").split(",") if part}
    return frozenset(k for k in OPTIONAL if k.value in names)


def set_opt_outs(*, user_id: int, kinds: set[Kind] | frozenset[Kind]) -> frozenset[Kind]:
    """Switch off exactly these optional kinds of mail for oneself; return what is stored."""
    chosen = frozenset(k for k in kinds if k in OPTIONAL)
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("That person does not exist.")
        user.mail_opt_outs = ",".join(sorted(k.value for k in chosen))
        session.add(user)
        _audit(
            session,
            "mail_preferences_changed",
            actor_id=user_id,
            target=user.username,
            detail=user.mail_opt_outs or "all on",
        )
    return chosen
