"""Writes of disclosures (三公开): an entry with its attachments. Keyword-only arguments, an
explicit actor, one transaction, one audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .attachments import prepare_attachment
from .disclosure import MAX_ATTACHMENTS
from .services import audit, changed_fields, delete_rows, lock_stored, save_managed


def _is_new_upload(attachment):
    return bool(attachment.file) and not getattr(attachment.file, "_committed", True)


def disclosure_save(*, disclosure, actor, attachments=(), deleted_attachments=()):
    """Publish or change a disclosure with its attachments: `attachments` are DisclosureAttachment
    rows to create or change (a new file is checked by governance.attachments.prepare_attachment:
    type by content, size, image pixels; an image is stored re-encoded without metadata),
    `deleted_attachments` rows of this entry to delete.

    Refuses, writing nothing: an actor who does not manage the neighbourhood as stored or as it
    stands (PermissionDenied); invalid values or a file refused (ValidationError naming the field);
    more than MAX_ATTACHMENTS attachments. One audit row: the changed fields' names and the
    attachment count."""
    prepared = []
    for attachment in attachments:
        if _is_new_upload(attachment):
            content, label, kind = prepare_attachment(attachment.file)
            prepared.append((attachment, content, label, kind))
    with transaction.atomic():
        stored = lock_stored(disclosure, actor)
        fields = changed_fields(stored, disclosure)
        if stored is None and getattr(actor, "pk", None):
            disclosure.published_by = actor
        save_managed(disclosure, actor)
        delete_rows(deleted_attachments, parent=disclosure, field="disclosure")
        count = disclosure.attachments.count() + sum(1 for a in attachments if a.pk is None)
        if count > MAX_ATTACHMENTS:  # before any file is stored
            raise ValidationError({"attachments": _("每条公开事项最多%(n)d个附件。") % {"n": MAX_ATTACHMENTS}})
        for attachment, content, label, kind in prepared:
            attachment.file = content
            attachment.label = (attachment.label or label).strip()[:100]
            attachment.kind, attachment.size = kind, content.size
        for attachment in attachments:
            attachment.disclosure = disclosure
            attachment.full_clean(exclude=["file"] if attachment.pk is not None else None)
            attachment.save()
        audit(
            actor=actor,
            action="disclosure_save" if stored is not None else "disclosure_publish",
            target=disclosure,
            summary=str(disclosure),
            details={"category": disclosure.category, "fields": fields, "attachments": count},
        )
    return disclosure
