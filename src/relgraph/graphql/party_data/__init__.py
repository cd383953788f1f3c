"""What every party has, as the API shows it: the Party interface, addresses, contact means,
bank accounts, party types and their data, customer groups."""
