from django.db import migrations


class AddConstraintOnPostgres(migrations.AddConstraint):
    """Adds a PostgreSQL-only constraint (an exclusion constraint) to the model state
    everywhere, but to the schema only on PostgreSQL. The embedded SQLite mode relies on
    its serialised write transactions instead (see settings.DATABASES)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
