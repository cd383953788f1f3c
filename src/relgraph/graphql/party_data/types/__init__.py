"""Types of party data, and the Party interface that gathers what organisations and persons share."""
