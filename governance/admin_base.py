"""The admin's base classes: every admin page of every app goes through the scoping function.

- `get_queryset` is scoped; an object outside the actor's territory answers 404 (not a redirect,
  not 403), the same as a missing one.
- Permissions come from staff roles, not Django's per-model permission table: any role may view
  its territory; street and community staff may add, change and delete there; district officials
  only read; superusers do everything. `may_write` is the one answer (pages, buttons, actions),
  `write_refusal` the one reason a write is refused (the 403 page, the messages).
- Foreign-key and many-to-many choices are scoped to what the actor may manage, so nothing can be
  attached to another territory's objects.
- `TerritoryWritesMixin` (the census pages: territory and households) saves and deletes through the
  territory services, with their checks and audit rows. It is not ScopedAdmin's default: the other
  apps' admins call their own services, and their models' rules are not the territory's.
"""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .admin_money import MoneyDisplayMixin
from .admin_text import BoundedTextMixin
from .choices import Level
from .models import Community, District, Street
from .scoping import can_manage, scope, territory_of
from .services import territory_record_delete, territory_record_save


def _is_scoped(model):
    return hasattr(model, "territory_lookups")


def adopt_saved(obj, saved):
    """Make the admin's unsaved `obj` the row a service created (`saved`): its fields, its state and
    its loaded relations. The admin goes on with `obj` after save_model (the log entry, the message,
    the redirect), so `obj` must be that row, not a form's partial copy of it (a demand list opened
    from a project has no neighbourhood until the service gives it one)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db
    obj._state.fields_cache = dict(saved._state.fields_cache)
    return obj


def pending_object(form):
    """The object a change form is saving, for an admin whose service writes it together with its
    inlines in save_related (save_model then does nothing). It is the form's own instance: Django's
    save_form returns form.save(commit=False), which is form.instance, and passes that same object
    to save_model. Never keep it on the ModelAdmin (self): one ModelAdmin serves every request of a
    process, so two staff saving at once under a threaded server would swap their objects."""
    return form.instance


def leave_optional(fields, name, help_text=None):
    """Make the field `name` of `fields` (a form's fields, or a form class's base_fields) optional,
    with `help_text` if given, when the page has it (a read-only page does not): the service or the
    form's clean fills it in."""
    field = fields.get(name)
    if field is not None:
        field.required = False
        if help_text is not None:
            field.help_text = help_text


def _may_manage(request, obj):
    """can_manage, asked once per object and request: a change page with inlines asks the same
    question a score of times (each an EXISTS query). The services check again."""
    if obj.pk is None:
        return can_manage(request.user, obj)
    memo = request.__dict__.setdefault("_may_manage_memo", {})
    key = (obj._meta.label, obj.pk)
    if key not in memo:
        memo[key] = can_manage(request.user, obj)
    return memo[key]


def _writes_model(territory, model):
    """Whether a role of `territory` writes rows of `model` somewhere: a superuser; a writing role
    at a level the model is kept at (community staff write nothing kept per street, such as a
    street's funding sources, and nothing of the street itself)."""
    if territory.is_everything:
        return True
    if not _is_scoped(model):
        return territory.may_write()
    return any(g.may_write and g.level in model.territory_lookups for g in territory.grants)


def may_write(request, obj=None, model=None):
    """Whether the request's user may write: `obj` (they manage it), or else rows of `model`, or
    else anything at all. The one answer the admin's permissions, buttons, actions and refusals
    read (the services check again when they write)."""
    territory = territory_of(request.user)
    if obj is not None:
        return territory.may_write() and (not _is_scoped(type(obj)) or _may_manage(request, obj))
    if model is not None:
        return _writes_model(territory, model)
    return territory.may_write()


def write_refusal(request, obj=None, model=None):
    """Why the request's user may not write `obj` (or rows of `model`): one sentence for the 403
    page and the admin's messages. None when they may."""
    territory = territory_of(request.user)
    if territory.is_empty:
        return _("您的账号没有工作人员角色，不能查看或修改这里的数据。请联系系统管理员分配角色。")
    if not territory.may_write() and territory.reads_everything and not territory.grants:
        return _(
            "您的角色（市住建局）只能查看全市数据，不能新增、修改或删除数据。"
            "如需更正，请联系负责该小区的街道或社区工作人员。"
        )
    if not territory.may_write():
        return _(
            "您的角色（区级管理人员）只能查看，不能新增、修改或删除数据。"
            "如需更正，请联系负责该小区的街道或社区工作人员。"
        )
    if may_write(request, obj, model):
        return None
    if obj is not None:
        return _("“%(object)s”不在您管理的范围内，您只能查看。") % {"object": obj}
    what = model._meta.verbose_name_plural if model is not None else _("此类记录")
    return _("您的角色不能新增或修改%(what)s，只能查看。") % {"what": what}


