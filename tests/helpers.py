"""Small readers of what the app stored, each in its own short session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot import runtime


def count(app: Any, model: Any, *where: Any) -> int:
    with runtime(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def rows(app: Any, model: Any, *where: Any, order_by: Any = None) -> list[Any]:
    with runtime(app).sessions() as session:
        query = select(model).where(*where)
        if order_by is not None:
            query = query.order_by(order_by)
        return list(session.scalars(query))


def quick_reply_labels(message: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in (message.get("quickReply") or {}).get("items", [])]
