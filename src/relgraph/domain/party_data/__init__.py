"""What a party holds besides its own fields: addresses, contact means, bank accounts, party types
and their data, customer groups; and what search finds a party by."""
