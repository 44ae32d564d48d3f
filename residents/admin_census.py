"""The census import page of the household admin (placeholder until the import lands)."""


class CensusImportAdminMixin:
    pass
