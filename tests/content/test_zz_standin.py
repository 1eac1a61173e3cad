from uuid import UUID, uuid4
from infra.eventstore import open_write_side
from tests.content.agreements import Agreement, META
from domain.content.agreements import read_agreement

def test_standin(database_url):
    w = open_write_side(database_url, 2)
    a = Agreement(str(uuid4()), str(uuid4()), "IN_FORCE", META)
    w.ledger.save(a)
    facts = read_agreement(w.ledger, a.id)
    assert facts.has_run and facts.corporate_id == UUID(a.corporate_id)
    w.close()
