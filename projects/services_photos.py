"""Writes of a project's photos: uploaded (checked and re-encoded) and captioned. The rules of
projects.services: keyword-only arguments, an explicit actor, one transaction, an audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.photos import prepare_photo
from governance.scoping import require_manage
from governance.services import audit

from .choices import PhotoKind
from .models import Photo, Project


def photo_upload(*, project, kind, actor, upload=None, prepared=None, caption="", finding=None):
    """Store a photo of `project` (or of one of its findings). The file is checked and re-encoded
    by governance.photos.prepare_photo (pass `upload`, or a `prepared` result of it); a refused file
    raises ValidationError({"image": …}). A finding photo has kind `finding` and the finding's
    project. If the row cannot be written the stored files are removed again (an outer
    transaction rolled back later would leave them behind: they carry no personal data)."""
    if prepared is None:
        prepared = prepare_photo(upload)
    if finding is not None and finding.project_id != project.pk:
        raise ValidationError({"finding": _("该监督问题不属于本项目。")})
    if (kind == PhotoKind.FINDING) != (finding is not None):
        raise ValidationError({"kind": _("问题照片须关联监督问题；其他照片不能关联监督问题。")})
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        require_manage(actor, locked)
        photo = Photo(
            project=locked,
            finding=finding,
            kind=kind,
            caption=(caption or "").strip(),
            uid=prepared.uid,
            taken_at=prepared.taken_at,
            uploaded_by=actor,
        )
        photo.image.save(prepared.image.name, prepared.image, save=False)
        photo.thumbnail.save(prepared.thumbnail.name, prepared.thumbnail, save=False)
        try:
            photo.full_clean(exclude=["image", "thumbnail"])
            photo.save()
            audit(
                actor=actor,
                action="photo_upload",
                target=photo,
                summary=photo.image.name,
                details={"kind": kind, "width": photo.width, "height": photo.height},
            )
        except Exception:
            _delete_files(photo)
            raise
    return photo


def _delete_files(photo):
    for field in (photo.image, photo.thumbnail):
        if field.name:
            field.storage.delete(field.name)


def photo_caption_set(*, photo, caption, actor):
    """Change a photo's caption (the file itself is never replaced: upload a new photo)."""
    with transaction.atomic():
        locked = Photo.objects.select_for_update().get(pk=photo.pk)
        require_manage(actor, locked.project)
        locked.caption = (caption or "").strip()
        locked.save(update_fields=["caption"])
        audit(actor=actor, action="photo_caption", target=locked, summary=locked.caption)
    return locked
