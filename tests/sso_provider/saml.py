"""A SAML 2.0 identity provider for the single sign-on tests, in a thread of the test process:
it answers an AuthnRequest (HTTP-Redirect binding) with a signed assertion posted back to the
service's ACS (HTTP-POST binding), as ADFS does, with ADFS's claim names. The signing is
python3-saml's (xmlsec), the library the product's SAML sign-in checks it with.

No SAML IdP package fits here: pysaml2 signs through the xmlsec1 program (not installed),
djangosaml2idp is unmaintained since 2020."""

import contextlib
import datetime
import html
import threading
import uuid
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol", "saml": "urn:oasis:names:tc:SAML:2.0:assertion"}


def _key_and_certificate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp.example")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


def _instant(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Person:
    password: str
    email: str
    first_name: str
    last_name: str
    active: bool = True


@dataclass
class SamlIdentityProvider:
    url: str
    entity_id: str
    key_pem: str
    certificate_pem: str
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def sso_url(self) -> str:
        return f"{self.url}/sso"

    @property
    def certificate(self) -> str:
        """The certificate as SAML_IDP_X509CERT takes it: base64 on one line."""
        return "".join(line for line in self.certificate_pem.splitlines() if "CERTIFICATE" not in line)

    def add_person(self, username: str, password: str, *, email: str, first_name: str, last_name: str) -> None:
        self.people[username] = Person(password, email, first_name, last_name)

    def update_person(self, username: str, **fields) -> None:
        for name, value in fields.items():
            setattr(self.people[username], name, value)

    def _assertion(self, username: str, person: Person, request: dict) -> str:
        now = datetime.datetime.now(datetime.UTC)
        later = _instant(now + datetime.timedelta(minutes=5))
        attributes = {
            "nameidentifier": username,
            "emailaddress": person.email,
            "givenname": person.first_name,
            "surname": person.last_name,
        }
        statements = "".join(
            f'<saml:Attribute Name="{CLAIM}{name}"><saml:AttributeValue>{html.escape(value)}</saml:AttributeValue>'
            "</saml:Attribute>"
            for name, value in attributes.items()
        )
        acs, request_id = html.escape(request["acs"]), html.escape(request["id"])
        assertion = (
            f'<saml:Assertion xmlns:saml="{NS["saml"]}" ID="_{uuid.uuid4().hex}" Version="2.0" '
            f'IssueInstant="{_instant(now)}">'
            f"<saml:Issuer>{html.escape(self.entity_id)}</saml:Issuer>"
            "<saml:Subject>"
            f'<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{html.escape(username)}'
            "</saml:NameID>"
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="{acs}" InResponseTo="{request_id}"/>'
            "</saml:SubjectConfirmation></saml:Subject>"
            f'<saml:Conditions NotBefore="{_instant(now - datetime.timedelta(minutes=1))}" NotOnOrAfter="{later}">'
            f"<saml:AudienceRestriction><saml:Audience>{html.escape(request['audience'])}</saml:Audience>"
            "</saml:AudienceRestriction></saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="_{uuid.uuid4().hex}">'
            "<saml:AuthnContext><saml:AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
            f"<saml:AttributeStatement>{statements}</saml:AttributeStatement>"
            "</saml:Assertion>"
        )
        signed = OneLogin_Saml2_Utils.add_sign(assertion, self.key_pem, self.certificate_pem)
        return signed.decode() if isinstance(signed, bytes) else signed

    def _response(self, username: str, person: Person, request: dict) -> str:
        now = _instant(datetime.datetime.now(datetime.UTC))
        assertion = self._assertion(username, person, request)
        return (
            f'<samlp:Response xmlns:samlp="{NS["samlp"]}" xmlns:saml="{NS["saml"]}" ID="_{uuid.uuid4().hex}" '
            f'Version="2.0" IssueInstant="{now}" Destination="{html.escape(request["acs"])}" '
            f'InResponseTo="{html.escape(request["id"])}">'
            f"<saml:Issuer>{html.escape(self.entity_id)}</saml:Issuer>"
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            f"{assertion}</samlp:Response>"
        )

    # ------------------------------------------------------------ the web side (WSGI)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/sso":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        if environ["REQUEST_METHOD"] == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0])
            authn = etree.fromstring(xml if isinstance(xml, bytes) else xml.encode())
            request = {
                "id": authn.get("ID"),
                "acs": authn.get("AssertionConsumerServiceURL"),
                "audience": authn.findtext("saml:Issuer", namespaces=NS),
                "relay_state": query.get("RelayState", [""])[0],
            }
            return self._page(start_response, self._login_form(request))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {key: values[0] for key, values in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        request = {name: form.get(name, "") for name in ("id", "acs", "audience", "relay_state")}
        person = self.people.get(form.get("username", ""))
        if person is None or not person.active or person.password != form.get("password"):
            return self._page(start_response, self._login_form(request, error=True))
        response = OneLogin_Saml2_Utils.b64encode(self._response(form["username"], person, request))
        # ADFS's page without script: a form the person sends on to the service.
        body = (
            f'<form method="post" action="{html.escape(request["acs"])}">'
            f'<input type="hidden" name="SAMLResponse" value="{html.escape(response)}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(request["relay_state"])}">'
            '<button type="submit">Continue to the service</button></form>'
        )
        return self._page(start_response, body)

    def _login_form(self, request: dict, error: bool = False) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value or "")}">' for name, value in request.items()
        )
        return (
            ('<p class="error">Wrong user name or password, or a disabled account.</p>' if error else "")
            + f'<form method="post" action="/sso">{hidden}'
            '<label>User name <input name="username"></label>'
            '<label>Password <input name="password" type="password"></label>'
            '<button type="submit">Sign in to the provider</button></form>'
        )

    def _page(self, start_response, body: str):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test SAML identity provider'
            f"</title></head><body><h1>Test SAML identity provider</h1>{body}</body></html>"
        )
        return [page.encode()]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def saml_identity_provider():
    """Yields a running SamlIdentityProvider on a free loopback port."""
    key_pem, certificate_pem = _key_and_certificate()
    server = make_server("127.0.0.1", 0, None, server_class=_ThreadingServer, handler_class=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    provider = SamlIdentityProvider(
        url=url, entity_id=f"{url}/metadata", key_pem=key_pem, certificate_pem=certificate_pem
    )
    server.set_app(provider)
    thread = threading.Thread(target=server.serve_forever, name="saml-idp", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
