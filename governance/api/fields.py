"""Related ids in API input, scoped: the one kind of related field every writing serializer uses.

An id the actor may not use answers exactly as an id that does not exist ("所选的对象不存在。",
400 on that field), so the API cannot be asked whether a row exists in another territory (before,
starting a consultation for another district's project answered 403, "already exists" or "does
not exist" depending on the project). The choices come from the one scoping function
(governance.scoping.scope): what the actor manages (write=True, the default) or sees
(write=False, for a relation that only points at something, such as a project's lead street).
A model shared above the territory (the national works menu, the built-in consultation template)
gives its own `visible(actor)` queryset instead.

ScopedModelSerializer makes every relation DRF builds from the model such a field, and refuses
(TypeError, when the fields are built) a writable related field of any other kind, so a new
serializer cannot offer unscoped ids by omission.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import relations, serializers

from ..bounds import text_max
from ..scoping import scope


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key among the rows the requesting actor may use: `scope(model, actor, write)`,
    or `visible(actor)` when given. Anything else, and an id that exists nowhere, gets the same
    "does not exist" error."""

    default_error_messages = {"does_not_exist": _("所选的对象不存在。")}

    def __init__(self, model=None, *, write=True, visible=None, **kwargs):
        queryset = kwargs.pop("queryset", None)
        model = model or queryset.model
        if not kwargs.get("read_only"):
            kwargs["queryset"] = model._default_manager.all()  # its model for the schema; never read
        if visible is None and not kwargs.get("read_only") and not hasattr(model, "territory_lookups"):
            raise TypeError(f"{model.__name__} has no territory_lookups: give ScopedRelatedField a visible()")
        self.model, self.write, self.visible = model, write, visible
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        actor = getattr(request, "user", None)
        if self.visible is not None:
            return self.visible(actor)
        return scope(self.model._default_manager.all(), actor, write=self.write)


def is_scoped(field):
    """True when `field` takes no related id, or takes it through ScopedRelatedField."""
    if isinstance(field, relations.ManyRelatedField):
        field = field.child_relation
    if not isinstance(field, relations.RelatedField) or field.read_only:
        return True
    return isinstance(field, ScopedRelatedField)


class BoundedTextMixin:
    """For a ModelSerializer: a model TextField gets its bound (governance.bounds.text_max) as the
    API field's max_length, so the API refuses what the admin and the resident forms refuse."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.TextField) and not kwargs.get("read_only"):
            kwargs.setdefault("max_length", text_max(model_field))
        return field_class, kwargs


class ScopedModelSerializer(BoundedTextMixin, serializers.ModelSerializer):
    """A ModelSerializer whose relations built from the model are ScopedRelatedFields (write=True;
    the names in `see_only` write=False), and which refuses to build a writable related field of
    another kind (TypeError naming it)."""

    serializer_related_field = ScopedRelatedField
    see_only = ()

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_class is ScopedRelatedField:
            kwargs["model"] = relation_info.related_model
            kwargs["write"] = field_name not in self.see_only
        return field_class, kwargs

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if not is_scoped(field):
                raise TypeError(
                    f"{type(self).__name__}.{name}: a writable related field must be a ScopedRelatedField "
                    "(governance.api.fields)"
                )
        return fields
