"""Contacts: the people who report calls (end users), as opposed to the analysts who work them."""
