"""Access-code issuing on the neighbourhood admin (placeholder until it lands)."""


class AccessCodeAdminMixin:
    pass
