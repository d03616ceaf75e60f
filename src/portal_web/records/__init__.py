"""The patient's visits and the log of who viewed their record."""
