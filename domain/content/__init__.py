"""Open content: resources, case studies and platform events."""
