"""`python -m tests.sso_provider HOST PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI`: migrate the
provider's database, register the one client (the product) and serve until stopped.
IDP_DATABASE_URL names its database, IDP_SITE_URL its address."""

import os
import sys


def main(host: str, port: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso_provider.settings"
    import django

    django.setup()
    import uvicorn
    from django.core.asgi import get_asgi_application
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType, RSAKey

    call_command("migrate", verbosity=0, interactive=False)
    if not RSAKey.objects.exists():
        call_command("creatersakey", verbosity=0)
    client, _created = Client.objects.update_or_create(
        client_id=client_id,
        defaults={
            "name": "Enterprise Social",
            "client_type": "confidential",
            "client_secret": client_secret,
            "jwt_alg": "RS256",
            "require_consent": False,
            "_redirect_uris": redirect_uri,
        },
    )
    client.response_types.set([ResponseType.objects.get(value="code")])
    print("identity provider ready", flush=True)
    uvicorn.run(get_asgi_application(), host=host, port=int(port), lifespan="off", log_level="warning")


if __name__ == "__main__":
    main(*sys.argv[1:])
