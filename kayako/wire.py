"""The SOAP wire: the only place in the portal that imports zeep or touches XML of the API.

zeep reads the server's WSDL once per process and API address, and with it the dialect is
decided for the connection: document/literal (the embedded helpdesk) or rpc/encoded (PHP servers:
ext/soap, NuSOAP). Every parameter is then written in that dialect. rpc/encoded envelopes are
written as PHP's own SoapClient writes them (xsi:type on every value, SOAP-ENC arrays of <item>),
because zeep's encoding of SOAP-ENC arrays is not what PHP servers read and some (NuSOAP) decode
values by their xsi:type alone, ignoring the WSDL. Document/literal envelopes are written from the
element structure zeep reads in the WSDL, byte for byte as zeep writes them (tests compare the
two), and by zeep itself for any operation or value outside the plain shapes (scalars, structs,
lists of them): zeep's serializer took a third of the portal's CPU for a call around the POST.

Replies are read by a small dialect-tolerant reader into plain Python values (lists, dicts,
strings), in the character set the reply declares: several times cheaper than zeep's typed
parsing, and it accepts what PHP servers send (SOAP-ENC arrays, apache Maps, lists keyed by id).

Every call goes through one pooled keep-alive urllib3 pool whose requests always carry a connect
and a read timeout (requests is used only to load the WSDL: its per-call overhead is a
millisecond); failures map to the errors of .errors at this boundary.

A slow or hung helpdesk costs a page little: its calls share one operation timeout in total
(.pages); at most KAYAKO_CONCURRENT_CALLS threads of a process wait on the helpdesk at once, so
that the others stay free for pages that do not need it (and for /health/); and the circuit
breaker (.breaker) fails calls at once after repeated failures.
"""

import contextvars
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from functools import cached_property
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phpserialize
import requests
import urllib3
import zeep
from django.conf import settings as django_settings
from lxml import etree
from zeep.transports import Transport
from zeep.wsdl.messages import RpcMessage

from . import breaker, config, pages
from .errors import CircuitOpen, KayakoError, NotSent, ProtocolError, Unavailable, Unreached, rejection

logger = logging.getLogger("kayako")

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
KAYAKO_FAULT_STRING = "Kayako API Error"
# Schemas that WSDLs import by namespace and that are read from these local copies, never fetched.
LOCAL_SCHEMAS = {SOAP_ENC: Path(__file__).with_name("soap-encoding.xsd")}
MAX_REPLY_BYTES = 20 * 1024 * 1024

