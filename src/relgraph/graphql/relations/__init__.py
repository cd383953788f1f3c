"""Relations as the API shows them: relation types, relations, internal relations and the network."""
