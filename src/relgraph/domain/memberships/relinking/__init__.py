"""Bulk relinking of memberships: the plan of a call, its checks, and its set-based writes."""
