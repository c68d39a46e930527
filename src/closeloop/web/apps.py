from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "closeloop.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from .sessions import end_every_session

        user_logged_out.connect(end_every_session, dispatch_uid="closeloop-end-every-session")
