"""Persons as the API shows them: types, root fields (with the data export), mutations (with deletion), loaders."""