_READER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class LocalOnlyTransport(Transport):
    """Loads the WSDL from the API server only; known schemas from disk; nothing from elsewhere.

    zeep refuses every http(s) import when forbid_external is set, including the SOAP-encoding
    schema that rpc/encoded WSDLs import (zeep even adds that import itself). So each document
    loaded from the API server has its imports of LOCAL_SCHEMAS pointed at the local files first;
    any other import stays refused.
    """

    def __init__(self, *, session: requests.Session, api_url: str, timeout: float) -> None:
        super().__init__(session=session, timeout=timeout, operation_timeout=timeout)  # type: ignore[no-untyped-call]
        self.api_host = urlsplit(api_url).netloc
        self.local_files = {path.as_uri(): path for path in LOCAL_SCHEMAS.values()}

    def load(self, url: str) -> bytes:
        local = LOCAL_SCHEMAS.get(url) or LOCAL_SCHEMAS.get(url.rstrip("/") + "/") or self.local_files.get(url)
        if local is not None:
            return _importing_itself(local.read_bytes(), url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != self.api_host:
            raise Unavailable(f"refusing to fetch {url}: only the API server's WSDL is loaded")
        return with_local_schemas(super().load(url))  # type: ignore[no-untyped-call]


def with_local_schemas(document: bytes) -> bytes:
    """The WSDL with every schema that uses a LOCAL_SCHEMAS namespace importing it from disk."""
    if not any(namespace.encode() in document for namespace in LOCAL_SCHEMAS):
        return document  # nothing to point anywhere: the bytes as served
    try:
        root = etree.fromstring(document, _READER)
    except etree.XMLSyntaxError:
        return document  # zeep reports what is wrong with it
    for schema in root.iter(f"{{{XSD}}}schema"):
        imports = {node.get("namespace"): node for node in schema.iterchildren(f"{{{XSD}}}import")}
        for namespace, path in LOCAL_SCHEMAS.items():
            node = imports.get(namespace)
            if node is None:
                node = etree.Element(f"{{{XSD}}}import", namespace=namespace)
                schema.insert(0, node)
            node.set("schemaLocation", path.as_uri())
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _importing_itself(schema: bytes, url: str) -> bytes:
    """A local schema that imports its own namespace from where it was loaded.

    zeep resolves a reference to the SOAP-encoding namespace by importing it from the internet
    unless the referring schema imports it, and the local copy refers to its own names.
    """
    root = etree.fromstring(schema, _READER)
    root.insert(0, etree.Element(f"{{{XSD}}}import", namespace=root.get("targetNamespace", ""), schemaLocation=url))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


# --- the parameters of an operation, as its WSDL declares them -----------------------------


@dataclass(frozen=True)
class ValueType:
    """How one value is written in rpc/encoded: its xsi:type, and for structs and arrays the parts."""

    xsi_type: str  # "xsd:int", "ns2:Attachment", ...
    fields: tuple[tuple[str, "ValueType"], ...] = ()  # a struct's fields, in order
    item: "ValueType | None" = None  # a SOAP-ENC array's item type

    @property
    def local_name(self) -> str:
        return self.xsi_type.partition(":")[2]


@dataclass(frozen=True)
class OperationSpec:
    name: str
    soap_action: str
    namespace: str  # of the rpc wrapper element
    parameters: tuple[tuple[str, ValueType], ...]  # rpc parts, or document/literal children, in order
    list_wrappers: Mapping[str, str]  # document/literal: a list parameter -> the name of its items
    # document/literal: the request's wrapper element, when every part of it has a plain shape
    literal: "LiteralElement | None" = None


@dataclass(frozen=True)
class LiteralElement:
    """How one element of a document/literal request is written: its tag (ns0:name) and a scalar's
    XSD type, a list's item or a struct's fields by parameter name."""

    tag: str
    scalar: str = ""
    nillable: bool = False
    item: "LiteralElement | None" = None
    fields: tuple[tuple[str, "LiteralElement"], ...] = ()

    @cached_property
    def field_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.fields)


class _Unwritten(Exception):
    """A shape (in the WSDL) or a value (in a call) that zeep writes instead."""


class _TypeNames:
    """Prefixes for the namespaces of the types an rpc/encoded request names."""

    FIXED = {XSD: "xsd", SOAP_ENC: "SOAP-ENC"}

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = {}

    def qualified(self, qname: etree.QName) -> str:
        prefix = self.FIXED.get(qname.namespace or "")
        if prefix is None:
            prefix = self.prefixes.setdefault(qname.namespace or "", f"ns{len(self.prefixes) + 2}")
        return f"{prefix}:{qname.localname}"


def _value_type(zeep_type: Any, names: _TypeNames, depth: int = 0) -> ValueType:
    if depth > 8:
        raise ProtocolError("WSDL types nest too deeply")
    qname = getattr(zeep_type, "qname", None)
    xsi_type = names.qualified(qname) if qname is not None else "xsd:anyType"
    array_item = next(
        (attribute.array_type for _, attribute in getattr(zeep_type, "attributes", ())
         if getattr(attribute, "qname", None) == etree.QName(SOAP_ENC, "arrayType") and attribute.array_type),
        None,
    )
    if array_item is not None:
        return ValueType(xsi_type, item=_value_type(array_item, names, depth + 1))
    if qname is not None and qname.namespace == XSD:
        return ValueType(xsi_type)
    fields = tuple((name, _value_type(element.type, names, depth + 1)) for name, element in getattr(zeep_type, "elements", ()))
    return ValueType(xsi_type, fields=fields)


# The XSD types the literal writer writes itself (how: _literal_scalar).
_LITERAL_SCALARS = ("string", "int", "boolean")


