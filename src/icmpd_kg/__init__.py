"""icmpd-kg: a linked-data knowledge graph of ICMPD and its work in Turkey."""

__version__ = "0.1.0"
