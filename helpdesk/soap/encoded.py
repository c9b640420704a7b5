"""rpc/encoded (SOAP 1.1 sections 5 and 7), as integrationapi-rpc.wsdl (index.php?wsdl=rpc) describes it
and as PHP's ext/soap, the stack of the original, writes it.

Requests: the operation element holds one accessor per parameter, named either by the parameter
(`<email>`) or by its place in the reference's order (`<param2>`, what PHP's SoapClient sends in
non-WSDL mode); never both in one call. Values are read by the types of the contract, whatever
xsi:type they carry (PHP code often passes "5" for an int). Structs may come as SOAP-ENC structs
or as apache Maps (a PHP associative array in non-WSDL mode); lists as SOAP-ENC arrays, whose
member names do not matter. An accessor left out stands for nil (SOAP 1.1, 5.1) and is accepted
only where nil is. A value that PHP sends twice in one call is written once with an id and then
referenced (href="#ref1"): such references are followed within the call. Values outside the call
(multiRef elements beside it), partially transmitted and sparse arrays are refused. Since values
are read by the contract, which has no recursive type, a reference can neither loop nor nest.

Replies are written as PHP's SoapServer writes them for the rpc WSDL: xsi:type on every value,
lists as SOAP-ENC arrays with SOAP-ENC:arrayType and <item> members, nil as xsi:nil.
"""

import re

from lxml import etree

from .schema import SOAP_ENC, SOAP_ENV, TNS, XSD, XSI, DecodeError, Element, decode_simple, schema, xml_text

APACHE_SOAP = "http://xml.apache.org/xml-soap"
_NIL = f"{{{XSI}}}nil"
_TYPE = f"{{{XSI}}}type"
_ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"
_UNSUPPORTED_ARRAYS = {
    f"{{{SOAP_ENC}}}offset": "Partially transmitted arrays are not accepted",
    f"{{{SOAP_ENC}}}position": "Sparse arrays are not accepted",
}
_POSITIONAL = re.compile(r"param(0|[1-9]\d{0,2})")
_ARRAY_SIZE = re.compile(r"\[(\d+)\]$")


# --- reading requests ----------------------------------------------------------------------


def decode_call(call, operation: str) -> dict:
    return _Reader(call).decode_call(operation)


def _elements(node) -> list:
    return [child for child in node if isinstance(child.tag, str)]


