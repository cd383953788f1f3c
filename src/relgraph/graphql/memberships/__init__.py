"""Memberships (persoon in organisatie) as the API shows them: types, mutations (relinking, business relations), loaders."""
