"""document/literal wrapped, as integrationapi.wsdl (index.php?wsdl) describes it.

The operation element holds one element per parameter, in the target namespace; lists are
sequences of <item>; nothing carries xsi:type.
"""

from lxml import etree

from .schema import SOAP_ENV, TNS, XSI, DecodeError, Element, decode_simple, schema, xml_text

_NIL = f"{{{XSI}}}nil"


def decode_call(call, operation: str) -> dict:
    return _decode_struct(call, schema().operations[operation], operation)


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
    if node.get(_NIL) in ("true", "1"):
        if field.nillable:
            return None
        raise DecodeError(f"Parameter {where!r} must not be nil")
    if field.type.startswith("xsd:"):
        if len(node):
            raise DecodeError(f"Parameter {where!r} must be a simple value")
        return decode_simple(node.text or "", field.type, where)
    subfields = schema().types[field.type]
    decoded = _decode_struct(node, subfields, where)
    return decoded["item"] if schema().is_list(field.type) else decoded


def envelope():
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV, "ns1": TNS, "xsi": XSI})
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def encode_response(operation: str, value) -> bytes:
    root, body = envelope()
    wrapper = etree.SubElement(body, f"{{{TNS}}}{operation}Response")
    _encode_value(wrapper, schema().returns[operation], value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _encode_value(parent, field: Element, value) -> None:
    node = etree.SubElement(parent, f"{{{TNS}}}{field.name}")
    if value is None:
        node.set(_NIL, "true")
    elif field.type == "xsd:boolean":
        node.text = "true" if value else "false"
    elif field.type == "xsd:int":
        node.text = str(int(value))
    elif field.type == "xsd:string":
        node.text = xml_text(value)
    elif schema().is_list(field.type):
        item = schema().types[field.type][0]
        for entry in value:
            _encode_value(node, Element(item.name, item.type, item.nillable), entry)
    else:
        for subfield in schema().types[field.type]:
            _encode_value(node, subfield, value[subfield.name])
