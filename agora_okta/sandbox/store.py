"""Ordered collections with cursor paging that costs O(page), not O(org)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from agora_okta.sandbox.errors import bad_cursor

T = TypeVar("T")


class OrderedStore(Generic[T]):
    """Objects by id, in the order they were added.

    A removed object leaves a hole at its place, so a cursor that names it
    still says where the next page starts.
    """

    def __init__(self) -> None:
        self._order: list[str | None] = []
        self._position: dict[str, int] = {}
        self._items: dict[str, T] = {}

    def add(self, item_id: str, item: T) -> None:
        if item_id in self._items:
            raise KeyError(f"duplicate id {item_id}")
        self._position[item_id] = len(self._order)
        self._order.append(item_id)
        self._items[item_id] = item

    def remove(self, item_id: str) -> T:
        item = self._items.pop(item_id)
        self._order[self._position[item_id]] = None
        return item

    def get(self, item_id: str) -> T | None:
        return self._items.get(item_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def ids(self) -> Iterator[str]:
        return iter(self._items)

    def values(self) -> Iterator[T]:
        return iter(self._items.values())

    def position(self, item_id: str) -> int:
        """Where item_id sits (removed ones too); 400 E0000029 if it never did."""
        position = self._position.get(item_id)
        if position is None:
            raise bad_cursor()
        return position

    def after(self, cursor: str | None) -> Iterator[tuple[str, T]]:
        """Live (id, object) pairs after the cursor, in order."""
        start = 0 if cursor is None else self.position(cursor) + 1
        for index in range(start, len(self._order)):
            item_id = self._order[index]
            if item_id is not None:
                yield item_id, self._items[item_id]

    def among(self, item_ids: Iterable[str], cursor: str | None) -> list[str]:
        """The live ids among item_ids after the cursor, in store order."""
        start = -1 if cursor is None else self.position(cursor)
        found = [
            (self._position[i], i)
            for i in set(item_ids)
            if i in self._items and self._position[i] > start
        ]
        return [item_id for _, item_id in sorted(found)]


def take_page(
    pairs: Iterable[tuple[str, T]],
    limit: int,
    keep: Callable[[T], bool] | None = None,
) -> tuple[list[T], str | None]:
    """Up to limit kept objects and the cursor of the next page, if there is one.

    A next cursor is given only when one more kept object exists, so the last
    page carries no ``next`` link.
    """
    page: list[T] = []
    last_id = ""
    for item_id, item in pairs:
        if keep is not None and not keep(item):
            continue
        if len(page) == limit:
            return page, last_id
        page.append(item)
        last_id = item_id
    return page, None


def ordered_after(
    pairs: Iterable[tuple[str, T]], cursor: str | None
) -> Iterator[tuple[str, T]]:
    """For small ordered collections: the pairs after the cursor's id.

    A cursor that names no pair is 400 E0000029.
    """
    items = list(pairs)
    start = 0
    if cursor is not None:
        ids = [item_id for item_id, _ in items]
        if cursor not in ids:
            raise bad_cursor()
        start = ids.index(cursor) + 1
    return iter(items[start:])
