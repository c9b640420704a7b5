"""SOAP 1.1 envelopes of the Integration API in both of its bindings, one endpoint for both.

Requests are parsed with a hardened lxml parser: no DTD, no entities, no network, the parser's
default depth limit, a size limit checked by the caller; then read strictly by the contract of
.schema, in the style the request is written in, and answered in that same style.

The style of a request is decided from what it is:
- rpc/encoded when an `encodingStyle` attribute names SOAP encoding on the Envelope, the Body or the
  operation element (PHP's SoapClient puts it on the Envelope, in WSDL and in non-WSDL mode);
- rpc/encoded too when the operation's first parameter element is unqualified: rpc accessors carry
  no namespace (SOAP 1.1, 7.1), and zeep, loading ?wsdl=rpc, writes them so without encodingStyle;
- document/literal otherwise: its parameter elements are in the target namespace
  (elementFormDefault="qualified"), and its operation element must be too.
The SOAPAction header cannot tell them apart (both WSDLs use the same actions, and PHP's
non-WSDL mode sends uri#method), so it is not consulted.
"""

from typing import NamedTuple

from lxml import etree

from . import encoded, literal
from .schema import SOAP_ENC, SOAP_ENV, TNS, DecodeError, schema

KAYAKO_FAULT_STRING = "Kayako API Error"
DOCUMENT, RPC = "document", "rpc"
STYLES = {DOCUMENT: literal, RPC: encoded}
_ENCODING_STYLE = f"{{{SOAP_ENV}}}encodingStyle"
_SOAP_ENC_URI = SOAP_ENC.rstrip("/")

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


class Request(NamedTuple):
    operation: str
    params: dict  # by the WSDL's parameter names
    style: str  # DOCUMENT or RPC: the reply is written in the same style


def parse_request(body: bytes) -> Request:
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise DecodeError("DTDs and entities are not accepted")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        raise DecodeError("The request is not well-formed XML") from None
    if root.getroottree().docinfo.doctype:
        raise DecodeError("DTDs and entities are not accepted")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise DecodeError("The request is not a SOAP 1.1 envelope")
    body_node = root.find(f"{{{SOAP_ENV}}}Body")
    calls = [child for child in body_node if isinstance(child.tag, str)] if body_node is not None else []
    if len(calls) != 1:
        raise DecodeError("The SOAP body must hold exactly one operation")
    call = calls[0]
    style = _style(root, body_node, call)
    name = etree.QName(call)
    operation = name.localname
    # An rpc call is dispatched by its name alone, as PHP's SoapServer did for the original: code
    # written for the original carries the original's namespace (the `uri` of non-WSDL mode).
    if operation not in schema().operations or (style == DOCUMENT and name.namespace != TNS):
        raise DecodeError(f"Unknown operation {operation[:100]!r}")
    return Request(operation, STYLES[style].decode_call(call, operation), style)


def _style(envelope, body, call) -> str:
    for node in (envelope, body, call):
        declared = node.get(_ENCODING_STYLE)  # a list of URIs, the most specific first (SOAP 1.1, 4.1.1)
        if declared is not None and any(uri.rstrip("/") == _SOAP_ENC_URI for uri in declared.split()):
            return RPC
    for child in call:
        if isinstance(child.tag, str):
            return DOCUMENT if child.tag.startswith("{") else RPC
    return DOCUMENT


def encode_response(request: Request, value) -> bytes:
    return STYLES[request.style].encode_response(request.operation, value)


def encode_fault(code: str, message: str, detail: str | None = None) -> bytes:
    envelope, body = literal.envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"SOAP-ENV:{code}"
    etree.SubElement(fault, "faultstring").text = message
    if detail is not None:
        etree.SubElement(fault, "detail").text = detail
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def kayako_fault(error_code: int) -> bytes:
    return encode_fault("Client", KAYAKO_FAULT_STRING, str(error_code))
