"""Relations between parties, their types, the internal relations of staff with the parties they
look after, and the network they make."""
