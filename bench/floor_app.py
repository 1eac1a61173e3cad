"""The floor's bare server: our own HTTP and GraphQL path (schema/http.py's
GraphQLHttp, schema/app.py's schema with its pipeline: the leanest path we
have), served by uvicorn as the real server is (uvloop, httptools), with a
`registerStartup` that takes the bench's document unchanged (the same input
and selection) and returns its input at once. No middleware, no database, no
authentication, no validation beyond GraphQL's, no ledger. `bench/floor.py`
serves it:

    uvicorn bench.floor_app:app --loop uvloop --http httptools --no-access-log"""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route

from schema.app import build_schema
from schema.http import GraphQLHttp, HttpLimits
from schema.persisted import PersistedQueries


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


schema = build_schema((Query,), (Mutation,))
http = GraphQLHttp(schema, HttpLimits(response_cache=False))
# A plain document (no hash) is run as sent: the store is never asked.
http.persisted = PersistedQueries(None, allow_list_only=False)  # type: ignore[arg-type]
http.make_context = lambda _request: None
app = Starlette(routes=[Route("/graphql", http.handle, methods=["POST"])])
