from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "closeloop.contacts"
    label = "contacts"
    verbose_name = "Contacts"
