"""The stack with nothing of ours: strawberry on starlette, served by uvicorn
as the real server is (uvloop, httptools), with a `registerStartup` that takes
the bench's document unchanged (the same input and selection) and returns its
input at once; documents parsed and validated once (strawberry's caches).
No database, no authentication, no validation beyond GraphQL's, no ledger.
`bench/floor.py` serves it:

    uvicorn bench.floor_app:app --loop uvloop --http httptools --no-access-log"""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.input
class RegisterStartupInput:
    name: str
    siren: str
    description: str
    city: str
    sectors: list[str]
    technologies: list[str]
    contact_name: str
    contact_email: str
    website: str | None = None
    founded_year: int | None = None
    idempotency_key: str | None = None


@strawberry.type
class Startup:
    id: strawberry.ID
    name: str
    version: int


@strawberry.type
class UserError:
    code: str
    message: str


@strawberry.type
class RegisterStartupPayload:
    startup: Startup | None
    user_errors: list[UserError]


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    def register_startup(self, input: RegisterStartupInput) -> RegisterStartupPayload:
        startup = Startup(id=strawberry.ID("00000000-0000-0000-0000-000000000000"),
                          name=input.name, version=1)
        return RegisterStartupPayload(startup=startup, user_errors=[])


# Parsed and validated once per document, as ours is (schema/pipeline.py): one
# instance of each cache for every request (a new instance would start empty).
_CACHES = (ParserCache(maxsize=64), ValidationCache(maxsize=64))
schema = strawberry.Schema(query=Query, mutation=Mutation,
                           extensions=[lambda: _CACHES[0], lambda: _CACHES[1]])
app = Starlette(routes=[Route("/graphql", GraphQL(schema), methods=["POST"])])
