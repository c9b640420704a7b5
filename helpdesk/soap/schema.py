"""The contract of the Integration API, read from the two static WSDLs beside this file.

integrationapi.wsdl (document/literal) is the single source of truth: the operations, their
parameters in order and every type come from it, so what the server accepts and sends is exactly
what it publishes. integrationapi-rpc.wsdl (rpc/encoded) is a second, reviewed description of the
same contract; it is read too, and the server refuses to start when the two disagree on an
operation, a parameter (name, type, place) or a type.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

HERE = Path(__file__).parent
WSDL_PATHS = {"document": HERE / "integrationapi.wsdl", "rpc": HERE / "integrationapi-rpc.wsdl"}
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
TNS = "urn:KayakoIntegrationAPI"

_NS = {"xsd": XSD, "wsdl": WSDL_NS}
_INT = re.compile(r"^\s*[+-]?\d{1,19}\s*$")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
# Characters XML 1.0 cannot carry; a stray one in stored text must not break a whole response.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class DecodeError(Exception):
    """The request is not a valid call of this API: answered with a Client fault."""


class ContractMismatch(Exception):
    """The rpc/encoded WSDL does not describe the same API as the document/literal one."""


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


def _type_name(qname: str) -> str:
    local = qname.split(":", 1)[1]
    return f"xsd:{local}" if qname.startswith("xsd:") else local


def _element(node) -> Element:
    return Element(
        name=node.get("name"),
        type=_type_name(node.get("type")),
        nillable=node.get("nillable") == "true",
        repeated=node.get("maxOccurs") == "unbounded",
    )


def document_literal_schema(root) -> Schema:
    types = {
        node.get("name"): tuple(_element(e) for e in node.findall("xsd:sequence/xsd:element", _NS))
        for node in root.iterfind(".//xsd:schema/xsd:complexType", _NS)
    }
    wrappers = {
        node.get("name"): tuple(_element(e) for e in node.findall("xsd:complexType/xsd:sequence/xsd:element", _NS))
        for node in root.iterfind(".//xsd:schema/xsd:element", _NS)
    }
    operations = {name: params for name, params in wrappers.items() if not name.endswith("Response")}
    returns = {name: wrappers[f"{name}Response"][0] for name in operations}
    return Schema(types=types, operations=operations, returns=returns)


def _rpc_type(node) -> tuple[Element, ...]:
    """A struct's members, or a SOAP-ENC array as one repeated <item> of its wsdl:arrayType."""
    restriction = node.find("xsd:complexContent/xsd:restriction", _NS)
    if restriction is None:
        return tuple(_element(e) for e in node.findall("xsd:all/xsd:element", _NS))
    declared = restriction.find("xsd:attribute", _NS).get(f"{{{WSDL_NS}}}arrayType")
    items = restriction.findall("xsd:sequence/xsd:element", _NS)
    item = Element("item", _type_name(declared.removesuffix("[]")), repeated=True)
    if [_element(e) for e in items] not in ([], [item]):
        raise ContractMismatch(f"{node.get('name')}: its <item> sequence and wsdl:arrayType differ")
    return (item,)


def rpc_encoded_schema(root) -> Schema:
    """The contract as the rpc WSDL states it; parts carry no nillable (SOAP-ENC allows nil anywhere)."""
    types = {node.get("name"): _rpc_type(node) for node in root.iterfind(".//xsd:schema/xsd:complexType", _NS)}
    messages = {
        node.get("name"): tuple(Element(p.get("name"), _type_name(p.get("type"))) for p in node.findall("wsdl:part", _NS))
        for node in root.iterfind("wsdl:message", _NS)
    }
    operations, returns = {}, {}
    for node in root.iterfind("wsdl:portType/wsdl:operation", _NS):
        name = node.get("name")
        operations[name] = messages[node.find("wsdl:input", _NS).get("message").split(":", 1)[1]]
        returns[name] = messages[node.find("wsdl:output", _NS).get("message").split(":", 1)[1]][0]
        if node.get("parameterOrder", "").split() != [p.name for p in operations[name]]:
            raise ContractMismatch(f"{name}: parameterOrder differs from the parts of its request message")
    return Schema(types=types, operations=operations, returns=returns)


def check_same_contract(document: Schema, rpc: Schema) -> None:
    """Raise ContractMismatch naming the first difference between the two descriptions."""

    def signature(elements):
        return [(e.name, e.type) for e in elements]

    if list(document.operations) != list(rpc.operations):
        raise ContractMismatch(f"operations differ: {sorted(set(document.operations) ^ set(rpc.operations))}")
    for name, params in document.operations.items():
        if signature(params) != signature(rpc.operations[name]):
            raise ContractMismatch(f"{name}: parameters differ")
        if signature([document.returns[name]]) != signature([rpc.returns[name]]):
            raise ContractMismatch(f"{name}: return types differ")
    for name in sorted(set(document.types) | set(rpc.types)):
        if document.types.get(name) != rpc.types.get(name):
            raise ContractMismatch(f"type {name} differs")


def load(document_path: Path, rpc_path: Path) -> Schema:
    document = document_literal_schema(etree.parse(str(document_path)).getroot())
    check_same_contract(document, rpc_encoded_schema(etree.parse(str(rpc_path)).getroot()))
    return document


@cache
def schema() -> Schema:
    return load(WSDL_PATHS["document"], WSDL_PATHS["rpc"])


@cache
def wsdl_document(style: str, address: str) -> bytes:
    """The WSDL of a style with the service address taken from configuration (never from a request)."""
    tree = etree.parse(str(WSDL_PATHS[style]))
    for node in tree.iter(f"{{{SOAP_BINDING_NS}}}address"):
        node.set("location", address)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def decode_simple(text: str, type_name: str, where: str):
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


def xml_text(value) -> str:
    return _NOT_XML.sub("", str(value))