def _literal_element(element: Any, namespace: str, depth: int = 0) -> LiteralElement:
    """One element of a request and what it holds, as zeep reads the WSDL; _Unwritten for anything
    but scalars of _LITERAL_SCALARS, and sequences of them: structs, and lists of one repeated item,
    every element qualified in the request's namespace (the helpdesk's WSDL)."""
    qname = etree.QName(element.qname)
    if depth > 3 or not namespace or qname.namespace != namespace:
        raise _Unwritten
    tag = f"ns0:{qname.localname}"
    type_name = getattr(element.type, "qname", None)
    xsd_type = etree.QName(type_name) if type_name is not None else None
    if xsd_type is not None and xsd_type.namespace == XSD:
        if xsd_type.localname not in _LITERAL_SCALARS:
            raise _Unwritten
        return LiteralElement(tag, scalar=xsd_type.localname, nillable=element.nillable)
    content = getattr(element.type, "_element", None)
    if getattr(element.type, "attributes", None) or not isinstance(content, zeep.xsd.Sequence):
        raise _Unwritten
    children = list(content)
    if not all(isinstance(child, zeep.xsd.Element) for child in children):
        raise _Unwritten  # a choice, a group or an any
    if len(children) == 1 and children[0].accepts_multiple:
        return LiteralElement(tag, item=_literal_element(children[0], namespace, depth + 1))
    if any(child.accepts_multiple for child in children):
        raise _Unwritten
    return LiteralElement(
        tag, fields=tuple((child.name, _literal_element(child, namespace, depth + 1)) for child in children)
    )


def _literal_request(body: Any) -> LiteralElement | None:
    try:
        request = _literal_element(body, etree.QName(body.qname).namespace or "")
    except _Unwritten:
        return None
    return request if request.fields else None


def _operation_spec(operation: Any, names: _TypeNames) -> OperationSpec:
    body = operation.input.body
    elements = body.type.elements if body is not None else []
    list_wrappers = {}
    for name, element in elements:
        children = getattr(element.type, "elements", [])
        if len(children) == 1 and children[0][1].accepts_multiple:
            list_wrappers[name] = children[0][0]
    return OperationSpec(
        name=operation.name,
        soap_action=operation.soapaction or "",
        namespace=etree.QName(body.qname).namespace or "" if body is not None else "",
        parameters=tuple((name, _value_type(element.type, names)) for name, element in elements),
        list_wrappers=list_wrappers,
        literal=None if body is None or isinstance(operation.input, RpcMessage) else _literal_request(body),
    )


# --- writing requests ----------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    text = str(value)
    if _NOT_XML.search(text):
        raise ValueError("a character XML cannot carry")
    # A bare CR would reach the server as LF (XML normalizes line ends): it is sent as a reference.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _scalar(value: Any, value_type: ValueType) -> str:
    kind = value_type.local_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("int", "integer", "long", "short", "byte"):
        return str(int(value))
    return "" if value is None else _text(value)  # an rpc part is required: None is sent as ""


def _literal_scalar(kind: str, value: Any) -> str:
    """A value as zeep writes it, for the Python type each XSD type is given; others: _Unwritten."""
    if kind == "string" and isinstance(value, str):
        return _text(value)
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    raise _Unwritten


def _literal(element: LiteralElement, value: Any) -> str:
    """One element and its value, as zeep writes it (an empty list as <tag/>, an empty string not)."""
    if value is None:
        if not (element.nillable and element.scalar):
            raise _Unwritten
        return f'<{element.tag} xmlns:xsi="{XSI}" xsi:nil="true"/>'
    if element.scalar:
        return f"<{element.tag}>{_literal_scalar(element.scalar, value)}</{element.tag}>"
    if element.item is not None:
        if not isinstance(value, list | tuple):
            raise _Unwritten
        inner = "".join(_literal(element.item, item) for item in value)
    else:
        inner = _literal_fields(element, value)
    return f"<{element.tag}>{inner}</{element.tag}>" if inner else f"<{element.tag}/>"


def _literal_fields(element: LiteralElement, values: Any) -> str:
    if not isinstance(values, Mapping) or any(name not in element.field_names for name in values):
        raise _Unwritten  # zeep names what it does not know
    return "".join(_literal(field, values.get(name)) for name, field in element.fields)