class ScopedPermissionsMixin(BoundedTextMixin):
    """Permissions from staff roles, choices scoped; every TextField bounded (BoundedTextMixin)."""

    def _territory(self, request):
        return territory_of(request.user)

    def has_module_permission(self, request):
        return not self._territory(request).is_empty

    def has_view_permission(self, request, obj=None):
        return not self._territory(request).is_empty

    def has_add_permission(self, request, *args):
        return may_write(request, model=self.model)

    def has_change_permission(self, request, obj=None):
        return may_write(request, obj, self.model)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if _is_scoped(db_field.related_model) and "queryset" not in kwargs:
            kwargs["queryset"] = scope(
                db_field.related_model._default_manager.all(), request.user, write=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if _is_scoped(db_field.related_model) and "queryset" not in kwargs:
            kwargs["queryset"] = scope(
                db_field.related_model._default_manager.all(), request.user, write=True
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class WriteRefusalsMixin:
    """Mixed into a ModelAdmin: a role that may not write sees no write control (the add and save
    buttons and the inline rows follow the has_*_permission answers; actions are offered only to
    roles that write here), and a write sent anyway is refused with its reason: a 403 page that
    says why (templates/403.html) for a form or a delete, an error message for a list action.
    Django alone answers a bare 403, and redisplays the list without a word for an action."""

    # Why a writing role may not change a row here, when the admin makes its rows read-only by
    # design (rows written by services, or only ever added). Admins say their own.
    read_only_reason = _("这类记录由系统按规则生成或只能新增，不能在此修改。")

    def write_refusal(self, request, obj=None):
        """Why the user may not write here (None when they may): their role, or the page's rule."""
        reason = write_refusal(request, obj, self.model)
        if reason is None and obj is not None and not self.has_change_permission(request, obj):
            reason = self.read_only_reason
        if reason is None and obj is None and not self.has_add_permission(request):
            reason = self.read_only_reason
        return reason

    def get_actions(self, request):
        # Every action of ours writes: a role that writes nothing here is offered none.
        if not may_write(request, model=self.model):
            return {}
        return super().get_actions(request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None and not self.has_add_permission(request):
            raise PermissionDenied(self.write_refusal(request))
        if object_id is not None and request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and not self.has_change_permission(request, obj):
                raise PermissionDenied(self.write_refusal(request, obj))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not self.has_delete_permission(request, obj):
            raise PermissionDenied(self.write_refusal(request, obj) or _("这类记录不能删除。"))
        return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        action = request.POST.get("action") if request.method == "POST" else None
        visible = self.has_view_or_change_permission(request)  # else Django's 403 stands
        if action and visible and action not in self.get_actions(request):
            messages.error(request, self.write_refusal(request) or _("所选操作不可用。"))
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)


class ScopedAdmin(MoneyDisplayMixin, ScopedPermissionsMixin, WriteRefusalsMixin, admin.ModelAdmin):
    """Base of every ModelAdmin over a territorial model. Money fields are shown as money
    (governance.admin_money)."""

    list_per_page = 50
    show_full_result_count = False  # a second COUNT(*) over 400,000 households is wasted work

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("对象不存在或不在您的辖区内。"))
        return obj

    def delete_queryset(self, request, queryset):
        """The bulk delete action deletes row by row through delete_model, in one transaction, so an
        admin that sends deletes to its service (and its audit row) does so for the action too."""
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


def report_refusal(request, exc):
    """A refusal as error messages: every reason of a ValidationError (governance.errors.Refused
    included), one line for PermissionDenied."""
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, _("您没有权限执行此操作。"))


