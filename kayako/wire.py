"""The SOAP wire: the only place in the portal that imports zeep or touches XML of the API.

zeep reads the server's WSDL (once per process and API address) and writes each request
envelope, so document/literal and rpc/encoded servers are both spoken correctly. Replies are
read by a small dialect-tolerant reader into plain Python values (lists, dicts, strings): it is
several times cheaper than zeep's typed parsing and it accepts what PHP servers send (SOAP-ENC
arrays, apache Maps, lists keyed by id).

Every call goes through one pooled keep-alive urllib3 pool whose requests always carry a connect
and a read timeout (requests is used only to load the WSDL: its per-call overhead is a
millisecond); failures map to the errors of .errors at this boundary.
"""

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3
import zeep
from lxml import etree
from zeep.transports import Transport

from . import config
from .errors import ProtocolError, Unavailable, rejection

logger = logging.getLogger("kayako")

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
KAYAKO_FAULT_STRING = "Kayako API Error"
# zeep wants the SOAP-encoding schema for rpc/encoded WSDLs; it is served from this local copy.
LOCAL_SCHEMAS = {SOAP_ENC: Path(__file__).with_name("soap-encoding.xsd")}
MAX_REPLY_BYTES = 20 * 1024 * 1024

_READER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class LocalOnlyTransport(Transport):
    """Loads the WSDL from the API server only; known schemas from disk; nothing from elsewhere."""

    def __init__(self, *, session: requests.Session, api_url: str, timeout: float):
        super().__init__(session=session, timeout=timeout, operation_timeout=timeout)
        self.api_host = urlsplit(api_url).netloc

    def load(self, url):
        local = LOCAL_SCHEMAS.get(url.rstrip("/")) or LOCAL_SCHEMAS.get(url)
        if local is not None:
            return local.read_bytes()
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != self.api_host:
            raise Unavailable(f"refusing to fetch {url}: only the API server's WSDL is loaded")
        return super().load(url)


@dataclass
class Connection:
    """A process's link to one API server: its connection pool and the operations of its WSDL."""

    settings: config.ConnectionSettings
    pool: urllib3.PoolManager
    client: zeep.Client
    service: object
    soap_actions: dict[str, str]

    @property
    def timeout(self) -> urllib3.Timeout:
        return urllib3.Timeout(connect=self.settings.connect_timeout, read=self.settings.read_timeout)


_lock = threading.Lock()
_connection: Connection | None = None
_connection_pid: int | None = None


def _build(settings: config.ConnectionSettings) -> Connection:
    session = requests.Session()
    session.trust_env = False  # no proxy settings from the environment: the API server is configured
    transport = LocalOnlyTransport(session=session, api_url=settings.url, timeout=settings.read_timeout)
    zeep_settings = zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        client = zeep.Client(f"{settings.url}?wsdl", transport=transport, settings=zeep_settings)
    except (requests.RequestException, OSError) as error:
        raise Unavailable(f"WSDL not reachable: {type(error).__name__}") from None
    except Unavailable:
        raise
    except Exception as error:  # zeep raises many kinds for a page that is not a WSDL
        raise ProtocolError(f"WSDL unreadable: {type(error).__name__}") from None
    service_def = next(iter(client.wsdl.services.values()))
    port = next(iter(service_def.ports.values()))
    # The configured URL is the address, whatever the WSDL says.
    service = client.create_service(port.binding.name, settings.url)
    actions = {name: op.soapaction or "" for name, op in port.binding._operations.items()}
    session.close()
    pool = urllib3.PoolManager(num_pools=4, maxsize=settings.pool_size, retries=False)
    return Connection(settings, pool, client, service, actions)


def connection() -> Connection:
    """This process's connection, built lazily (after fork) and rebuilt when settings change."""
    global _connection, _connection_pid
    settings = config.current()
    current = _connection
    if current is not None and _connection_pid == os.getpid() and current.settings == settings:
        return current
    with _lock:
        if _connection is None or _connection_pid != os.getpid() or _connection.settings != settings:
            _connection = _build(settings)
            _connection_pid = os.getpid()
        return _connection


def reset() -> None:
    """Forget the connection (tests, and the admin's "Test connection" with new settings)."""
    global _connection
    with _lock:
        _connection = None