def _encoded(name: str, value: Any, value_type: ValueType) -> str:
    """One value as PHP's SoapClient writes it: typed, arrays with SOAP-ENC:arrayType and <item>s."""
    if value_type.item is not None:
        items = list(value or ())
        inner = "".join(_encoded("item", item, value_type.item) for item in items)
        return (f'<{name} xsi:type="SOAP-ENC:Array" '
                f'SOAP-ENC:arrayType="{value_type.item.xsi_type}[{len(items)}]">{inner}</{name}>')
    if value_type.fields:
        inner = "".join(_encoded(field, value.get(field), field_type) for field, field_type in value_type.fields)
        return f'<{name} xsi:type="{value_type.xsi_type}">{inner}</{name}>'
    return f'<{name} xsi:type="{value_type.xsi_type}">{_scalar(value, value_type)}</{name}>'


@dataclass
class Connection:
    """A process's link to one API server: its connection pool and the operations of its WSDL."""

    settings: config.ConnectionSettings
    pool: urllib3.PoolManager
    client: zeep.Client
    service: Any
    rpc_encoded: bool  # the dialect, from the WSDL: rpc/encoded, else document/literal
    operations: Mapping[str, OperationSpec]
    type_namespaces: Mapping[str, str]  # rpc/encoded: namespace -> prefix of the types it names

    @property
    def timeout(self) -> urllib3.Timeout:
        return urllib3.Timeout(connect=self.settings.connect_timeout, read=self.settings.read_timeout)

    @property
    def dialect(self) -> str:
        return "rpc/encoded" if self.rpc_encoded else "document/literal"

    def envelope(self, operation: str, params: Mapping[str, Any]) -> bytes:
        """The request for one call, every parameter written in this connection's dialect."""
        spec = self.operations.get(operation)
        if spec is None:
            raise ProtocolError(f"{operation}: not an operation of this server's WSDL")
        try:
            if self.rpc_encoded:
                return self._rpc_envelope(spec, params)
            if spec.literal is not None:
                try:
                    return self._literal_envelope(spec, spec.literal, params)
                except _Unwritten:
                    pass  # a value of another type than the plain ones: zeep writes it as it sees fit
            wrapped = {
                name: {spec.list_wrappers[name]: list(value)} if name in spec.list_wrappers else value
                for name, value in params.items()
            }
            message = self.client.create_message(self.service, operation, **wrapped)
        except ProtocolError:
            raise
        except Exception as error:  # wrong arguments for this WSDL, or a value it cannot carry
            raise ProtocolError(f"{operation} cannot be encoded: {type(error).__name__}") from None
        return etree.tostring(message, encoding="utf-8", xml_declaration=True)

    @staticmethod
    def _literal_envelope(spec: OperationSpec, request: LiteralElement, params: Mapping[str, Any]) -> bytes:
        return (
            f"<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope xmlns:soap-env=\"{SOAP_ENV}\">"
            f'<soap-env:Body><{request.tag} xmlns:ns0="{spec.namespace}">{_literal_fields(request, params)}'
            f"</{request.tag}></soap-env:Body></soap-env:Envelope>"
        ).encode()

    def _rpc_envelope(self, spec: OperationSpec, params: Mapping[str, Any]) -> bytes:
        unknown = set(params) - {name for name, _ in spec.parameters}
        if unknown:
            raise ProtocolError(f"{spec.name}: no parameter {sorted(unknown)} in this server's WSDL")
        parts = "".join(_encoded(name, params.get(name), value_type) for name, value_type in spec.parameters)
        namespaces = "".join(f' xmlns:{prefix}="{namespace}"' for namespace, prefix in self.type_namespaces.items())
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns1="{spec.namespace}" xmlns:xsd="{XSD}" '
            f'xmlns:xsi="{XSI}" xmlns:SOAP-ENC="{SOAP_ENC}"{namespaces} SOAP-ENV:encodingStyle="{SOAP_ENC}">'
            f"<SOAP-ENV:Body><ns1:{spec.name}>{parts}</ns1:{spec.name}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        ).encode()


