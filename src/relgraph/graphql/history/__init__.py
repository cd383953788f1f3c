"""A party's history as the API shows it: notes, activities, the audit trail and the timeline."""
