"""The Rakovsky model: mechanisms composed into a step plan over a world of members and offices."""
