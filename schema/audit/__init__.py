"""GraphQL for the audit slice: forgetPerson."""
