"""Submitting admin pages as a browser does: read the rendered form (inputs, selects, textareas,
checked boxes, inline management forms), change some values, POST it, and say plainly why a save
did not go through (form errors, inline errors, error messages)."""

from html.parser import HTMLParser

from django.contrib.messages import get_messages

SKIPPED_INPUT_TYPES = {"submit", "button", "image", "reset", "file"}


class _FormParser(HTMLParser):
    """Every <form> of a page: its attributes and the (name, value) pairs a browser would send
    (without pressing a button)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None  # (name, multiple, [selected values], first value)
        self._textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in SKIPPED_INPUT_TYPES:
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name and "disabled" not in a:
            self._select = [name, "multiple" in a, [], None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[3] is None:
                self._select[3] = value
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, multiple, chosen, first = self._select
            if not chosen and not multiple and first is not None:
                chosen = [first]  # a browser sends the first option of a single select
            for value in chosen:
                self._form["fields"].append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The HTML parser keeps the newline that follows <textarea>; a browser drops it.
            self._form["fields"].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def page_forms(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_data(response, form_id=None):
    """{name: [values]} of the page's main form: the one with `form_id`, else the largest POST form
    that is not the logout or language form. Inline template rows (`__prefix__`) are left out."""
    forms = [
        f
        for f in page_forms(response.content.decode())
        if f["attrs"].get("method", "get").lower() == "post"
        and f["attrs"].get("id") != "logout-form"
        and "/i18n/" not in f["attrs"].get("action", "")
    ]
    if form_id is not None:
        forms = [f for f in forms if f["attrs"].get("id") == form_id]
    assert forms, f"no form {form_id or ''} on the page"
    chosen = max(forms, key=lambda f: len(f["fields"]))
    data = {}
    for name, value in chosen["fields"]:
        if "__prefix__" in name:
            continue
        data.setdefault(name, []).append(value)
    return data


def merged(data, values):
    """The form's data with `values` set (a list for several values, None to leave a field out)."""
    out = {k: list(v) for k, v in data.items()}
    for name, value in values.items():
        if value is None:
            out.pop(name, None)
        elif isinstance(value, (list, tuple)):
            out[name] = [str(v) for v in value]
        elif hasattr(value, "read"):
            out[name] = value
        else:
            out[name] = [str(value)]
    return out


def why_not_saved(response):
    """What the page says went wrong: field and inline errors, error messages (for assertions)."""
    reasons = []
    context = getattr(response, "context", None) or {}
    adminform = context.get("adminform") if context else None
    if adminform is not None and adminform.form.errors:
        reasons.append(f"form: {adminform.form.errors.as_data()}")
    form = context.get("form") if context else None
    if form is not None and getattr(form, "errors", None):
        reasons.append(f"form: {form.errors.as_data()}")
    for inline in (context.get("inline_admin_formsets") or []) if context else []:
        formset = inline.formset
        if formset.total_error_count():
            reasons.append(f"inline {formset.prefix}: {formset.errors} {formset.non_form_errors()}")
    for message in get_messages(response.wsgi_request):
        reasons.append(f"message[{message.level_tag}]: {message}")
    return "; ".join(reasons) or f"status {response.status_code}"


def error_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def refusal_reason(response):
    """The reason a 403 page gives (templates/403.html), or "" when it gives none."""
    import re

    match = re.search(r'<p class="reason" id="refusal-reason">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""
