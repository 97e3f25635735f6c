"""What every model shares: ORM reading, pages, bounded ids and intervals."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
MAX_ID = 2**62
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_INTERVAL_S = 366 * 86400
"""A campaign runs at least once a year (campaigns.specs.MAX_INTERVAL_S)."""


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    total_exact: bool = Field(
        default=True, description="false: counting stopped, there are at least `total`"
    )
