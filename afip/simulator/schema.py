"""Reading requests and writing answers the way WSFEv1's ASMX serializer does, driven by the WSDL's schema.

On input .NET is lenient: children may come in any order, and elements it does not know (or that lack
the service's namespace) are ignored. Real clients rely on it: afip.js, for one, sends `Auth` after
the operation's other fields. zeep reads sequences strictly, so requests are put in schema order first.
A value that is not of its type (a number that is not one) is not lenient at all: .NET refuses the
whole request, where zeep would quietly read None.

On output .NET writes every value-type member (int, long, double) even when the answer only carries
`Errors`: FECompTotXRequest refused for its ticket still says `<RegXReq>0</RegXReq>` (AFIP's
WSFEv1 developer manual and the live answers quoted by arcasim). The schema marks exactly those members
minOccurs=1, so a missing one is written as 0.
"""

from __future__ import annotations

from decimal import InvalidOperation

from lxml import etree
from zeep.xsd.types.builtins import BuiltinType


class UnreadableValue(ValueError):
    """A value that is not of its schema type; ASMX answers a soap:Client fault."""


def _children(xsd_type) -> dict[str, tuple[int, object]]:
    """Schema order and type of each child element of `xsd_type`, by qualified name."""
    elements = getattr(xsd_type, "elements", None) or []
    return {str(element.qname): (index, element.type) for index, (_, element) in enumerate(elements)}


def prepare_request(node: etree._Element, xsd_type) -> None:
    """Reorder `node`'s children as `xsd_type` declares them and drop the ones it does not declare, in
    place; raise UnreadableValue for a simple value that is not of its type."""
    known = _children(xsd_type)
    if not known:
        return
    children = [child for child in node if isinstance(child.tag, str)]
    for child in list(node):
        node.remove(child)
    # A stable sort keeps repeated elements (the details of a batch) in the order they came.
    for child in sorted((c for c in children if c.tag in known), key=lambda c: known[c.tag][0]):
        node.append(child)
        child_type = known[child.tag][1]
        if isinstance(child_type, BuiltinType):
            _check_value(child, child_type)
        else:
            prepare_request(child, child_type)


def _check_value(element: etree._Element, xsd_type: BuiltinType) -> None:
    try:
        xsd_type.pythonvalue(element.text or "")
    except (ValueError, TypeError, ArithmeticError, InvalidOperation):
        name = etree.QName(element).localname
        raise UnreadableValue(
            f"{name}: {element.text!r} no es un valor valido. Input string was not in a correct format.") from None


def with_required_values(value, xsd_type):
    """`value` (dicts and lists) with every missing minOccurs=1 simple element set to its zero value."""
    elements = getattr(xsd_type, "elements", None)
    if not elements or not isinstance(value, dict):
        return value
    completed = dict(value)
    for name, element in elements:
        current = completed.get(name)
        if current is None:
            if element.min_occurs >= 1 and isinstance(element.type, BuiltinType):
                completed[name] = element.type.pythonvalue("0")
            continue
        if element.max_occurs != 1 and isinstance(current, list):
            completed[name] = [with_required_values(item, element.type) for item in current]
        else:
            completed[name] = with_required_values(current, element.type)
    return completed
