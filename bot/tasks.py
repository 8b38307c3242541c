"""Task rules that are not storage: who may change a task, and what "more time" means. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import PermissionDeniedError, UserError
from bot.storage.tasks import Task

MAX_DESCRIPTION = 300


def clean_description(text: str) -> str:
    """One tidy line of at most :data:`MAX_DESCRIPTION` characters, or a :class:`UserError`."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserError("Please describe the task in a few words.")
    if len(cleaned) > MAX_DESCRIPTION:
        raise UserError(f"Please keep the task description under {MAX_DESCRIPTION} characters.")
    return cleaned


def can_change(task: Task, user_id: int, facilitator: bool) -> bool:
    """Done and edit: the person doing the task, the person who set it, or a facilitator."""
    return facilitator or user_id in (task.assignee_id, task.creator_id)


def can_remove(task: Task, user_id: int, facilitator: bool) -> bool:
    """Remove: the person who set the task, or a facilitator."""
    return facilitator or user_id == task.creator_id


def require_can_change(task: Task, user_id: int, facilitator: bool, action: str) -> None:
    if can_change(task, user_id, facilitator):
        return
    raise PermissionDeniedError(
        f"Only the person doing this task, the person who set it, or a facilitator can {action} it. "
        "Nothing was changed."
    )


def require_can_remove(task: Task, user_id: int, facilitator: bool) -> None:
    if can_remove(task, user_id, facilitator):
        return
    raise PermissionDeniedError(
        "Only the person who set this task, or a facilitator, can remove it. Nothing was changed."
    )


def require_open(task: Task) -> None:
    if not task.is_open:
        raise UserError("This task is already marked as done. Nothing was changed.")


def extended_due(task: Task, days: int, tz_name: str, now: datetime) -> datetime:
    """``days`` after the due date, or after today if it has passed, at the same time of day."""
    zone = ZoneInfo(tz_name)
    due_local = task.due_at.astimezone(zone)
    base_day = max(due_local.date(), now.astimezone(zone).date())
    new_local = datetime.combine(base_day + timedelta(days=days), due_local.time().replace(tzinfo=None), tzinfo=zone)
    return new_local.astimezone(task.due_at.tzinfo)
