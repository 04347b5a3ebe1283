from django.conf import settings


def site(request):
    return {"SITE_NAME": "Enterprise Social", "DEBUG": settings.DEBUG}
