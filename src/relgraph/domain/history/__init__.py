"""A party's history: notes, activities, the audit trail (written, read) and the timeline."""
