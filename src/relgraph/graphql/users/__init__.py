"""Staff users as the API shows them: types, root fields, loaders."""