_lock = threading.Lock()
_connection: Connection | None = None
_connection_pid: int | None = None


def _build(settings: config.ConnectionSettings, timeout: float) -> Connection:
    session = requests.Session()
    session.trust_env = False  # no proxy settings from the environment: the API server is configured
    transport = LocalOnlyTransport(session=session, api_url=settings.url, timeout=timeout)
    zeep_settings = zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        client = zeep.Client(f"{settings.url}?{settings.wsdl_query}", transport=transport, settings=zeep_settings)
    except (requests.RequestException, OSError) as error:
        raise Unreached(f"WSDL not reachable: {type(error).__name__}") from None  # the call itself never went
    except Unavailable:
        raise
    except Exception as error:  # zeep raises many kinds for a page that is not a WSDL
        raise ProtocolError(f"WSDL unreadable: {type(error).__name__}: {str(error)[:200]}") from None
    finally:
        session.close()
    service_def = next(iter(client.wsdl.services.values()), None)
    port = next(iter(service_def.ports.values()), None) if service_def is not None else None
    if port is None:
        raise ProtocolError("WSDL unreadable: it declares no service port")
    # The configured URL is the address, whatever the WSDL says.
    service = client.create_service(port.binding.name, settings.url)
    operations = list(port.binding.all().values())
    styles = {isinstance(operation.input, RpcMessage) for operation in operations}
    if len(styles) != 1:
        raise ProtocolError("WSDL mixes rpc and document operations")
    names = _TypeNames()
    specs = {operation.name: _operation_spec(operation, names) for operation in operations}
    pool = urllib3.PoolManager(num_pools=4, maxsize=settings.pool_size, retries=False)
    return Connection(settings, pool, client, service, styles.pop(), specs,
                      dict(names.prefixes))


def connection(timeout: float | None = None) -> Connection:
    """This process's connection, built lazily (after fork) and rebuilt when settings change;
    its WSDL is read within `timeout` (default: the read timeout)."""
    global _connection, _connection_pid
    settings = config.current()
    current = _connection
    if current is not None and _connection_pid == os.getpid() and current.settings == settings:
        return current
    with _lock:
        if _connection is None or _connection_pid != os.getpid() or _connection.settings != settings:
            _connection = _build(settings, min(settings.read_timeout, timeout or settings.read_timeout))
            _connection_pid = os.getpid()
        return _connection


def reset() -> None:
    """Forget the connection (tests, and the admin's "Test connection" with new settings)."""
    global _connection
    with _lock:
        _connection = None


@dataclass(frozen=True)
class Reply:
    """A reply's value as plain Python values, and the character set the reply was written in."""

    value: Any
    charset: str

    def unserialized(self) -> Any:
        """The value of a PHP serialize()'d string reply (original servers answer getSubmittedTicket
        so): arrays as dicts. Its lengths count bytes, so it is read in the reply's charset.
        Objects, and anything after the value, are refused with ValueError."""
        data = BytesIO(str(self.value).encode(self.charset))
        value = phpserialize.load(data, charset=self.charset, decode_strings=True)
        if data.read().strip():
            raise ValueError("data after the serialized value")
        return value


# --- how long a call may take, and how many may wait at once --------------------------------

# A call waits this long at most for a free slot, and only once per page: a slot is held for
# milliseconds while the helpdesk is well, and for the whole timeout while it hangs. Under a burst
# (50 customers' first pages at once, cold caches) the queue for a slot passed 0.2 s: a 503 for a
# helpdesk that was only busy.
SLOT_WAIT_SECONDS = 0.5
MIN_CALL_SECONDS = 0.05  # with less time left a call is not started: it could not be answered in time
# After the breaker's cool-down, this small call decides whether calls resume.
TRIAL_OPERATION = "getDepartmentList"
_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


_cap: contextvars.ContextVar[float | None] = contextvars.ContextVar("kayako_cap", default=None)


@contextmanager
def capped(seconds: float) -> Iterator[None]:
    """The calls made inside may take `seconds` at most each (the page's time left permitting)."""
    token = _cap.set(seconds)
    try:
        yield
    finally:
        _cap.reset(token)


