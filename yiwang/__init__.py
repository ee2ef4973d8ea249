"""yiwang (一网): the integrated platform of a township or street government."""

__version__ = "0.1.0"
