"""Types of relations: relation types and relations, internal relations, the network."""