def _time_left(operation: str) -> float | None:
    page = pages.current()
    if page is None:
        return None
    left = page.deadline - time.monotonic()
    if left < MIN_CALL_SECONDS:
        raise NotSent(f"{operation}: no time left for this page")
    return left


@contextmanager
def _slot(operation: str) -> Iterator[None]:
    """One of the process's KAYAKO_CONCURRENT_CALLS slots for the duration of a call."""
    global _slots
    size = max(1, django_settings.KAYAKO_CONCURRENT_CALLS)
    slots = _slots
    if slots is None or slots[0] != size:
        with _slots_lock:
            if _slots is None or _slots[0] != size:
                _slots = (size, threading.BoundedSemaphore(size))
            slots = _slots
    page, left = pages.current(), _time_left(operation)
    wait = SLOT_WAIT_SECONDS if left is None else min(SLOT_WAIT_SECONDS, left)
    if page is not None and page.waited_for_a_slot:
        wait = 0.0
    if not slots[1].acquire(timeout=wait):
        if page is not None:
            page.waited_for_a_slot = True
        raise NotSent(f"{operation}: every call slot of this process is waiting on the helpdesk")
    try:
        yield
    finally:
        slots[1].release()


def call(operation: str, *, retry_read: bool = False, probe: bool = False, **params: Any) -> Reply:
    """Run one API operation and return its reply, or raise a KayakoError. A probe goes through
    even while the circuit breaker is open, and decides it (breaker.Breaker.admit)."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        _time_left(operation)
        circuit = breaker.for_url(config.current().url)
        deciding = circuit.admit(probe=probe)
        try:
            with _slot(operation):
                if deciding and not probe:
                    deciding = _trial(circuit, operation)
                with circuit.outcome(deciding=deciding):
                    return _call(operation, retry_read, params)
        except NotSent:
            circuit.release(deciding)
            raise
    except Exception as error:
        outcome = getattr(error, "kind", type(error).__name__)
        if hasattr(error, "code"):
            outcome = f"{outcome} {error.code}"
        raise
    finally:
        logger.info("kayako %s %s %.1fms", operation, outcome, (time.perf_counter() - started) * 1000)


def _trial(circuit: breaker.Breaker, operation: str) -> bool:
    """The call that decides whether calls resume after the cool-down: a small one, with a short
    timeout, so that the page that makes it waits little if the helpdesk still does not answer.
    False once the breaker is closed; raises CircuitOpen if it opened again."""
    try:
        with circuit.outcome(deciding=True):
            _call(TRIAL_OPERATION, False, {}, limit=django_settings.KAYAKO_BREAKER_TRIAL_TIMEOUT)
    except NotSent:
        raise
    except Unavailable as error:
        raise CircuitOpen(f"{operation}: the helpdesk still does not answer ({error})") from None
    except KayakoError:
        pass  # it answered: closed
    return False


def _call(operation: str, retry_read: bool, params: Mapping[str, Any], limit: float | None = None) -> Reply:
    """One call (two for a read after a connection error), within the page's time and `limit`."""
    caps = [cap for cap in (_time_left(operation), _cap.get(), limit) if cap is not None]
    cap = min(caps) if caps else None
    link = connection(cap)
    body = link.envelope(operation, {"user": link.settings.username, "password": link.settings.password, **params})
    spec = link.operations[operation]
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{spec.soap_action}"'}
    timeout = link.timeout if cap is None else urllib3.Timeout(
        connect=min(link.settings.connect_timeout, cap), read=min(link.settings.read_timeout, cap))
    attempts = 2 if retry_read else 1
    for attempt in range(attempts):
        try:
            status, content, content_type = _post(link, body, headers, operation, timeout)
            break
        except urllib3.exceptions.ConnectTimeoutError as error:  # NewConnectionError (refused) is one too
            raise Unreached(f"{operation}: helpdesk not reachable ({type(error).__name__})") from None
        except urllib3.exceptions.TimeoutError:
            raise Unavailable(f"{operation} timed out") from None
        except urllib3.exceptions.HTTPError as error:
            if attempt + 1 < attempts:
                continue
            raise Unavailable(f"{operation}: helpdesk not reachable ({type(error).__name__})") from None
    return read_reply(operation, status, content, content_type)


