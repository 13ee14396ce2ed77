"""Checks of single values in the file: URLs, emails, names.

Each check returns the value as the tool will use it, or raises
``pydantic_core.PydanticCustomError`` whose message says what to write
instead. The loader prefixes messages with the key's place in the file.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from pydantic_core import PydanticCustomError

LABEL_MAX = 100
NAME_MAX = 255

# Admin Console hosts: "acme-admin.okta.com" serves the console of the org
# whose API lives at "acme.okta.com".
_ADMIN_HOST = re.compile(
    r"(?P<org>.+)-admin\.(?P<domain>okta\.com|oktapreview\.com|okta-emea\.com)\Z"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LOCAL_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+\Z")
_ASCII_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
_APP_ID = re.compile(r"0oa[A-Za-z0-9]{10,30}\Z")


def fail(message: str) -> PydanticCustomError:
    """An error whose message the loader shows as it is."""
    return PydanticCustomError("agora", message)


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def org_url(value: str) -> str:
    """The org's address: https (http only on loopback), no path, no -admin."""
    parts = _split_url(value, example="https://acme.okta.com")
    host = parts.hostname or ""
    admin = _ADMIN_HOST.match(host)
    if admin:
        right = f"https://{admin['org']}.{admin['domain']}"
        raise fail(f"this is the Admin Console's address; write the org's: {right}")
    if parts.scheme == "http" and not is_loopback(host):
        raise fail(
            f"Okta is reached over https only; write https://{parts.netloc} "
            "(http is accepted only for a loopback sandbox such as 127.0.0.1)"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise fail(
            f"write the org's address alone, without a path or query: "
            f"{parts.scheme}://{parts.netloc}"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def scim_base_url(value: str) -> str:
    """Agora's SCIM base URL: https, or http on a loopback address."""
    parts = _split_url(value, example="https://agora.example.com/scim/v2")
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise fail(
            "Okta sends SCIM requests over https only; write "
            f"https://{parts.netloc}{parts.path} (http is accepted only for a "
            "loopback address such as 127.0.0.1, for a local SCIM server)"
        )
    if parts.query or parts.fragment:
        raise fail(
            "a SCIM base URL has no query or fragment; write "
            f"{parts.scheme}://{parts.netloc}{parts.path}"
        )
    return value.rstrip("/")


def sso_url(value: str) -> str:
    """A placeholder SAML URL: any http(s) URL with a host."""
    _split_url(value, example="https://agora.example.com/saml/acs")
    return value


def audience(value: str) -> str:
    """The SAML audience (SP entity ID): a URI without spaces."""
    if not value or any(char.isspace() for char in value) or len(value) > 1024:
        raise fail(
            "write a URI without spaces, at most 1024 characters, e.g. "
            "https://agora.example.com"
        )
    return value


def label(value: str) -> str:
    """The app's label: 1 to 100 characters, any script, no control characters."""
    if not value.strip():
        raise fail('write the app\'s label, e.g. "Agora" (it must not be empty)')
    if value != value.strip():
        raise fail("remove the spaces at the start or end of the label")
    if len(value) > LABEL_MAX:
        raise fail(f"shorten the label to {LABEL_MAX} characters (it has {len(value)})")
    if _CONTROL.search(value):
        raise fail("remove the control characters (tabs, line breaks) from the label")
    return value


def app_id(value: str) -> str:
    """An Okta app id: "0oa" and letters or digits.

    Okta's app ids are 20 characters long, but Okta documents no grammar
    for them and its recordings hold a shorter one made by hand, so any
    length from 13 to 33 passes.
    """
    if not _APP_ID.match(value):
        raise fail(
            "an Okta app id is letters and digits starting with 0oa (20 in all), "
            "as in the app's address in the Admin Console; leave out id to find "
            "the app by its label"
        )
    return value


def group_name(value: str) -> str:
    """An Okta group's name as the file gives it."""
    return _name(value, what="group", example="Engineering")


def role_name(value: str) -> str:
    """An Agora role's name (the pushed group's name in Agora)."""
    return _name(value, what="role", example="Engineers")


def email(value: str) -> str:
    """An email address: returned as written, or PydanticCustomError saying why not.

    Accepted: the dot-atom local parts of RFC 5322 (dots, "+", "-", "_"
    and the other printable symbols), UTF-8 local parts (RFC 6531) and
    international domain names (checked with IDNA). Refused on purpose:
    quoted local parts ("john doe"@...), comments, domain literals
    ([192.0.2.1]) and domains without a dot: an Okta login never needs them.
    """
    reason = _email_problem(value)
    if reason:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise fail(
            f'"{shown}" is not an email address ({reason}); '
            "write it as name@domain, e.g. alice@example.com"
        )
    return value


def email_key(value: str) -> str:
    """The form under which two emails are the same person.

    Okta compares logins without regard to case, and an international
    domain is the same whether written in Unicode or as its "xn--" form.
    """
    local, _, domain = value.rpartition("@")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local.casefold()}@{domain.lower()}"


def name_key(value: str) -> str:
    """The form under which two group or role names are the same."""
    return value.casefold()


def _split_url(value: str, *, example: str) -> SplitResult:
    """Parse an http(s) URL, refusing what no Okta or SCIM URL has."""
    if not value or any(char.isspace() for char in value):
        raise fail(f"write a URL without spaces, e.g. {example}")
    if "://" not in value:
        host = value.split("/")[0]
        raise fail(f"write the full URL with its scheme, e.g. https://{host}")

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise fail(f"this is not a valid URL; write e.g. {example}") from None
    if parts.scheme not in ("http", "https"):
        raise fail(f"write an https URL, e.g. {example}")
    if not parts.hostname:
        raise fail(f"the URL has no host; write e.g. {example}")
    if "@" in parts.netloc:
        # Never repeat the URL here: what precedes "@" may be a password.
        raise fail("remove the user name and password from the URL")
    return parts


def _name(value: str, *, what: str, example: str) -> str:
    if not value.strip():
        raise fail(
            f"write the {what}'s name, e.g. {example}, or remove the item "
            "(a name must not be empty)"
        )
    if value != value.strip():
        raise fail(f'remove the spaces at the start or end of "{value.strip()}"')
    if len(value) > NAME_MAX:
        raise fail(f"shorten the {what} name to {NAME_MAX} characters")
    if _CONTROL.search(value):
        raise fail(f"remove the control characters from the {what} name")
    return value


def _email_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable email, or None."""
    if "<" in value or value.lower().startswith("mailto:"):
        return "write the address alone"
    if value.startswith('"'):
        return "quoted local parts are not supported"
    if any(char.isspace() for char in value) or _CONTROL.search(value):
        return "it holds spaces or control characters"
    if value.count("@") != 1:
        return "it needs exactly one @"

    local, domain = value.split("@")
    if not local or len(local.encode()) > 64:
        return "the part before @ must hold 1 to 64 bytes"
    if any(not _LOCAL_ATOM.match(atom) for atom in local.split(".")):
        return "the part before @ has a misplaced dot or a character not allowed"
    return _domain_problem(domain)


def _domain_problem(domain: str) -> str | None:
    if domain.startswith("["):
        return "address literals are not supported"
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain needs a dot, as in example.com"

    ascii_labels: list[str] = []
    for part in labels:
        try:
            # Python's codec applies IDNA 2003, not IDNA 2008 (UTS 46): a few
            # labels valid under one are refused by the other. Kept because
            # it needs no extra dependency; rare enough for people's emails.
            ascii_labels.append(part.encode("idna").decode("ascii"))
        except UnicodeError:
            return "the domain is not a valid domain name"
    if any(not _ASCII_LABEL.match(part) for part in ascii_labels):
        return "the domain is not a valid domain name"
    if ascii_labels[-1].isdigit():
        return "the domain ends in a number"
    if len(".".join(ascii_labels)) > 253:
        return "the domain is longer than 253 characters"
    return None
