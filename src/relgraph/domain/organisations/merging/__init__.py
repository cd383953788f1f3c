"""Merging a duplicate organisation into the one that stays: the merge, what moves, its report."""