def _post(link: Connection, body: bytes, headers: dict[str, str], operation: str,
          timeout: urllib3.Timeout) -> tuple[int, bytes, str]:
    """One POST; the reply read while it streams in, and refused once it passes MAX_REPLY_BYTES or
    the page's time is up."""
    page = pages.current()
    response = link.pool.request(
        "POST", link.settings.url, body=body, headers=headers, timeout=timeout, preload_content=False
    )
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_REPLY_BYTES:
            response.close()  # never read: the connection is not reused
            raise ProtocolError(f"{operation}: reply too large")
        content = bytearray()
        for chunk in response.stream(64 * 1024):
            content += chunk
            if len(content) > MAX_REPLY_BYTES:
                response.close()
                raise ProtocolError(f"{operation}: reply too large")
            if page is not None and time.monotonic() > page.deadline:  # a reply trickling in
                response.close()
                raise Unavailable(f"{operation} timed out")
        return response.status, bytes(content), response.headers.get("Content-Type", "")
    finally:
        response.release_conn()


_RAW_CR_IN_TEXT = re.compile(rb"\r(?=[^<>]*<)")


def _declared_charset(content_type: str) -> str | None:
    if "charset" not in content_type.lower():
        return None
    header = Message()
    header["Content-Type"] = content_type
    return header.get_content_charset()


def read_reply(operation: str, status: int, content: bytes, content_type: str = "") -> Reply:
    """The reply's value, or the error it stands for."""
    if status in (502, 503, 504):
        raise Unavailable(f"{operation}: HTTP {status}")
    charset = _declared_charset(content_type)
    if b"\r" in content and not (charset or "").lower().startswith(("utf-16", "utf-32")):
        # Some PHP servers (NuSOAP) write a CR inside text as it is, which XML reads as a line end
        # (LF); what they meant, and what the byte counts of a serialize()'d string include, is the
        # CR: it is read as one (a CR within markup is left alone).
        content = _RAW_CR_IN_TEXT.sub(b"&#13;", content)
    try:
        # The HTTP header's charset rules over the XML declaration's, as for any text/xml.
        parser = _READER if charset is None else etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
            encoding=charset,
        )
        root = etree.fromstring(content, parser)
    except (etree.XMLSyntaxError, LookupError):
        raise ProtocolError(f"{operation}: HTTP {status}, not XML") from None
    charset = charset or root.getroottree().docinfo.encoding or "utf-8"
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
    return Reply(plain(parts[0]) if parts else None, charset)


def _fault_error(operation: str, fault: Any) -> Exception:
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


def _map_entry(item: Any) -> bool:
    return len(item) == 2 and _local(item[0].tag) == "key" and _local(item[1].tag) == "value"


def plain(node: Any) -> Any:
    """XML to plain Python: text, lists (item children, SOAP-ENC arrays), dicts (structs, Maps)."""
    if node.get(_NIL) in ("true", "1"):
        return None
    if not len(node):  # a leaf, most nodes of a reply: a list of 10 tickets read in 118 µs, not 160
        return node.text or ""
    # Each child's tag read once: lxml builds a new string for every read of it.
    children, names = [], []
    for child in node:
        tag = child.tag
        if isinstance(tag, str):  # not a comment or a processing instruction
            children.append(child)
            names.append(_local(tag))
    if not children:
        return node.text or ""
    if node.get(_ARRAY_TYPE) is not None or all(name == "item" for name in names):
        if all(_map_entry(item) for item in children):  # an apache Map
            return {(item[0].text or ""): plain(item[1]) for item in children}
        return [plain(child) for child in children]
    data: dict[str, Any] = {}
    for name, child in zip(names, children, strict=True):
        # A struct's leaves read here, without a call each: most of a reply's nodes.
        value = plain(child) if len(child) or child.get(_NIL) is not None else child.text or ""
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

    def chunks(self, size: int) -> Iterator[bytes]:
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
