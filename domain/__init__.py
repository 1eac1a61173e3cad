"""Passerelle's domain: aggregates, their events, business rules and the
authorization policy. Pure: it imports nothing from GraphQL, HTTP or SQL drivers;
the `eventsourcing` library is its persistence mechanism."""
