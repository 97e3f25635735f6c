"""Users and roles: supervisors see the team, admins manage it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from api.deps import AdminUser, PathId, SessionDep, SessionsDep, SupervisorUser, actor_name
from api.schemas import UserCreate, UserOut, UserUpdate
from store import User, UserError, audit, create_user, set_active, set_password, set_role

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("", response_model=list[UserOut])
def list_users(user: SupervisorUser, session: SessionDep) -> list[UserOut]:
    """Everyone with an account, by username."""
    return [
        UserOut.model_validate(u) for u in session.scalars(select(User).order_by(User.username))
    ]


@router.post("", response_model=UserOut, status_code=201, responses={409: {}, 422: {}})
def add_user(body: UserCreate, user: AdminUser, session: SessionDep) -> UserOut:
    """Create a user with a role (reviewer, supervisor, admin)."""
    try:
        created = create_user(
            session,
            body.username,
            body.password,
            body.role,
            display_name=body.display_name,
            created_by=actor_name(user),
        )
    except UserError as exc:
        code = (
            status.HTTP_409_CONFLICT
            if "exists" in str(exc)
            else status.HTTP_422_UNPROCESSABLE_CONTENT
        )
        raise HTTPException(code, str(exc)) from exc
    session.commit()
    return UserOut.model_validate(created)


@router.get("/{user_id}", response_model=UserOut, responses={404: {}})
def get_user(user_id: PathId, user: SupervisorUser, session: SessionDep) -> UserOut:
    """One user."""
    found = session.get(User, user_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    return UserOut.model_validate(found)


@router.patch("/{user_id}", response_model=UserOut, responses={404: {}, 409: {}, 422: {}})
def update_user(
    user_id: PathId, body: UserUpdate, user: AdminUser, session: SessionDep, sessions: SessionsDep
) -> UserOut:
    """Change a user's role, name, password or whether the account is active."""
    found = session.get(User, user_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    if found.id == user.id and (
        body.active is False or (body.role is not None and body.role != found.role)
    ):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "you cannot deactivate yourself or change your own role"
        )
    changed: dict[str, str] = {}
    before = found.role
    if body.role is not None and set_role(
        session, found, body.role, by=actor_name(user), sessions=sessions
    ):
        changed["role"] = f"{before}->{body.role}"
    if body.active is not None and set_active(
        session, found, body.active, by=actor_name(user), sessions=sessions
    ):
        changed["active"] = str(body.active)
    if body.display_name is not None:
        found.display_name = body.display_name
        changed["display_name"] = body.display_name
    if body.password is not None:
        try:
            set_password(session, found, body.password, by=actor_name(user), sessions=sessions)
        except UserError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    if changed:
        audit.record(session, actor_name(user), "user.update", "user", found.id, **changed)
    session.commit()
    return UserOut.model_validate(found)
