"""Formatting an AuditResult: functions result -> text, no computation."""
