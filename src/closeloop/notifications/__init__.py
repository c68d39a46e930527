"""Notifications: e-mail to analysts and contacts, written to an outbox with the change that causes it and
delivered later by the worker."""
