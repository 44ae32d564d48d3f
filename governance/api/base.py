"""The base of every API view set: scoped, and failing closed.

A view set declares `queryset` (or overrides `scoped_source()` for a select_related/annotated
base) and never `get_queryset`: defining `get_queryset` in a subclass raises TypeError at import,
so a new endpoint cannot forget the scoping function. Reads use the actor's visible territory;
writes use the territory they manage, so an object outside it answers 404 for both.
"""
from rest_framework import permissions, viewsets

from ..scoping import scope, territory_of


# The methods of a view set whose rows are created and changed but never deleted through the API
# (a project is cancelled, a money row reversed, a record kept): DELETE answers 405.
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class RolePermission(permissions.BasePermission):
    """Any staff role may read; only roles that write (street/community staff, superusers) may write."""

    message = "您的角色只能查看，不能修改。"

    def has_permission(self, request, view):
        territory = territory_of(request.user)
        if territory.is_empty:
            return False
        return request.method in permissions.SAFE_METHODS or territory.may_write()


class ScopedViewSetMixin:
    permission_classes = [permissions.IsAuthenticated, RolePermission]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override scoped_source(), never get_queryset() (scoping)")

    def scoped_source(self):
        """The unscoped base queryset; override to add select_related/prefetch/annotations."""
        return self.queryset.all()

    def get_queryset(self):
        write = self.request is not None and self.request.method not in permissions.SAFE_METHODS
        return scope(self.scoped_source(), self.request.user, write=write)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ServiceWritesMixin:
    """perform_create/update build the instance from the validated data and hand it to
    `save(instance, m2m)` (a service call; `m2m`: the list values, set by the service); a refusal
    is answered by governance.api.errors.exception_handler."""

    def save(self, instance, m2m):  # pragma: no cover - each view set defines it
        raise NotImplementedError

    def _write(self, serializer, instance):
        data = dict(serializer.validated_data)
        m2m = {k: data.pop(k) for k in list(data) if isinstance(data[k], list)}
        for field, value in data.items():
            setattr(instance, field, value)
        serializer.instance = self.save(instance, m2m)

    def perform_create(self, serializer):
        self._write(serializer, serializer.Meta.model())

    def perform_update(self, serializer):
        self._write(serializer, serializer.instance)
