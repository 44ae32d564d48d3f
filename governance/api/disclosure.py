"""The API of disclosures (三公开): read-only and scoped (published in the admin through
governance.services_disclosure), with their attachments' URLs."""

from rest_framework import serializers

from ..disclosure import Disclosure, DisclosureAttachment
from .base import ScopedReadOnlyViewSet
from .fields import BoundedTextMixin


class DisclosureAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisclosureAttachment
        fields = ["id", "label", "kind", "size", "file"]


class DisclosureSerializer(BoundedTextMixin, serializers.ModelSerializer):
    attachments = DisclosureAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Disclosure
        fields = ["id", "neighbourhood", "category", "title", "body", "published_on", "attachments"]


class DisclosureViewSet(ScopedReadOnlyViewSet):
    """Disclosures of neighbourhoods (党务、业委会事务、物业服务公开), newest first."""

    queryset = Disclosure.objects.order_by("-published_on", "-id")
    serializer_class = DisclosureSerializer
    filterset_fields = ["neighbourhood", "category"]

    def scoped_source(self):
        return self.queryset.prefetch_related("attachments")
