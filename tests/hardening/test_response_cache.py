"""The response cache: a query's answer is reused while the projected ledger
position stays where it was, per viewer, and never hides a write that has
returned, on any instance."""

from __future__ import annotations

from tests.hardening.conftest import Client, Serve

WHO = "{ viewer { role userId } }"


async def tamper_city(client: Client, startup: str, city: str) -> None:
    """Changes a read-model row behind the projections' back: the position does
    not move, so only a cached answer keeps showing the old value."""
    await client.endpoint.pool.execute(
        "UPDATE organisations SET city = $2 WHERE id = $1::uuid", startup, city)


async def test_a_repeated_query_is_answered_from_the_cache_until_the_position_moves(
    serve: Serve,
) -> None:
    async with serve() as client:
        startup = await client.register_startup("founder", 1)
        cache = client.endpoint.cache
        assert cache is not None
        first = await client.city(startup)
        await tamper_city(client, startup, "Behind-the-back")
        hits = cache.hits
        cached = await client.city(startup)
        assert cache.hits == hits + 1
        await client.set_city("founder", startup, "Lyon")
        after_write = await client.city(startup)
    assert (first, cached, after_write) == (None, None, "Lyon")


async def test_the_cache_forgets_answers_after_its_time_to_live(serve: Serve) -> None:
    async with serve() as client:
        startup = await client.register_startup("founder", 1)
        assert client.endpoint.cache is not None
        client.endpoint.cache.ttl = 0.0  # what depends on the clock (deadlines) moves too
        await client.city(startup)
        await tamper_city(client, startup, "Behind-the-back")
        assert await client.city(startup) == "Behind-the-back"


async def test_the_cache_is_off_when_disabled(serve: Serve) -> None:
    async with serve(response_cache=False) as client:
        startup = await client.register_startup("founder", 1)
        await client.city(startup)
        await tamper_city(client, startup, "Behind-the-back")
        assert client.endpoint.cache is None
        assert await client.city(startup) == "Behind-the-back"


async def test_cached_answers_are_never_served_to_another_viewer(serve: Serve) -> None:
    async with serve() as client:
        views = [await client.data(WHO, as_user=user)
                 for user in (("ann", "startup"), ("bob", "startup"), ("ann", "auditor"), None)]
        again = [await client.data(WHO, as_user=user)
                 for user in (("ann", "startup"), ("bob", "startup"), ("ann", "auditor"), None)]
    assert [v["viewer"] for v in views] == [
        {"role": "STARTUP", "userId": "ann"}, {"role": "STARTUP", "userId": "bob"},
        {"role": "AUDITOR", "userId": "ann"}, {"role": "VISITOR", "userId": None}]
    assert again == views


async def test_a_query_after_a_mutation_reads_its_write_even_with_a_warm_cache(
    serve: Serve,
) -> None:
    async with serve() as client:
        startup = await client.register_startup("founder", 1)
        for city in ("Lyon", "Nantes", "Lille"):
            await client.city(startup)  # warm
            await client.set_city("founder", startup, city)
            assert await client.city(startup) == city


async def test_a_write_on_one_instance_is_read_at_once_on_another_that_cached_the_old_answer(
    serve: Serve,
) -> None:
    async with serve() as a, serve() as b:
        startup = await a.register_startup("founder", 1)
        assert await b.city(startup) is None  # cached by b
        assert await b.city(startup) is None
        for city in ("Lyon", "Nantes"):
            await a.set_city("founder", startup, city)
            assert await b.city(startup) == city
            await b.set_city("founder", startup, city + "-b")
            assert await a.city(startup) == city + "-b"


async def test_large_requests_are_answered_but_not_kept(serve: Serve) -> None:
    search = "query($s: String) { startups(filter: {search: $s}) { totalCount } }"
    async with serve() as client:
        cache = client.endpoint.cache
        assert cache is not None
        small = await client.data(search, {"s": "batteries"})
        large = await client.data(search, {"s": "b" * 50_000})
        kept = [len(key) for key in cache.entries]
    assert small == large == {"startups": {"totalCount": 0}}
    assert len(kept) == 1 and kept[0] < 1000
