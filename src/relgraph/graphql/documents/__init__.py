"""Documents (files on a party) as the API shows them: types, upload and delete, loaders."""