def call(operation: str, *, retry_read: bool = False, **params):
    """Run one API operation and return its reply as plain values, or raise a KayakoError."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        link = connection()
        params = {"user": link.settings.username, "password": link.settings.password, **params}
        try:
            envelope = link.client.create_message(link.service, operation, **params)
        except Exception as error:  # a call this server's WSDL does not have, or wrong arguments
            raise ProtocolError(f"{operation} cannot be encoded: {type(error).__name__}") from None
        body = etree.tostring(envelope, encoding="utf-8", xml_declaration=True)
        headers = {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": f'"{link.soap_actions.get(operation, "")}"'}
        attempts = 2 if retry_read else 1
        for attempt in range(attempts):
            try:
                response = link.pool.request(
                    "POST", link.settings.url, body=body, headers=headers, timeout=link.timeout
                )
                break
            except urllib3.exceptions.TimeoutError:
                raise Unavailable(f"{operation} timed out") from None
            except urllib3.exceptions.HTTPError as error:
                if attempt + 1 < attempts:
                    continue
                raise Unavailable(f"{operation}: helpdesk not reachable ({type(error).__name__})") from None
        return read_reply(operation, response.status, response.data)
    except Exception as error:
        outcome = getattr(error, "kind", type(error).__name__)
        if hasattr(error, "code"):
            outcome = f"{outcome} {error.code}"
        raise
    finally:
        logger.info("kayako %s %s %.1fms", operation, outcome, (time.perf_counter() - started) * 1000)


def read_reply(operation: str, status: int, content: bytes):
    """The reply's value, or the error it stands for."""
    if status in (502, 503, 504):
        raise Unavailable(f"{operation}: HTTP {status}")
    if len(content) > MAX_REPLY_BYTES:
        raise ProtocolError(f"{operation}: reply too large")
    try:
        root = etree.fromstring(content, _READER)
    except etree.XMLSyntaxError:
        raise ProtocolError(f"{operation}: HTTP {status}, not XML") from None
    body = root.find(f"{{{SOAP_ENV}}}Body") if root.tag == f"{{{SOAP_ENV}}}Envelope" else None
    if body is None:
        raise ProtocolError(f"{operation}: HTTP {status}, not a SOAP envelope")
    entries = [child for child in body if isinstance(child.tag, str)]
    if not entries:
        raise ProtocolError(f"{operation}: empty SOAP body")
    if entries[0].tag == f"{{{SOAP_ENV}}}Fault":
        raise _fault_error(operation, entries[0])
    if status != 200:
        raise ProtocolError(f"{operation}: HTTP {status} without a fault")
    parts = [child for child in entries[0] if isinstance(child.tag, str)]
    return plain(parts[0]) if parts else None


def _fault_error(operation: str, fault) -> Exception:
    fault_string = (fault.findtext("faultstring") or "").strip()
    detail = fault.find("detail")
    detail_text = " ".join(detail.itertext()) if detail is not None else ""
    found = re.search(r"-\d+", detail_text)
    if fault_string == KAYAKO_FAULT_STRING and found:
        return rejection(int(found.group()), operation)
    return ProtocolError(f"{operation}: fault {fault_string[:200]!r}")


_NIL = f"{{{XSI}}}nil"
_ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def plain(node):
    """XML to plain Python: text, lists (item children, SOAP-ENC arrays), dicts (structs, Maps)."""
    if node.get(_NIL) in ("true", "1"):
        return None
    children = [child for child in node if isinstance(child.tag, str)]
    if not children:
        return node.text or ""
    names = [_local(child.tag) for child in children]
    if node.get(_ARRAY_TYPE) is not None or all(name == "item" for name in names):
        items = [plain(child) for child in children]
        if items and all(isinstance(i, dict) and len(i) == 2 and "key" in i and "value" in i for i in items):
            return {str(i["key"]): i["value"] for i in items}  # an apache Map
        return items
    data: dict = {}
    for name, child in zip(names, children, strict=True):
        value = plain(child)
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data


@dataclass
class Download:
    """An attachment's content from the helpdesk, read in chunks."""

    response: urllib3.BaseHTTPResponse

    @property
    def length(self) -> str | None:
        return self.response.headers.get("Content-Length")

    def chunks(self, size: int):
        try:
            yield from self.response.stream(size)
        finally:
            self.close()

    def close(self) -> None:
        self.response.release_conn()


def open_stream(url: str) -> Download:
    """A streamed GET of an attachment URL given by the API, through the same pool."""
    link = connection()
    try:
        response = link.pool.request("GET", url, preload_content=False, timeout=link.timeout)
    except urllib3.exceptions.HTTPError as error:
        raise Unavailable(f"attachment download: {type(error).__name__}") from None
    if response.status != 200:
        response.release_conn()
        raise Unavailable(f"attachment download: HTTP {response.status}")
    return Download(response)
