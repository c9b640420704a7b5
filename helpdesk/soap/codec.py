"""SOAP 1.1 document/literal wrapped, read and written by the rules of the static WSDL beside this file.

The WSDL is the single source of truth: the operations, their parameters and every type come
from it, so what the server accepts and sends is exactly what it publishes. Requests are parsed
with a hardened lxml parser: no DTD, no entities, no network, a size limit checked by the caller.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

WSDL_PATH = Path(__file__).with_name("integrationapi.wsdl")
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
TNS = "urn:KayakoIntegrationAPI"
KAYAKO_FAULT_STRING = "Kayako API Error"

_INT = re.compile(r"^\s*[+-]?\d{1,19}\s*$")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
# Characters XML 1.0 cannot carry; a stray one in stored text must not break a whole response.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class DecodeError(Exception):
    """The request is not a valid call of this API: answered with a Client fault."""


@dataclass(frozen=True)
class Element:
    name: str
    type: str  # "xsd:int", "xsd:string", "xsd:boolean" or the name of a complex type
    nillable: bool = False
    repeated: bool = False


@dataclass(frozen=True)
class Schema:
    types: dict[str, tuple[Element, ...]]
    operations: dict[str, tuple[Element, ...]]  # parameters, in order
    returns: dict[str, Element]

    def is_list(self, type_name: str) -> bool:
        fields = self.types.get(type_name, ())
        return len(fields) == 1 and fields[0].repeated


def _element(node) -> Element:
    type_name = node.get("type")
    local = type_name.split(":", 1)[1]
    return Element(
        name=node.get("name"),
        type=f"xsd:{local}" if type_name.startswith("xsd:") else local,
        nillable=node.get("nillable") == "true",
        repeated=node.get("maxOccurs") == "unbounded",
    )


@cache
def schema() -> Schema:
    root = etree.parse(str(WSDL_PATH)).getroot()
    ns = {"xsd": XSD}
    types = {
        node.get("name"): tuple(_element(e) for e in node.findall("xsd:sequence/xsd:element", ns))
        for node in root.iterfind(".//xsd:schema/xsd:complexType", ns)
    }
    wrappers = {
        node.get("name"): tuple(_element(e) for e in node.findall("xsd:complexType/xsd:sequence/xsd:element", ns))
        for node in root.iterfind(".//xsd:schema/xsd:element", ns)
    }
    operations = {name: params for name, params in wrappers.items() if not name.endswith("Response")}
    returns = {name: wrappers[f"{name}Response"][0] for name in operations}
    return Schema(types=types, operations=operations, returns=returns)


@cache
def wsdl_document(address: str) -> bytes:
    """The WSDL with the service address taken from configuration (never from a request)."""
    tree = etree.parse(str(WSDL_PATH))
    for node in tree.iter(f"{{{SOAP_BINDING_NS}}}address"):
        node.set("location", address)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


# --- reading requests ----------------------------------------------------------------------

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_request(body: bytes) -> tuple[str, dict]:
    """(operation name, parameters by their WSDL names) from a SOAP envelope."""
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
    operation = etree.QName(call).localname
    params = schema().operations.get(operation)
    if params is None or etree.QName(call).namespace != TNS:
        raise DecodeError(f"Unknown operation {operation[:100]!r}")
    return operation, _decode_struct(call, params, operation)


def _children(node) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for child in node:
        if isinstance(child.tag, str):
            grouped.setdefault(etree.QName(child).localname, []).append(child)
    return grouped


def _decode_struct(node, fields: tuple[Element, ...], where: str) -> dict:
    children = _children(node)
    unknown = set(children) - {f.name for f in fields}
    if unknown:
        raise DecodeError(f"Unexpected element {sorted(unknown)[0][:100]!r} in {where}")
    values = {}
    for field in fields:
        found = children.get(field.name, [])
        if field.repeated:
            values[field.name] = [_decode_value(n, field, f"{where}.{field.name}") for n in found]
            continue
        if len(found) != 1:
            problem = "Missing" if not found else "Repeated"
            raise DecodeError(f"{problem} parameter {field.name!r} in {where}")
        values[field.name] = _decode_value(found[0], field, f"{where}.{field.name}")
    return values


def _decode_value(node, field: Element, where: str):
    if node.get(f"{{{XSI}}}nil") in ("true", "1"):
        if field.nillable:
            return None
        raise DecodeError(f"Parameter {where!r} must not be nil")
    if field.type.startswith("xsd:"):
        if len(node):
            raise DecodeError(f"Parameter {where!r} must be a simple value")
        return _decode_simple(node.text or "", field.type, where)
    subfields = schema().types[field.type]
    decoded = _decode_struct(node, subfields, where)
    return decoded["item"] if schema().is_list(field.type) else decoded


def _decode_simple(text: str, type_name: str, where: str):
    if type_name == "xsd:string":
        return text
    if type_name == "xsd:int":
        if not _INT.match(text) or not -(2**31) <= int(text) < 2**31:
            raise DecodeError(f"Parameter {where!r} must be an integer")
        return int(text)
    if type_name == "xsd:boolean":
        value = _BOOLEANS.get(text.strip())
        if value is None:
            raise DecodeError(f"Parameter {where!r} must be a boolean")
        return value
    raise DecodeError(f"Unsupported type {type_name}")


# --- writing responses ---------------------------------------------------------------------


def _envelope():
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV, "ns1": TNS, "xsi": XSI})
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def encode_response(operation: str, value) -> bytes:
    envelope, body = _envelope()
    wrapper = etree.SubElement(body, f"{{{TNS}}}{operation}Response")
    _encode_value(wrapper, schema().returns[operation], value)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _encode_value(parent, field: Element, value) -> None:
    node = etree.SubElement(parent, f"{{{TNS}}}{field.name}")
    if value is None:
        node.set(f"{{{XSI}}}nil", "true")
    elif field.type == "xsd:boolean":
        node.text = "true" if value else "false"
    elif field.type == "xsd:int":
        node.text = str(int(value))
    elif field.type == "xsd:string":
        node.text = _NOT_XML.sub("", str(value))
    elif schema().is_list(field.type):
        item = schema().types[field.type][0]
        for entry in value:
            _encode_value(node, Element(item.name, item.type, item.nillable), entry)
    else:
        for subfield in schema().types[field.type]:
            _encode_value(node, subfield, value[subfield.name])


def encode_fault(code: str, message: str, detail: str | None = None) -> bytes:
    envelope, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"SOAP-ENV:{code}"
    etree.SubElement(fault, "faultstring").text = message
    if detail is not None:
        etree.SubElement(fault, "detail").text = detail
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def kayako_fault(error_code: int) -> bytes:
    return encode_fault("Client", KAYAKO_FAULT_STRING, str(error_code))