class RefusalsMixin:
    """A service refusing a page's POST (ValidationError, governance.errors.Refused included): the
    whole save rolls back (the admin's view is one transaction) and the page comes back with the
    reasons as messages. PermissionDenied stays a 403."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST":
                raise
            report_refusal(request, exc)
            return HttpResponseRedirect(request.get_full_path())


class TerritoryWritesMixin:
    """Mixed in before ScopedAdmin: the page's writes (the object, its inlines' rows, the bulk
    delete action) go through `record_save` and `record_delete`, one service call and one audit
    row per row. The change page already runs in one transaction; ScopedAdmin gives the bulk
    delete its own.
    Override the two hooks to send some model to its own service."""

    def record_save(self, request, obj):
        territory_record_save(instance=obj, actor=request.user)

    def record_delete(self, request, obj):
        territory_record_delete(instance=obj, actor=request.user)

    def save_model(self, request, obj, form, change):
        self.record_save(request, obj)

    def delete_model(self, request, obj):  # ScopedAdmin's bulk delete comes here row by row
        self.record_delete(request, obj)

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)  # sets the parent on new rows, collects the deleted ones
        for obj in formset.deleted_objects:  # first, so a deleted row's name may be taken again
            self.record_delete(request, obj)
        for obj in rows:
            self.record_save(request, obj)
        formset.save_m2m()



class CreateServiceMixin:
    """An admin whose new rows are written by one create service: save_model calls
    `create_service` (a function) with the row's `create_fields` as keywords, the values
    `create_values(form)` adds (none by default) and the actor, and the page's row becomes the
    one the service saved (adopt_saved). A page that also changes rows handles `change` first and
    calls super().save_model for a new one."""

    create_service = None
    create_fields = ()

    def create_values(self, form):
        return {}

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in self.create_fields}
        saved = type(self).create_service(**values, **self.create_values(form), actor=request.user)
        adopt_saved(obj, saved)


class AddOnlyMixin:
    """Rows that are added, never changed or deleted (a correction is a new row, or goes through
    an action): a row's own page is read-only, while the model-level answer (obj None) stays the
    page's own, which the add page and the list's actions need. Put it before ScopedAdmin."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class InlineRowsMixin:
    """An admin whose service writes the object together with the rows of one inline (of
    `inline_model`): save_model does nothing, and save_related calls
    `save_with_rows(request, form, obj, rows, deleted)` with the form's object (pending_object),
    the inline's rows to create or change and the ones to delete."""

    inline_model = None

    def save_model(self, request, obj, form, change):
        pass  # saved with its rows in save_related (see pending_object)

    def save_related(self, request, form, formsets, change):
        rows, deleted = [], []
        for formset in formsets:
            if formset.model is self.inline_model:
                rows.extend(formset.save(commit=False))
                deleted.extend(formset.deleted_objects)
        self.save_with_rows(request, form, pending_object(form), rows, deleted)

class RowActionsMixin:
    """Buttons on a row's page that POST to <id>/<action>/ (URL name
    "<app>_<model>_<action>") and come back to the page. `row_actions` maps each action to the
    name of the method doing it, `method(request, obj)`, which says what it did as messages. The
    row is the page's own (404 outside the territory); a POST the actor may not write is refused
    with its reason (write_refusal); a GET does nothing."""

    row_actions = {}

    def get_urls(self):
        own = [
            path(
                f"<path:object_id>/{action}/",
                self.admin_site.admin_view(partial(self.row_action_view, action=action)),
                name=f"{self.opts.app_label}_{self.opts.model_name}_{action}",
            )
            for action in self.row_actions
        ]
        return own + super().get_urls()

    def row_action_view(self, request, object_id, action):
        obj = self.get_object(request, object_id)  # 404 outside the territory
        refusal = self.write_refusal(request, obj)
        if request.method == "POST" and refusal:
            messages.error(request, refusal)
        elif request.method == "POST":
            getattr(self, self.row_actions[action])(request, obj)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]))

class ScopedTabularInline(ScopedPermissionsMixin, admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)



class ListedInline(ScopedTabularInline):
    """An inline that lists rows written elsewhere (by a service, or on their own page): none is
    added or deleted here. Subclasses make their fields read only."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

class _TerritoryFilter(admin.SimpleListFilter):
    """Filter a territorial model's changelist by street or community, offering only what the actor
    may see. Subclasses set `level` and `territory_model`."""

    level = None
    territory_model = None

    def lookups(self, request, model_admin):
        if self.level not in model_admin.model.territory_lookups:
            return []
        rows = scope(self.territory_model.objects.all(), request.user).order_by("name")
        return [(str(row.pk), row.name) for row in rows]

    def queryset(self, request, queryset):
        if self.value() and self.level in queryset.model.territory_lookups:
            return queryset.filter(**{queryset.model.territory_lookups[self.level]: self.value()})
        return queryset


class DistrictFilter(_TerritoryFilter):
    """Shown only when the actor sees more than one district (a superuser, or several roles)."""

    title = _("区")
    parameter_name = "district"
    level = Level.DISTRICT
    territory_model = District

    def has_output(self):
        return len(self.lookup_choices) > 1


class StreetFilter(_TerritoryFilter):
    title = _("街道")
    parameter_name = "street"
    level = Level.STREET
    territory_model = Street


class CommunityFilter(_TerritoryFilter):
    title = _("社区")
    parameter_name = "community"
    level = Level.COMMUNITY
    territory_model = Community
