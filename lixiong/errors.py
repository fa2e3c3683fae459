"""The shape every app's domain error shares: a stable code (for programs and tests), a
translated message (for people), the input field it is about, and its HTTP status."""


class DomainError(Exception):
    messages: dict = {}  # code -> lazy translated message, with %(name)s parameters
    conflict_codes: frozenset = frozenset()  # 409: clashes with what others hold
    forbidden_codes: frozenset = frozenset()  # 403: not yours to do

    def __init__(self, code: str, field: str | None = None, **params):
        if code not in self.messages:
            raise KeyError(f"{type(self).__name__} has no message for {code!r}")
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        # Rendered when read, so it follows the language of whoever reads it.
        text = str(self.messages[self.code])
        return text % self.params if self.params else text

    @property
    def http_status(self) -> int:
        if self.code in self.conflict_codes:
            return 409
        if self.code in self.forbidden_codes:
            return 403
        return 400

    def __str__(self) -> str:
        return self.message
