"""Binary dumpers for the one-dimensional arrays the recorder sends on every
command. psycopg's generic list dumper inspects every list's elements to pick
a dumper on each execution (about a sixth of a command's CPU on its thread);
these lists say what they hold, so their binary form is written directly.

The bytes sent are what PostgreSQL's array_recv expects: a header (dimensions,
a null flag, the element type), the length and lower bound of the one
dimension, then each element's length and binary value. Elements are never
NULL here."""

from __future__ import annotations

import struct
from typing import Any, ClassVar
from uuid import UUID

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

_HEADER = struct.Struct("!iiIii")  # ndim, has nulls, element oid, length, lower bound
_EMPTY = struct.Struct("!iiI")  # an empty array has no dimension
_INT8 = struct.Struct("!iq")  # length 8, value
_UUID_LENGTH = struct.pack("!i", 16)


def _with_length(data: bytes) -> bytes:
    return struct.pack("!i", len(data)) + data


def _encoding(connection: Any) -> str:
    """Text in binary form travels in the connection's client encoding."""
    return str(connection.info.encoding) if connection is not None else "utf-8"


class TextArray(list[str]):
    """A text[] parameter."""


class UuidArray(list[UUID | str]):
    """A uuid[] parameter."""


class Int8Array(list[int]):
    """A bigint[] parameter."""


class ByteaArray(list[bytes]):
    """A bytea[] parameter (sent as the very bytes given: they feed the hash chain)."""


class _ArrayDumper(Dumper):
    format = Format.BINARY
    element_oid: ClassVar[int]

    def dump(self, obj: Any) -> bytes:
        if not obj:
            return _EMPTY.pack(0, 0, self.element_oid)
        head = _HEADER.pack(1, 0, self.element_oid, len(obj), 1)
        return head + b"".join(map(self.element, obj))

    def element(self, value: Any) -> bytes:
        raise NotImplementedError


class TextArrayDumper(_ArrayDumper):
    oid = 1009
    element_oid = 25

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self._encoding = _encoding(self.connection)

    def element(self, value: str) -> bytes:
        return _with_length(value.encode(self._encoding))


class UuidArrayDumper(_ArrayDumper):
    oid = 2951
    element_oid = 2950

    def element(self, value: UUID | str) -> bytes:
        return _UUID_LENGTH + (value if isinstance(value, UUID) else UUID(value)).bytes


class Int8ArrayDumper(_ArrayDumper):
    oid = 1016
    element_oid = 20

    def element(self, value: int) -> bytes:
        return _INT8.pack(8, value)


class ByteaArrayDumper(_ArrayDumper):
    oid = 1001
    element_oid = 17

    def element(self, value: bytes) -> bytes:
        return _with_length(bytes(value))


def register() -> None:
    """Makes the four array types known to every psycopg connection."""
    for cls, dumper in ((TextArray, TextArrayDumper), (UuidArray, UuidArrayDumper),
                        (Int8Array, Int8ArrayDumper), (ByteaArray, ByteaArrayDumper)):
        psycopg.adapters.register_dumper(cls, dumper)


register()
