"""The admin of project photos (uploaded through photo_upload)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance.admin_base import CreateServiceMixin, RefusalsMixin, ScopedAdmin
from governance.photos import prepare_photo

from ..models import Photo
from ..services import photo_caption_set, photo_upload
from .projects import ProjectCommunityFilter, ProjectStreetFilter


class PhotoUploadForm(forms.ModelForm):
    """The upload field is a plain file field: governance.photos decides what is an image (by its
    content), so its messages, not the generic ones, reach the user."""

    upload = forms.FileField(
        label=_("照片文件"), help_text=_("JPEG、PNG 或 WebP，不超过 10 MB；位置信息会被去除。")
    )

    class Meta:
        model = Photo
        fields = ["project", "finding", "kind", "caption"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            self.prepared = prepare_photo(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["image"]) from exc
        return upload


@admin.register(Photo)
class PhotoAdmin(CreateServiceMixin, RefusalsMixin, ScopedAdmin):
    create_service = photo_upload
    create_fields = ["project", "kind", "finding", "caption"]
    list_display = ["preview", "project", "kind", "caption", "uploaded_at"]
    list_filter = ["kind", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["project__code", "project__name", "caption"]
    list_select_related = ["project"]
    autocomplete_fields = ["project", "finding"]
    readonly_fields = ["preview", "width", "height", "taken_at", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("缩略图"))
    def preview(self, obj):
        return format_html('<img src="{}" alt="" width="120">', obj.thumbnail.url) if obj.thumbnail else ""

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PhotoUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["project", "finding", "kind", "caption", "upload"]
        return [
            "preview",
            "project",
            "finding",
            "kind",
            "caption",
            "width",
            "height",
            "taken_at",
            "uploaded_by",
            "uploaded_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "project", "finding", "kind"]

    def create_values(self, form):
        return {"prepared": form.prepared}

    def save_model(self, request, obj, form, change):
        if change:
            photo_caption_set(photo=obj, caption=obj.caption, actor=request.user)
            return
        super().save_model(request, obj, form, change)
