"""The server-rendered pages. Views are thin: a selector reads, one service writes."""
