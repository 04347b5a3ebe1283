"""Employees' contacts from Exchange: on premises through Exchange Web Services (a service
account with the ApplicationImpersonation role), or Exchange Online through Microsoft Graph
(an application registered by the admin, with the Contacts.Read application permission).
Only ever the signed-in employee's own mailbox is read."""

import time
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import msal
import requests
import requests.adapters
from django.conf import settings
from django.utils.translation import gettext as _

from apps.directory.contact_files import ParsedContact

GRAPH_FIELDS = "id,displayName,givenName,surname,emailAddresses,businessPhones,mobilePhone,homePhones,companyName,department,jobTitle"  # noqa: E501
PAGE = 100


class ExchangeError(Exception):
    """Exchange could not be read; the message is for the employee (and their admin)."""


class _Session(requests.Session):
    # requests prefers REQUESTS_CA_BUNDLE (set on most Linux hosts) to a session's own CA
    # bundle; a bundle given per request wins. Proxies from the environment still apply.
    def request(self, *args, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(*args, **kwargs)


def graph_configured() -> bool:
    return bool(settings.GRAPH_TENANT_ID and settings.GRAPH_CLIENT_ID and settings.GRAPH_CLIENT_SECRET)


def _graph_token(session: requests.Session) -> str:
    api = urlsplit(settings.GRAPH_API_URL)
    try:
        app = msal.ConfidentialClientApplication(
            settings.GRAPH_CLIENT_ID,
            client_credential=settings.GRAPH_CLIENT_SECRET,
            authority=f"{settings.GRAPH_AUTHORITY_HOST.rstrip('/')}/{settings.GRAPH_TENANT_ID}",
            http_client=session,
            instance_discovery=settings.GRAPH_AUTHORITY_HOST == "https://login.microsoftonline.com",
            timeout=settings.GRAPH_TIMEOUT_SECONDS,
        )
        result = app.acquire_token_for_client(scopes=[f"{api.scheme}://{api.netloc}/.default"])
    except (ValueError, requests.RequestException) as error:
        raise ExchangeError(_("Microsoft sign-in could not be reached: %(error)s") % {"error": error}) from error
    if "access_token" not in result:
        raise ExchangeError(
            _("Microsoft refused the application's credentials: %(error)s")
            % {"error": result.get("error_description") or result.get("error") or "?"}
        )
    return result["access_token"]


def _graph_pages(path: str, *, not_found: str, forbidden: str, on_page=None) -> Iterator[dict]:
    """Every item of a Graph collection, following @odata.nextLink; waits as Graph asks when
    it throttles (429), a few times."""
    session = _Session()
    session.verify = settings.GRAPH_CA_BUNDLE or True
    token = _graph_token(session)
    url, count = f"{settings.GRAPH_API_URL.rstrip('/')}{path}", 0
    while url:
        for attempt in range(4):
            try:
                response = session.get(url, headers={"Authorization": f"Bearer {token}"},
                                       timeout=settings.GRAPH_TIMEOUT_SECONDS)  # fmt: skip
            except requests.RequestException as error:
                raise ExchangeError(_("Exchange Online could not be reached: %(error)s") % {"error": error}) from error
            if response.status_code != 429 or attempt == 3:
                break
            time.sleep(min(int(response.headers.get("Retry-After") or 1), 30))
        if response.status_code == 404:
            raise ExchangeError(not_found)
        if response.status_code in (401, 403):
            raise ExchangeError(forbidden)
        if response.status_code != 200:
            raise ExchangeError(_("Exchange Online answered %(status)d.") % {"status": response.status_code})
        page = response.json()
        items = page.get("value", [])
        yield from items
        count += len(items)
        if on_page:
            on_page(count)
        url = page.get("@odata.nextLink")


GRAPH_PEOPLE_FIELDS = "id,displayName,givenName,surname,mail,userPrincipalName,jobTitle,department,officeLocation,businessPhones,mobilePhone,accountEnabled,employeeHireDate"  # noqa: E501


def graph_people(*, page_size: int = 999, on_page=None) -> Iterator[dict]:
    """The organisation's people as Exchange Online's address list has them, each with its
    manager's id (application permission User.Read.All)."""
    return _graph_pages(
        f"/users?$select={GRAPH_PEOPLE_FIELDS}&$expand=manager($select=id)&$top={page_size}",
        not_found=_("Exchange Online's address list was not found."),
        forbidden=_("The application may not read the address list (User.Read.All permission, admin consent)."),
        on_page=on_page,
    )


def graph_group_members(group_id: str) -> Iterator[dict]:
    return _graph_pages(
        f"/groups/{quote(group_id, safe='')}/transitiveMembers?$select=id&$top=999",
        not_found=_("The group %(group)s does not exist.") % {"group": group_id},
        forbidden=_("The application may not read groups (GroupMember.Read.All permission, admin consent)."),
    )


def graph_contacts(*, mailbox: str) -> Iterator[ParsedContact]:
    """Every contact of the mailbox's default contacts folder, page by page."""
    items = _graph_pages(
        f"/users/{quote(mailbox, safe='')}/contacts?$select={GRAPH_FIELDS}&$top={PAGE}",
        not_found=_("Exchange Online has no mailbox for %(mailbox)s.") % {"mailbox": mailbox},
        forbidden=_("The application may not read contacts (Contacts.Read permission, admin consent)."),
    )
    for number, item in enumerate(items, start=1):
        yield ParsedContact(
            line=number,
            first_name=item.get("givenName") or "",
            last_name=item.get("surname") or "",
            name=item.get("displayName") or "",
            emails=[entry.get("address") or "" for entry in item.get("emailAddresses") or []],
            phones=[
                *(item.get("businessPhones") or []),
                *([item["mobilePhone"]] if item.get("mobilePhone") else []),
                *(item.get("homePhones") or []),
            ],
            company=item.get("companyName") or "",
            job_title=item.get("jobTitle") or "",
            department=item.get("department") or "",
            uid=item.get("id") or "",
        )


def ews_configured() -> bool:
    return bool(settings.EWS_URL and settings.EWS_USERNAME and settings.EWS_PASSWORD)


def _ews_account(mailbox: str):
    from exchangelib import IMPERSONATION, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import BaseProtocol

    if settings.EWS_CA_BUNDLE:
        BaseProtocol.HTTP_ADAPTER_CLS = _adapter_with_ca(settings.EWS_CA_BUNDLE)
    version = None
    if settings.EWS_VERSION:  # without it, exchangelib asks the server first
        version = Version(build=Build(*(int(part) for part in settings.EWS_VERSION.split("."))))
    config = Configuration(
        service_endpoint=settings.EWS_URL,
        credentials=Credentials(settings.EWS_USERNAME, settings.EWS_PASSWORD),
        auth_type=settings.EWS_AUTH_TYPE,
        version=version,
        max_connections=2,
    )
    return Account(primary_smtp_address=mailbox, config=config, autodiscover=False, access_type=IMPERSONATION)


def _adapter_with_ca(ca_bundle: str):
    class Adapter(requests.adapters.HTTPAdapter):
        def send(self, *args, **kwargs):
            kwargs["verify"] = ca_bundle
            return super().send(*args, **kwargs)

    return Adapter


EWS_FIELDS = ("display_name", "given_name", "surname", "email_addresses", "phone_numbers", "company_name",
              "department", "job_title")  # fmt: skip


def ews_contacts(*, mailbox: str) -> Iterator[ParsedContact]:
    """Every contact of the mailbox's default contacts folder."""
    from exchangelib.errors import EWSError, TransportError
    from exchangelib.items import Contact as EWSContact

    try:
        account = _ews_account(mailbox)
        items = account.contacts.all().only(*EWS_FIELDS)
        for number, item in enumerate(items, start=1):
            if not isinstance(item, EWSContact):
                continue  # distribution lists live in the same folder
            emails = [entry.email for entry in item.email_addresses or () if entry.email]
            yield ParsedContact(
                line=number,
                first_name=item.given_name or "",
                last_name=item.surname or "",
                name=item.display_name or "",
                # Internal addresses may come as Exchange's legacy DN (/o=...): not an address.
                emails=[email.removeprefix("SMTP:") for email in emails if not email.startswith("/")],
                phones=[entry.phone_number for entry in item.phone_numbers or () if entry.phone_number],
                company=item.company_name or "",
                job_title=item.job_title or "",
                department=item.department or "",
                uid=item.id or "",
            )
    except (EWSError, TransportError, requests.RequestException) as error:
        raise ExchangeError(_("Exchange could not be read: %(error)s") % {"error": error}) from error
