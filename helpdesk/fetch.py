"""Downloading the attachments that API callers offer by URL, within strict limits.

The URL comes from whoever holds the API credentials, so this is where server-side request forgery
would happen. The rules, each closing a way around an allowlist:
- the URL is parsed once, strictly, and what was checked is what is used: http or https only, no user
  info, no backslash, no whitespace or control character, and a host written canonically (a DNS name,
  a dotted-quad IPv4 address without leading zeros, or a bracketed IPv6 address in its compressed
  form). Hosts that parsers disagree on (decimal, octal or hexadecimal numbers, "127.1", a trailing
  dot, percent-encoding, non-ASCII) are refused rather than normalised;
- its origin (scheme, host, port) must be one of HELPDESK_ATTACHMENT_ORIGINS, by default the origin
  of PORTAL_PUBLIC_URL: another port of an allowed host is another service;
- the name is resolved once, every address it resolves to is checked (never link-local, which holds
  cloud metadata services, multicast, unspecified, reserved or "this network"; IPv4-mapped IPv6
  addresses are checked as the IPv4 address they are), and the connection goes to exactly the
  address that was checked, with the Host header and the TLS server name taken from the URL;
- no redirects (a redirect could lead anywhere), a timeout and a size cap. The content is spooled to
  a temporary file so that memory stays flat whatever the size.
"""

import ipaddress
import re
import socket
import tempfile
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import urllib3
from django.conf import settings
from django.core.files import File

from common.uploads import usable_name

CHUNK_SIZE = 64 * 1024
SPOOL_IN_MEMORY_UP_TO = 1024 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}

_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_NUMERIC_LABEL = re.compile(r"^(?:\d+|0x[0-9a-f]*)$")  # a label URL parsers read as part of an IPv4 number
_CANONICAL_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$")
_UNSAFE_CHARACTERS = re.compile(r"[\\\s\x00-\x1f\x7f]")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


class FetchError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """A checked attachment URL: where to connect and what to ask for."""

    scheme: str
    host: str  # as written in the URL (IPv6 without brackets)
    port: int
    path: str  # path and query, percent-encoded

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _canonical_host(raw: str) -> str:
    """The host if it is written the one way every parser reads the same; FetchError otherwise."""
    if raw.startswith("[") and raw.endswith("]"):
        try:
            address = ipaddress.IPv6Address(raw[1:-1])
        except ValueError:
            raise FetchError("the IPv6 address is not valid") from None
        if address.compressed != raw[1:-1]:
            raise FetchError("the IPv6 address is not written in its canonical form")
        return address.compressed
    if _CANONICAL_IPV4.match(raw):
        return raw
    labels = raw.split(".")
    if not all(_DNS_LABEL.match(label) for label in labels) or _NUMERIC_LABEL.match(labels[-1]):
        raise FetchError("the host is not a canonical DNS name or IP address")
    return raw


def parse_url(url: str) -> Target:
    """The URL checked against the syntax rules and the allowed origins (no network involved)."""
    if not url.isascii() or _UNSAFE_CHARACTERS.search(url):
        raise FetchError("the URL holds a backslash, whitespace, a control or a non-ASCII character")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket
        raise FetchError("the URL cannot be parsed") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise FetchError("only http and https URLs are fetched")
    if "@" in parts.netloc:
        raise FetchError("URLs with user information are refused")
    host_part, colon, port_part = parts.netloc.rpartition(":") if not parts.netloc.endswith("]") else ("", "", "")
    if not colon:
        host_part, port_part = parts.netloc, ""
    if colon and not (port_part.isdigit() and not port_part.startswith("0") and int(port_part) <= 65535):
        raise FetchError("the port is not valid")
    host = _canonical_host(host_part.lower())
    target = Target(
        scheme=parts.scheme,
        host=host,
        port=int(port_part) if port_part else DEFAULT_PORTS[parts.scheme],
        path=quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~") + (f"?{parts.query}" if parts.query else ""),
    )
    if target.origin not in allowed_origins():
        raise FetchError(f"{target.scheme}://{target.host_header} is not in HELPDESK_ATTACHMENT_ORIGINS")
    return target


def allowed_origins() -> set[tuple[str, str, int]]:
    origins = set()
    for origin in settings.HELPDESK_ATTACHMENT_ORIGINS:
        parts = urlsplit(origin)
        if parts.scheme in DEFAULT_PORTS and parts.hostname:
            origins.add((parts.scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[parts.scheme]))
    return origins


def is_refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:  # ::1 sits inside the reserved ::/8
        return False
    return (
        address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved
        or (isinstance(address, ipaddress.IPv4Address) and address in _THIS_NETWORK)
    )


def resolve(host: str, port: int) -> str:
    """One address of `host` to connect to, after checking every address the name resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("the host name does not resolve") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses or any(is_refused_address(address) for address in addresses):
        raise FetchError("the host resolves to an address that is never fetched from")
    return str(addresses[0])


@dataclass
class Fetched:
    size: int = 0
    spool: tempfile.SpooledTemporaryFile = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_UP_TO)  # noqa: SIM115 - closed by close()
    )

    def as_file(self) -> File:
        self.spool.seek(0)
        return File(self.spool)

    def close(self) -> None:
        self.spool.close()


def safe_filename(name: str) -> str:
    """The caller's name made safe, or "attachment" when nothing of it is usable: the API takes the file
    by URL, so the name is only a label and a ticket is never refused (nor a file dropped) over it."""
    return usable_name(unicodedata.normalize("NFC", name)) or "attachment"


def _pool(target: Target, address: str) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=settings.HELPDESK_ATTACHMENT_FETCH_TIMEOUT,
                              read=settings.HELPDESK_ATTACHMENT_FETCH_TIMEOUT)
    if target.scheme == "https":
        # Connected to the checked address; the certificate is still checked against the URL's name.
        return urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1,
                                           server_hostname=target.host, assert_hostname=target.host)
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)


def fetch_url(url: str) -> Fetched:
    target = parse_url(url)
    address = resolve(target.host, target.port)
    limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    fetched = Fetched()
    try:
        with _pool(target, address) as pool:
            response = pool.urlopen("GET", target.path, headers={"Host": target.host_header}, redirect=False,
                                    preload_content=False, assert_same_host=False)
            try:
                if response.status != 200:
                    raise FetchError(f"HTTP {response.status}")
                for chunk in response.stream(CHUNK_SIZE):
                    fetched.size += len(chunk)
                    if fetched.size > limit:
                        raise FetchError("attachment larger than HELPDESK_ATTACHMENT_MAX_BYTES")
                    fetched.spool.write(chunk)
            finally:
                response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        fetched.close()
        raise FetchError(type(error).__name__) from None
    except FetchError:
        fetched.close()
        raise
    return fetched
