"""Staff identities: one-time invite codes, registration by code, and the roles the capabilities check."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.richmenu import unlink_staff_menu
from models import STAFF_ROLES, LineUser, RegistrationAttempt, Role, StaffInvite, Unit

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
DEFAULT_VALID_HOURS = 72
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5


class InviteError(ValueError):
    pass


class Registration(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class RegistrationResult:
    outcome: Registration
    unit_name: str | None = None
    role: Role | None = None


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def format_invite_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def create_invite(
    session: Session, *, unit_name: str, name: str, role: Role, now: datetime, valid_hours: int = DEFAULT_VALID_HOURS
) -> str:
    """Store a new invite and return its code; only the hash is kept, so the code is shown once."""
    if role not in STAFF_ROLES:
        raise InviteError(f"role must be one of {', '.join(r.value for r in STAFF_ROLES)}")
    unit = session.scalar(select(Unit).where(Unit.name == unit_name))
    if unit is None:
        known = ", ".join(session.scalars(select(Unit.name).order_by(Unit.name))) or "none (run seed first)"
        raise InviteError(f"unknown unit {unit_name!r}; known units: {known}")
    if not name.strip():
        raise InviteError("the staff member's name is required")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        StaffInvite(
            code_hash=hash_code(code), unit_id=unit.id, name=name.strip(), role=role,
            created_at=now, expires_at=now + timedelta(hours=valid_hours),
        )
    )
    session.flush()
    return format_invite_code(code)


def register_with_code(session: Session, user: LineUser, code: str, now: datetime) -> RegistrationResult:
    if _recent_failures(session, user.line_user_id, now) >= THROTTLE_FAILURES:
        return RegistrationResult(Registration.THROTTLED)
    result = _redeem(session, user, code, now)
    session.add(
        RegistrationAttempt(
            line_user_id=user.line_user_id, succeeded=result.outcome is Registration.OK, attempted_at=now
        )
    )
    session.flush()
    return result


def _redeem(session: Session, user: LineUser, code: str, now: datetime) -> RegistrationResult:
    invite = session.scalar(select(StaffInvite).where(StaffInvite.code_hash == hash_code(code)))
    if invite is None:
        return RegistrationResult(Registration.WRONG)
    if invite.used_at is not None:
        return RegistrationResult(Registration.USED)
    if invite.expires_at <= now:
        return RegistrationResult(Registration.EXPIRED)
    # Conditional update: of two people sending the same code at once, exactly one gets it.
    claimed = session.execute(
        update(StaffInvite)
        .where(StaffInvite.id == invite.id, StaffInvite.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return RegistrationResult(Registration.USED)
    user.role = invite.role
    user.unit_id = invite.unit_id
    user.display_name = invite.name
    return RegistrationResult(Registration.OK, invite.unit.name, invite.role)


def _recent_failures(session: Session, line_user_id: str, now: datetime) -> int:
    return session.scalar(
        select(func.count())
        .select_from(RegistrationAttempt)
        .where(
            RegistrationAttempt.line_user_id == line_user_id,
            RegistrationAttempt.succeeded.is_(False),
            RegistrationAttempt.attempted_at > now - THROTTLE_WINDOW,
        )
    ) or 0


def list_staff(session: Session) -> list[LineUser]:
    return list(
        session.scalars(select(LineUser).where(LineUser.role.in_(STAFF_ROLES)).order_by(LineUser.unit_id, LineUser.id))
    )


def remove_staff(session: Session, who: str) -> LineUser:
    """Back to citizen, by LINE user id or exact name."""
    user = find_staff(session, who)
    user.role = Role.CITIZEN
    user.unit_id = None
    unlink_staff_menu(session, user)
    return user


def find_staff(session: Session, who: str) -> LineUser:
    """The one staff member with this LINE user id or exact name (InviteError otherwise)."""
    matches = list(
        session.scalars(
            select(LineUser).where(
                LineUser.role.in_(STAFF_ROLES), (LineUser.line_user_id == who) | (LineUser.display_name == who)
            )
        )
    )
    if not matches:
        raise InviteError(f"no staff member with LINE id or name {who!r}")
    if len(matches) > 1:
        raise InviteError(f"{len(matches)} staff members are named {who!r}; give the LINE user id instead")
    return matches[0]


def staff_of_units(session: Session, unit_ids: list[int]) -> list[LineUser]:
    """Who a unit's task goes to: its staff and heads; every staff member when no unit is named."""
    query = select(LineUser).where(LineUser.role.in_(STAFF_ROLES), LineUser.is_following.is_(True))
    if unit_ids:
        query = query.where(LineUser.unit_id.in_(unit_ids))
    return list(session.scalars(query.order_by(LineUser.id)))
