"""Serializers: one for output, one per write operation where input and output differ."""
