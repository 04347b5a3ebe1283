"""A real OpenID Connect provider for the single sign-on tests: django-oidc-provider in a
Django project of its own, run as a separate process (`python -m tests.sso_provider`) on
its own PostgreSQL database of the embedded server. Not part of the product."""