class _Reader:
    """One call's parameters, read by the contract."""

    def __init__(self, call):
        self.call = call
        self._ids: dict | None = None

    def decode_call(self, operation: str) -> dict:
        params = schema().operations[operation]
        accessors = self._members(self.call, operation)
        places = {name: _POSITIONAL.fullmatch(name) for name in accessors}
        if any(places.values()):
            if not all(places.values()):
                raise DecodeError(
                    f"Parameters of {operation} must be all named or all positional (param0, param1, ...)"
                )
            accessors = self._by_place(accessors, places, params, operation)
        return self._decode_struct(accessors, params, operation)

    @staticmethod
    def _by_place(accessors: dict, places: dict, params: tuple[Element, ...], operation: str) -> dict:
        """param0..paramN to the parameters' names, in the reference's order."""
        named = {}
        for name, nodes in accessors.items():
            place = int(places[name].group(1))
            if place >= len(params):
                raise DecodeError(f"Unexpected element {name!r} in {operation}: it takes {len(params)} parameters")
            named[params[place].name] = nodes
        return named

    def _members(self, node, where: str) -> dict[str, list]:
        """A struct's accessors by name: child elements, or the key/value entries of an apache Map."""
        grouped: dict[str, list] = {}
        if _is_map(node):
            for entry in _elements(node):
                children = _elements(self._resolve(entry, where))
                parts = {etree.QName(child).localname: child for child in children}
                if set(parts) != {"key", "value"} or len(children) != 2:
                    raise DecodeError(f"Map entries in {where} must hold one key and one value")
                grouped.setdefault((parts["key"].text or "").strip(), []).append(parts["value"])
            return grouped
        for child in _elements(node):
            grouped.setdefault(etree.QName(child).localname, []).append(child)
        return grouped

    def _resolve(self, node, where: str):
        """The element a reference (href="#id") points to, within this call; the node itself otherwise."""
        reference = node.get("href")
        if reference is None:
            return node
        if self._ids is None:
            self._ids = {}
            for element in self.call.iter("*"):
                if element.get("id") is not None and self._ids.setdefault(element.get("id"), element) is not element:
                    raise DecodeError(f"Duplicate id {element.get('id')[:50]!r} in {etree.QName(self.call).localname}")
        target = self._ids.get(reference[1:]) if reference.startswith("#") else None
        if target is None or target.get("href") is not None or len(node) or (node.text or "").strip():
            raise DecodeError(f"Unresolved reference {reference[:50]!r} in {where}")
        return target

    def _decode_struct(self, accessors: dict[str, list], fields: tuple[Element, ...], where: str) -> dict:
        unknown = set(accessors) - {f.name for f in fields}
        if unknown:
            raise DecodeError(f"Unexpected element {sorted(unknown)[0][:100]!r} in {where}")
        values = {}
        for field in fields:
            found = accessors.get(field.name, [])
            if len(found) > 1:
                raise DecodeError(f"Repeated parameter {field.name!r} in {where}")
            if not found and not field.nillable:
                raise DecodeError(f"Missing parameter {field.name!r} in {where}")
            values[field.name] = self._decode_value(found[0], field, f"{where}.{field.name}") if found else None
        return values

    def _decode_value(self, node, field: Element, where: str):
        node = self._resolve(node, where)
        if node.get(_NIL) in ("true", "1"):
            if field.nillable:
                return None
            raise DecodeError(f"Parameter {where!r} must not be nil")
        if field.type.startswith("xsd:"):
            if len(node) or node.get(_ARRAY_TYPE) is not None:
                raise DecodeError(f"Parameter {where!r} must be a simple value")
            return decode_simple(node.text or "", field.type, where)
        if schema().is_list(field.type):
            return self._decode_array(node, schema().types[field.type][0], where)
        return self._decode_struct(self._members(node, where), schema().types[field.type], where)

    def _decode_array(self, node, item: Element, where: str) -> list:
        for attribute, problem in _UNSUPPORTED_ARRAYS.items():
            if node.get(attribute) is not None or any(m.get(attribute) is not None for m in _elements(node)):
                raise DecodeError(f"{problem} ({where})")
        members = _elements(node)
        declared = node.get(_ARRAY_TYPE)
        if declared is not None:
            size = _ARRAY_SIZE.search(declared)
            if size is None:
                raise DecodeError(f"{where}: only one-dimensional arrays of a known size are accepted")
            if int(size.group(1)) != len(members):
                raise DecodeError(f"{where}: arrayType declares {size.group(1)} members but {len(members)} were sent")
        member = Element(item.name, item.type, item.nillable)
        return [self._decode_value(node, member, f"{where}[{index}]") for index, node in enumerate(members)]


def _is_map(node) -> bool:
    declared = node.get(_TYPE)
    if declared is None or not declared.endswith("Map"):
        return False
    prefix, _, local = declared.rpartition(":")
    return local == "Map" and node.nsmap.get(prefix or None) == APACHE_SOAP


# --- writing responses ---------------------------------------------------------------------


def encode_response(operation: str, value) -> bytes:
    envelope = etree.Element(
        f"{{{SOAP_ENV}}}Envelope",
        nsmap={"SOAP-ENV": SOAP_ENV, "ns1": TNS, "xsd": XSD, "xsi": XSI, "SOAP-ENC": SOAP_ENC},
    )
    envelope.set(f"{{{SOAP_ENV}}}encodingStyle", SOAP_ENC)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    wrapper = etree.SubElement(body, f"{{{TNS}}}{operation}Response")
    _encode_value(wrapper, schema().returns[operation], value)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _qualified(type_name: str) -> str:
    return type_name if type_name.startswith("xsd:") else f"ns1:{type_name}"


def _encode_value(parent, field: Element, value) -> None:
    node = etree.SubElement(parent, field.name)  # rpc accessors are unqualified
    if value is None:
        node.set(_NIL, "true")
        return
    if schema().is_list(field.type):
        item = schema().types[field.type][0]
        entries = list(value)
        node.set(_ARRAY_TYPE, f"{_qualified(item.type)}[{len(entries)}]")
        node.set(_TYPE, _qualified(field.type))
        for entry in entries:
            _encode_value(node, Element(item.name, item.type, item.nillable), entry)
        return
    node.set(_TYPE, _qualified(field.type))
    if field.type == "xsd:boolean":
        node.text = "true" if value else "false"
    elif field.type == "xsd:int":
        node.text = str(int(value))
    elif field.type == "xsd:string":
        node.text = xml_text(value)
    else:
        for subfield in schema().types[field.type]:
            _encode_value(node, subfield, value[subfield.name])
