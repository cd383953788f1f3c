"""Organisations as the API shows them: types, root fields, mutations (hierarchy and merging), loaders."""
