"""The API's JSON parser: DRF's, refusing bodies nested deeper than MAX_JSON_DEPTH with 400.

No record of the API nests more than a few levels (a plan with its payers and score bands is
three); a body nested 1,000 deep made the standard parser raise RecursionError, a 500. Python's
decoder raises RecursionError cleanly (it checks its own depth), which is answered here as a
parse error; a body just below that is walked without recursion and refused past the limit."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit=MAX_JSON_DEPTH):
    """Whether `data` (parsed JSON) has objects or arrays nested more than `limit` deep; the
    outermost object or array is depth 1. Walked with a stack, not recursion."""
    if not isinstance(data, (dict, list)):
        return False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        message = _("JSON 请求体的嵌套不能超过%(n)d层。") % {"n": MAX_JSON_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if json_depth_exceeds(data):
            raise ParseError(message)
        return data
